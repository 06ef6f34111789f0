import { Hono } from 'hono';
import { authorizationBlocks, connectionHealth, lastReconciliations, visibleTenants } from '../../../db/queries/console.ts';
import { reconcileSentence } from '../../../domain/reconcile.ts';
import { tenantIdSchema } from '../../../domain/records.ts';
import { reconcileNow } from '../../../services/schedules.ts';
import { requirePermission, signedIn } from '../auth.ts';
import { canSeeTenant, type ConsoleEnv } from '../env.ts';
import { respond } from '../http.tsx';
import { ConnectionsPage } from '../views/connections.tsx';
import { setOAuthCookie, startOAuth } from '../../oauth.ts';
import { actorOf } from '../../../domain/principal.ts';

/**
 * `GET /connections`: token health and forecasts per tenant. The Connect / Reconnect button posts to
 * `/connections/:tenantId/connect` (the OAuth start, served beside this); every POST under /connections passes
 * this sub-app's session and CSRF guards first.
 */
export function connectionRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);
  // Whoever serves the OAuth start, only admins get through to it.
  app.use('/:tenantId/connect', requirePermission('connections.connect'));
  app.use('/:tenantId/reconcile', requirePermission('tenant.reconcile'));

  app.get('/', async (c) => {
    const { db } = c.get('deps');
    const user = c.get('user');
    const tenants = await visibleTenants(db, user.tenantId);
    const ids = tenants.map((t) => t.id);
    const [connections, blocks, reconciled] = await Promise.all([connectionHealth(db, ids), authorizationBlocks(db, ids), lastReconciliations(db, ids)]);
    const connected = c.req.query('connected');
    const props = {
      now: new Date(),
      user,
      csrf: c.get('csrfToken'),
      rows: tenants.map((tenant) => {
        const last = reconciled.get(tenant.id);
        return {
          tenant,
          connection: connections.find((x) => x.tenantId === tenant.id),
          blockedOnAuthorization: blocks.get(tenant.id) ?? 0,
          ...(last ? { reconciled: { at: last.at, actor: last.actor, sentence: reconcileSentence({ versionsDelivered: 0, mappingWakeUps: 0, connectionWakeUps: 0, projectionsRepaired: 0, failures: [], ...(last.detail as object) }) } } : {}),
        };
      }),
      ...(connected && canSeeTenant(user, connected) && ids.includes(connected) ? { connected } : {}),
    };
    return respond(c, { title: 'Connections', nav: 'connections', page: () => <ConnectionsPage {...props} />, fragment: () => <ConnectionsPage {...props} /> });
  });

  /** Starts the OAuth flow for a tenant: the state is bound to this browser and admin, then QuickBooks' consent page. */
  app.post('/:tenantId/connect', async (c) => {
    const tenantId = c.req.param('tenantId');
    const principal = c.get('principal');
    if (!canSeeTenant(c.get('user'), tenantId)) return c.text('Not found', 404);
    const started = await startOAuth(c.get('deps'), tenantId, actorOf(principal));
    if (!started.ok) return c.text(started.message, started.status);
    setOAuthCookie(c, started.nonce);
    if (c.req.header('hx-request')) {
      c.header('HX-Redirect', started.authorizeUrl);
      return c.body(null, 204);
    }
    return c.redirect(started.authorizeUrl, 303);
  });

  /** Runs the tenant's reconciler now and comes back to this page, which shows what it found. */
  app.post('/:tenantId/reconcile', async (c) => {
    const parsed = tenantIdSchema.safeParse(c.req.param('tenantId'));
    if (!parsed.success || !canSeeTenant(c.get('user'), parsed.data)) return c.text('Not found', 404);
    const { temporal, taskQueue } = c.get('deps');
    try {
      await reconcileNow(temporal, { taskQueue, tenantId: parsed.data, actor: actorOf(c.get('principal')) });
    } catch (err) {
      return c.text(`The reconciler could not run now (${(err as Error).message}). Its schedule runs it anyway; try again in a minute.`, 503);
    }
    return c.redirect(`/connections?reconciled=${encodeURIComponent(parsed.data)}`, 303);
  });

  return app;
}
