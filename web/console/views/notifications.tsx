import type { ConsoleUser } from '../../../db/queries/users.ts';
import type { CaughtMailRow, NotificationRow, Tenant, WebhookEndpointRow } from '../../../db/schema.ts';
import { AUDIENCE_LABELS, AUDIENCES, CHANNEL_LABELS, CONSOLE_ROLES, TRIGGER_LABELS, type Audience, type NotificationStatus, type TenantRoutes } from '../../../domain/notifications.ts';
import { Badge, CsrfField, DataTable, Field, FieldError, Flash, TenantPageHead, Time, type Tone } from './components.tsx';

/**
 * The bell in the header, the way to the Notifications page: the signed-in person's unread in-console notifications. It reloads itself every 30 s
 * (htmx polling, no script of ours); the header's copy also loads at once, a reloaded copy only polls (a `load`
 * trigger on the swapped-in element would fetch it again at once, for ever).
 */
export const Bell = (p: { unread: number | null; initial?: boolean; oob?: boolean }) => (
  <a
    id="bell"
    class={p.unread ? 'bell bell-unread' : 'bell'}
    href="/notifications"
    hx-get="/notifications/bell"
    hx-trigger={p.initial ? 'load, every 30s' : 'every 30s'}
    hx-swap="outerHTML"
    hx-swap-oob={p.oob ? 'true' : undefined}
    aria-label={p.unread === null ? 'Notifications' : `Notifications: ${p.unread} unread`}
    title="Notifications"
  >
    <svg class="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
    </svg>
    {p.unread ? <span class="bell-count">{p.unread > 99 ? '99+' : p.unread}</span> : null}
  </a>
);

const STATUS_TONES: Record<NotificationStatus, Tone> = { sent: 'ok', pending: 'info', failed: 'danger', suppressed: 'neutral' };

export const StatusBadge = (p: { status: NotificationStatus }) => <Badge tone={STATUS_TONES[p.status]}>{p.status}</Badge>;

/** The person's own in-console notifications: opening one marks it read and goes where it points. */
export const Inbox = (p: { items: NotificationRow[]; unread: number; csrf: string; flash?: string }) => (
  <section class="card" id="inbox">
    <h2>Your notifications</h2>
    {p.flash ? <Flash tone="ok">{p.flash}</Flash> : null}
    {p.items.length === 0 ? (
      <p class="empty">Nothing for you yet. You are told here when a root cause needs you, a record is assigned or escalated to you, and in your daily digest.</p>
    ) : (
      <>
        <ul class="inbox">
          {p.items.map((n) => (
            <li class={n.readAt ? 'read' : 'unread'}>
              <form method="post" action={`/notifications/${n.id}/open`} class="inline">
                <CsrfField token={p.csrf} />
                <button type="submit" class="link">
                  {n.subject}
                </button>
              </form>
              <div class="small muted">
                {TRIGGER_LABELS[n.trigger]} · <Time at={n.createdAt} />
                {n.readAt ? null : ' · unread'}
              </div>
            </li>
          ))}
        </ul>
        {p.unread > 0 ? (
          <form method="post" action="/notifications/read" hx-post="/notifications/read" hx-target="#inbox" hx-swap="outerHTML" class="inline">
            <CsrfField token={p.csrf} />
            <button type="submit">Mark all read</button>
          </form>
        ) : null}
      </>
    )}
  </section>
);

/** Every message sent or attempted for the tenant, newest first, with what became of it. */
export const Ledger = (p: { rows: NotificationRow[] }) => (
  <section class="card" id="ledger">
    <h2>Sent and attempted</h2>
    <DataTable
      compact
      columns={['When', 'What', 'Channel', 'To', 'Subject', 'Status', 'Attempts']}
      rows={p.rows}
      empty="No notification has been sent or attempted for this tenant yet."
      row={(n) => (
        <tr>
          <td>
            <Time at={n.createdAt} />
          </td>
          <td>{TRIGGER_LABELS[n.trigger]}</td>
          <td>{CHANNEL_LABELS[n.channel]}</td>
          <td class="small">{n.recipient}</td>
          <td>
            {n.workflowId ? <a href={`/records/${encodeURIComponent(n.workflowId)}`}>{n.subject}</a> : n.subject}
            {n.lastError ? <div class="small muted">{n.lastError}</div> : null}
          </td>
          <td>
            <StatusBadge status={n.status} />
            {n.sentAt ? (
              <div class="small muted">
                <Time at={n.sentAt} />
              </div>
            ) : null}
          </td>
          <td class="num">{n.attempts}</td>
        </tr>
      )}
    />
  </section>
);

