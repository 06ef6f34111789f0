import type { ConnectionHealth } from '../../../db/queries/console.ts';
import type { ConsoleUser } from '../../../db/queries/users.ts';
import type { Tenant } from '../../../db/schema.ts';
import { can } from '../env.ts';
import { ConnectionBadge, CsrfField, Fact, Flash, Time } from './components.tsx';
import { formatDuration, formatTime, plural, qs } from './format.ts';

export interface ConnectionRow {
  tenant: Tenant;
  connection: ConnectionHealth | undefined;
  blockedOnAuthorization: number;
  /** The tenant's latest reconciliation, in words. */
  reconciled?: { at: Date; actor: string; sentence: string };
}

export interface ConnectionsViewProps {
  now: Date;
  user: ConsoleUser;
  csrf: string;
  rows: ConnectionRow[];
  /** Tenant just connected (the OAuth callback comes back with ?connected=). */
  connected?: string;
}

const DAY_MS = 86_400_000;
const ENVIRONMENTS: Record<string, string> = { production: 'QuickBooks Online', sandbox: 'Intuit sandbox', simulator: 'Local simulator (development)' };
/** The moments of a connection's life the card lists, in order. */
const MOMENTS = [
  ['Connected', 'connectedAt'],
  ['Last token refresh', 'lastRefreshAt'],
  ['Last successful call', 'lastSuccessAt'],
  ['Access token expires', 'accessTokenExpiresAt'],
  ['Refresh token expires', 'refreshTokenExpiresAt'],
] as const satisfies ReadonlyArray<readonly [string, keyof ConnectionHealth]>;

/** What will happen next to the tokens, in words. */
function forecasts(c: ConnectionHealth, now: Date): string[] {
  const out: string[] = [];
  const access = c.accessTokenExpiresAt.getTime() - now.getTime();
  out.push(access > 0 ? `The access token is valid for ${formatDuration(access)} more and renews itself before then.` : 'The access token has expired; it renews on the next call if the refresh token is still good.');
  const refreshDays = Math.floor((c.refreshTokenExpiresAt.getTime() - now.getTime()) / DAY_MS);
  out.push(
    refreshDays >= 0
      ? `The refresh token is good for ${plural(refreshDays, 'day')} (until ${formatTime(c.refreshTokenExpiresAt)}); each refresh extends it.`
      : 'The refresh token has expired: an admin must reconnect QuickBooks.',
  );
  if (c.refreshTokenHardExpiresAt) {
    const hard = Math.floor((c.refreshTokenHardExpiresAt.getTime() - now.getTime()) / DAY_MS);
    out.push(`Intuit requires reconnecting by ${formatTime(c.refreshTokenHardExpiresAt)} (${plural(Math.max(0, hard), 'day')} from now) at the latest.`);
  }
  return out;
}

export const ConnectionCard = (p: { row: ConnectionRow; now: Date; user: ConsoleUser; csrf: string }) => {
  const { tenant, connection: conn } = p.row;
  const status = conn?.status ?? 'not_connected';
  const needsAction = !conn || status === 'needs_reauth' || status === 'revoked';
  return (
    <article class="card connection" id={`conn-${tenant.id}`}>
      <header class="conn-head">
        <h2>{tenant.name}</h2>
        <ConnectionBadge status={status} />
      </header>
      {conn ? (
        <>
          <dl class="facts">
            <Fact term="Company (realm)">
              <code>{conn.realmId}</code> <span class="muted small">{ENVIRONMENTS[conn.environment] ?? conn.environment}</span>
            </Fact>
            {MOMENTS.map(([term, key]) => (
              <Fact term={term}>
                <Time at={conn[key]} />
              </Fact>
            ))}
          </dl>
          <ul class="forecast">
            {forecasts(conn, p.now).map((f) => (
              <li>{f}</li>
            ))}
          </ul>
          {conn.lastError ? (
            <Flash tone="error">
              Last error{conn.lastErrorAt ? ` (${formatTime(conn.lastErrorAt)})` : ''}: {conn.lastError}
            </Flash>
          ) : null}
        </>
      ) : (
        <p>QuickBooks is not connected for this tenant. Records are checked for readiness, then wait for the connection.</p>
      )}
      {p.row.blockedOnAuthorization > 0 ? (
        <p>
          <a href={`/queue${qs({ tenantId: tenant.id, failureClass: 'authorization' })}`}>{plural(p.row.blockedOnAuthorization, 'record')} waiting</a> on this connection;
          they continue by themselves once it is healthy.
        </p>
      ) : null}
      {can(p.user, 'connections.connect') ? (
        <form method="post" action={`/connections/${encodeURIComponent(tenant.id)}/connect`} class="inline">
          <CsrfField token={p.csrf} />
          <button type="submit" class={needsAction ? 'primary' : ''}>
            {conn ? 'Reconnect QuickBooks' : 'Connect QuickBooks'}
          </button>
        </form>
      ) : needsAction ? (
        <p class="hint">An admin must {conn ? 'reconnect' : 'connect'} QuickBooks.</p>
      ) : null}
      <p class="muted small">
        {p.row.reconciled
          ? `Reconciled ${formatTime(p.row.reconciled.at)} (${p.row.reconciled.actor}): ${p.row.reconciled.sentence}`
          : 'Not reconciled yet: the reconciler compares what AWRA sent, the console and Temporal every few minutes.'}
      </p>
      {can(p.user, 'tenant.reconcile') ? (
        <form method="post" action={`/connections/${encodeURIComponent(tenant.id)}/reconcile`} class="inline">
          <CsrfField token={p.csrf} />
          <button type="submit">Reconcile now</button>
        </form>
      ) : null}
    </article>
  );
};

export const ConnectionsPage = (p: ConnectionsViewProps) => (
  <>
    <div class="page-head">
      <h1>Connections</h1>
      <p class="muted">QuickBooks authorization per tenant: token health, what happens next, and the last error.</p>
    </div>
    {p.connected ? <Flash tone="ok">QuickBooks is connected for {p.connected}; records waiting on the connection continue by themselves.</Flash> : null}
    <div id="connections" class="connections">
      {p.rows.map((row) => (
        <ConnectionCard row={row} now={p.now} user={p.user} csrf={p.csrf} />
      ))}
    </div>
  </>
);
