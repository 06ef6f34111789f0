import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { listCaughtMail } from '../../../db/queries/caught-mail.ts';
import { visibleTenants } from '../../../db/queries/console.ts';
import { consoleInbox, getNotification, getRoutes, listNotifications, listWebhookEndpoints, markRead, unreadCount } from '../../../db/queries/notifications.ts';
import type { Tenant, WebhookEndpointRow } from '../../../db/schema.ts';
import { AUDIENCES, CONSOLE_ROLES } from '../../../domain/notifications.ts';
import { actorOf } from '../../../domain/principal.ts';
import { saveRoutes, type RoutesInput } from '../../../services/notification-routes.ts';
import { requirePermission, signedIn } from '../auth.ts';
import { can, effectiveTenant, type ConsoleEnv } from '../env.ts';
import { formFields, ownOrigin, refuse, respond, safeNext, sendFragment, sendPage } from '../http.tsx';
import { Bell, CaughtMailPage, Inbox, NotificationsBody, NotificationsPage, RoutesForm, type NotificationsViewProps, type RoutesFormProps, type RoutesFormValues } from '../views/notifications.tsx';

type C = Context<ConsoleEnv>;

const INBOX_SIZE = 30;
const LEDGER_SIZE = 100;

/** The routing form's fields as the routing schema takes them (services/notification-routes.ts), and which form row each endpoint came from. */
function routesFromForm(values: RoutesFormValues, endpoints: readonly WebhookEndpointRow[]): { input: RoutesInput; rows: number[] } {
  const audiences = Object.fromEntries(
    AUDIENCES.map((a) => [
      a,
      {
        label: values[`${a}.label`]?.trim() || null,
        roles: CONSOLE_ROLES.filter((r) => values[`${a}.role.${r}`] === 'on'),
        emails: (values[`${a}.emails`] ?? '').split(/[\s,;]+/).filter(Boolean),
        webhooks: Object.keys(values)
          .filter((k) => k.startsWith(`${a}.webhook.`) && values[k] === 'on')
          .map((k) => k.slice(`${a}.webhook.`.length)),
      },
    ]),
  );
  const webhooks: NonNullable<RoutesInput['webhooks']> = [];
  const rows: number[] = [];
  for (let i = 0; values[`webhooks.${i}.name`] !== undefined; i++) {
    const field = (k: string) => values[`webhooks.${i}.${k}`] ?? '';
    const existing = endpoints.some((e) => e.name === field('name'));
    // The blank row for a new endpoint, left blank; or an endpoint to remove.
    if ((!existing && !field('name').trim() && !field('url').trim()) || field('remove') === 'on') continue;
    const limit = field('disableAfter').trim();
    webhooks.push({
      name: field('name'),
      url: field('url'),
      ...(field('secret') ? { secret: field('secret') } : {}),
      disableAfter: (/^\d{1,6}$/.test(limit) ? Number(limit) : limit) as number,
      enabled: existing ? field('enabled') === 'on' : true,
    });
    rows.push(i);
  }
  return { input: { audiences, webhooks }, rows };
}

/**
 * `/notifications`: the signed-in person's own notifications (the bell's list), and for admins the tenant's ledger of
 * everything sent or attempted and its routing form. `/notifications/bell` is the header's polled unread count;
 * `/notifications/mail` shows, in development, the e-mail `npm start`'s SMTP catcher received.
 */