/** What the routing form was sent with, by field name (shown again with the errors). */
export type RoutesFormValues = Record<string, string>;

export interface RoutesFormProps {
  tenant: Tenant;
  routes: TenantRoutes;
  endpoints: WebhookEndpointRow[];
  csrf: string;
  values?: RoutesFormValues;
  errors?: Record<string, string>;
  flash?: string;
}

/** The first error whose field path starts with `prefix` (the schema reports `audiences.admin.emails.1`). */
const errorAt = (errors: Record<string, string> | undefined, prefix: string) =>
  Object.entries(errors ?? {}).find(([k]) => k === prefix || k.startsWith(`${prefix}.`))?.[1];

const AudienceFields = (p: RoutesFormProps & { audience: Audience }) => {
  const a = p.audience;
  const route = p.routes[a];
  const v = p.values;
  const checked = (name: string, stored: boolean) => (v ? v[name] === 'on' : stored);
  return (
    <fieldset class="audience">
      <legend>{AUDIENCE_LABELS[a]}</legend>
      <Field label="Contact name (how messages and records name it)" error={errorAt(p.errors, `audiences.${a}.label`)}>
        <input type="text" name={`${a}.label`} value={v ? v[`${a}.label`] : (route.label ?? '')} maxlength={100} placeholder={a.startsWith('escalation') ? 'Finance controller' : ''} />
      </Field>
      <div class="field">
        <span>Console users of the tenant</span>
        {CONSOLE_ROLES.map((r) => (
          <label class="check">
            <input type="checkbox" name={`${a}.role.${r}`} checked={checked(`${a}.role.${r}`, route.roles.includes(r))} /> every {r}
          </label>
        ))}
      </div>
      <Field label="Named e-mail addresses (one a line)" error={errorAt(p.errors, `audiences.${a}.emails`)}>
        <textarea name={`${a}.emails`} rows={2}>
          {v ? v[`${a}.emails`] : route.emails.join('\n')}
        </textarea>
      </Field>
      {p.endpoints.length > 0 ? (
        <div class="field">
          <span>Webhooks</span>
          {p.endpoints.map((e) => (
            <label class="check">
              <input type="checkbox" name={`${a}.webhook.${e.name}`} checked={checked(`${a}.webhook.${e.name}`, route.webhooks.includes(e.name))} /> {e.name}
            </label>
          ))}
          <FieldError error={errorAt(p.errors, `audiences.${a}.webhooks`)} />
        </div>
      ) : null}
    </fieldset>
  );
};

const EndpointRow = (p: { i: number; e: WebhookEndpointRow | undefined; values?: RoutesFormValues; errors?: Record<string, string> }) => {
  const f = (k: string) => `webhooks.${p.i}.${k}`;
  const val = (k: string, stored: string) => (p.values ? (p.values[f(k)] ?? '') : stored);
  const e = p.e;
  return (
    <tr>
      <td>
        {e ? (
          <>
            <input type="hidden" name={f('name')} value={e.name} />
            <strong>{e.name}</strong>
          </>
        ) : (
          <input type="text" name={f('name')} value={val('name', '')} maxlength={60} placeholder="finance-slack" aria-label="New endpoint name" />
        )}
        <FieldError error={errorAt(p.errors, f('name'))} />
      </td>
      <td>
        <input type="text" name={f('url')} value={val('url', e?.url ?? '')} maxlength={2000} placeholder="https://hooks.slack.com/services/…" aria-label="URL" />
        <FieldError error={errorAt(p.errors, f('url'))} />
      </td>
      <td>
        <input type="password" name={f('secret')} value="" autocomplete="new-password" placeholder={e ? 'unchanged' : 'at least 16 characters'} aria-label="Signing secret" />
        <FieldError error={errorAt(p.errors, f('secret'))} />
      </td>
      <td>
        <input type="text" name={f('disableAfter')} value={val('disableAfter', String(e?.disableAfter ?? 10))} size={4} aria-label="Disable after failures" />
        <FieldError error={errorAt(p.errors, f('disableAfter'))} />
      </td>
      <td>
        {e ? (
          <>
            <label class="check">
              <input type="checkbox" name={f('enabled')} checked={p.values ? p.values[f('enabled')] === 'on' : e.disabledAt === null} /> enabled
            </label>
            {e.disabledAt ? (
              <div>
                <Badge tone="danger" title={e.lastError ?? undefined}>
                  Disabled <Time at={e.disabledAt} />
                </Badge>
              </div>
            ) : null}
            <div class="small muted">
              {e.lastDeliveryAt === null ? 'not used yet' : e.lastStatus !== null ? `last answer HTTP ${e.lastStatus}` : 'last delivery had no answer'}
              {e.consecutiveFailures ? `, ${e.consecutiveFailures} failure(s) in a row` : ''}
            </div>
            <label class="check small">
              <input type="checkbox" name={f('remove')} /> remove
            </label>
          </>
        ) : (
          <span class="muted small">new</span>
        )}
      </td>
    </tr>
  );
};

/** Who is told what (admins): per audience, console users by role, named addresses and webhooks; and the endpoints. */
export const RoutesForm = (p: RoutesFormProps) => (
  <form method="post" action="/notifications/routes" hx-post="/notifications/routes" hx-target="#routing" hx-swap="outerHTML" class="card" id="routing">
    <h2>Who is told</h2>
    <CsrfField token={p.csrf} />
    <input type="hidden" name="tenantId" value={p.tenant.id} />
    {p.flash ? <Flash tone="ok">{p.flash}</Flash> : null}
    {p.errors ? <Flash tone="error">Please correct the highlighted fields; nothing was changed.</Flash> : null}
    <p class="hint">
      New root causes go to the admins, assignments to the assignee, escalations to the contact named (or level 1); a
      record nobody acts on within the SLA goes to level 1, and a second SLA later to level 2. Console users get an
      e-mail and a notification under the bell.
    </p>
    <div class="two-col">
      {AUDIENCES.map((a) => (
        <AudienceFields {...p} audience={a} />
      ))}
    </div>
    <h3>Webhook endpoints</h3>
    <p class="hint">
      Slack-compatible JSON (<code>{'{ text, blocks }'}</code>), signed: <code>X-QSH-Signature: sha256=HMAC(secret, X-QSH-Timestamp + "." + body)</code>.
      An endpoint that fails as many deliveries in a row as its limit is disabled until it is enabled here again.
    </p>
    <table class="data compact">
      <thead>
        <tr>
          <th>Name</th>
          <th>URL</th>
          <th>Secret</th>
          <th>Disable after</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {p.endpoints.map((e, i) => (
          <EndpointRow i={i} e={e} values={p.values} errors={p.errors} />
        ))}
        <EndpointRow i={p.endpoints.length} e={undefined} values={p.values} errors={p.errors} />
      </tbody>
    </table>
    <p>
      <button type="submit" class="primary">
        Save routing
      </button>
    </p>
  </form>
);

export interface NotificationsViewProps {
  user: ConsoleUser;
  csrf: string;
  tenants: Tenant[];
  inbox: { items: NotificationRow[]; unread: number; flash?: string };
  /** Admins: the chosen tenant's ledger and routing. */
  admin?: { ledger: NotificationRow[]; routing: RoutesFormProps };
  /** Development: where the caught e-mail is. */
  caughtMail: boolean;
}

export const NotificationsBody = (p: NotificationsViewProps) => (
  <div id="notifications">
    <Inbox {...p.inbox} csrf={p.csrf} />
    {p.admin ? (
      <>
        <Ledger rows={p.admin.ledger} />
        <RoutesForm {...p.admin.routing} />
      </>
    ) : null}
    {p.caughtMail ? (
      <p class="hint">
        In development every e-mail is caught instead of sent: <a href="/notifications/mail">see the caught mail</a>.
      </p>
    ) : null}
  </div>
);

export const NotificationsPage = (p: NotificationsViewProps) => (
  <>
    <TenantPageHead title="Notifications" path="/notifications" target="#notifications" tenants={p.admin ? p.tenants : []} value={p.admin?.routing.tenant.id} />
    <NotificationsBody {...p} />
  </>
);

/** Development only: the e-mail the embedded SMTP catcher received, newest first. */
export const CaughtMailPage = (p: { rows: CaughtMailRow[] }) => (
  <>
    <div class="page-head">
      <h1>Caught mail</h1>
      <p class="muted">
        In development, <code>npm start</code> runs an SMTP catcher and sends every notification e-mail to it; nothing leaves this
        machine. Set <code>SMTP_URL</code> to send real e-mail.
      </p>
    </div>
    {p.rows.length === 0 ? (
      <p class="empty">No e-mail caught yet.</p>
    ) : (
      p.rows.map((m) => (
        <article class="card mail">
          <h2>{m.subject}</h2>
          <p class="small muted">
            From {m.mailFrom} to {m.rcptTo.join(', ')} · <Time at={m.receivedAt} />
          </p>
          <pre class="mail-text">{m.text}</pre>
        </article>
      ))
    )}
  </>
);