export function notificationRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);
  app.use('/routes', requirePermission('notifications.routes'));

  async function adminPart(c: C, tenant: Tenant, routing: Partial<RoutesFormProps> = {}) {
    const { db } = c.get('deps');
    const [ledger, routes, endpoints] = await Promise.all([listNotifications(db, tenant.id, { limit: LEDGER_SIZE }), getRoutes(db, tenant.id), listWebhookEndpoints(db, tenant.id)]);
    return { ledger, routing: { tenant, routes, endpoints, csrf: c.get('csrfToken'), ...routing } };
  }

  async function inboxOf(c: C, flash?: string) {
    const { db } = c.get('deps');
    const email = c.get('user').email;
    const [items, unread] = await Promise.all([consoleInbox(db, email, INBOX_SIZE), unreadCount(db, email)]);
    return { items, unread, ...(flash ? { flash } : {}) };
  }

  app.get('/', async (c) => {
    const { db, caughtMail } = c.get('deps');
    const user = c.get('user');
    const tenants = await visibleTenants(db, user.tenantId);
    const requested = effectiveTenant(user, c.req.query('tenantId'));
    const tenant = tenants.find((t) => t.id === requested) ?? tenants[0];
    const props: NotificationsViewProps = {
      user,
      csrf: c.get('csrfToken'),
      tenants,
      inbox: await inboxOf(c),
      ...(tenant && can(user, 'notifications.ledger') ? { admin: await adminPart(c, tenant) } : {}),
      caughtMail: caughtMail ?? false,
    };
    return respond(c, { title: 'Notifications', nav: 'notifications', page: () => <NotificationsPage {...props} />, fragment: () => <NotificationsBody {...props} /> });
  });

  app.get('/bell', async (c) => {
    c.header('Cache-Control', 'no-store');
    return sendFragment(c, <Bell unread={await unreadCount(c.get('deps').db, c.get('user').email)} />);
  });

  app.post('/read', async (c) => {
    const marked = await markRead(c.get('deps').db, c.get('user').email);
    if (!c.get('fragment')) return c.redirect('/notifications', 303);
    const inbox = await inboxOf(c, marked ? `Marked ${marked} notification(s) read.` : 'Nothing was unread.');
    return sendFragment(
      c,
      <>
        <Inbox {...inbox} csrf={c.get('csrfToken')} />
        <Bell unread={inbox.unread} oob />
      </>,
    );
  });

  /** Opens one of the person's notifications: marked read, then to the page it points at (on this console only). */
  app.post('/:id{[0-9]{1,15}}/open', async (c) => {
    const { db } = c.get('deps');
    const email = c.get('user').email;
    const n = await getNotification(db, Number(c.req.param('id')));
    if (!n || n.channel !== 'console' || n.recipient !== email) return refuse(c, 404, 'Not found', 'There is no such notification of yours.');
    await markRead(db, email, [n.id]);
    let path = '/notifications';
    try {
      if (n.link) {
        const u = new URL(n.link);
        path = u.pathname + u.search;
      }
    } catch {
      path = '/notifications';
    }
    const target = safeNext(path, ownOrigin(c));
    if (c.get('fragment')) {
      c.header('HX-Redirect', target);
      return c.body(null, 204);
    }
    return c.redirect(target, 303);
  });

  app.post('/routes', async (c) => {
    const deps = c.get('deps');
    const user = c.get('user');
    const { _csrf: _ignored, tenantId: requested, ...values } = await formFields(c);
    const tenants = await visibleTenants(deps.db, user.tenantId);
    const tenant = tenants.find((t) => t.id === requested);
    if (!tenant) return refuse(c, 404, 'Not found', `No tenant "${requested ?? ''}" you can manage.`);
    const endpoints = await listWebhookEndpoints(deps.db, tenant.id);
    const { input, rows } = routesFromForm(values, endpoints);
    const saved = await saveRoutes(deps, tenant.id, input, actorOf(c.get('principal')));
    let status: ContentfulStatusCode = 200;
    let routing: Partial<RoutesFormProps>;
    if (saved.ok) routing = { flash: 'Routing saved: it applies to the next message.' };
    else {
      status = 422;
      // The schema counts the endpoints it was sent; the form counts its rows (removed and blank ones included).
      const errors = Object.fromEntries(Object.entries(saved.fields).map(([k, v]) => [k.replace(/^webhooks\.(\d+)\./, (_, j: string) => `webhooks.${rows[Number(j)] ?? j}.`), v]));
      routing = { values, errors };
    }
    const part = await adminPart(c, tenant, routing);
    if (!c.get('fragment')) {
      const props: NotificationsViewProps = { user, csrf: c.get('csrfToken'), tenants, inbox: await inboxOf(c), admin: part, caughtMail: deps.caughtMail ?? false };
      return sendPage(c, 'Notifications', 'notifications', <NotificationsPage {...props} />, status);
    }
    return sendFragment(c, <RoutesForm {...part.routing} />, status);
  });

  app.get('/mail', async (c) => {
    const { db, caughtMail } = c.get('deps');
    if (!caughtMail) return refuse(c, 404, 'Not found', 'Caught mail exists in development only; e-mail is sent through SMTP_URL here.');
    const rows = await listCaughtMail(db, 50);
    return respond(c, { title: 'Caught mail', nav: 'notifications', page: () => <CaughtMailPage rows={rows} />, fragment: () => <CaughtMailPage rows={rows} /> });
  });

  return app;
}
