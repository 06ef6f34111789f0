import type { ConnectionHealth, Evidence, StateCount, TrendDay } from '../../../db/queries/console.ts';
import type { Tenant } from '../../../db/schema.ts';
import type { MappingKindHealth } from '../../../domain/mapping-health.ts';
import { FAILURE_CLASS_LABELS, SYNC_STATES, type FailureClass } from '../../../domain/vocabulary.ts';
import { ClassBadge, ConnectionBadge, Empty, Fact, HealthBadge, TenantPageHead, Time } from './components.tsx';
import { plural, qs, STATE_LABELS } from './format.ts';
import { TrendChart } from './trend-chart.tsx';

export interface TenantConnection {
  tenant: Tenant;
  connection: ConnectionHealth | undefined;
  blockedOnAuthorization: number;
}

export interface OverviewProps {
  now: Date;
  /** When the oldest figure on the page was computed (the read cache may serve one a few seconds old). */
  asOf?: Date;
  tenants: Tenant[];
  /** The tenant filter (undefined: every tenant). */
  tenantId: string | undefined;
  connections: TenantConnection[];
  /** Mapping health of one tenant (the filter, or the first). */
  mappingTenant: Tenant | undefined;
  mappingHealth: MappingKindHealth[];
  states: StateCount[];
  evidence: Evidence;
  trend: TrendDay[];
}

const DAY_MS = 86_400_000;

export const AuthorizationSummary = (p: { rows: TenantConnection[]; now: Date }) => (
  <ul class="plain">
    {p.rows.map(({ tenant, connection, blockedOnAuthorization }) => (
      <li class="dim-row">
        <span class="dim-name">{tenant.name}</span>
        <ConnectionBadge status={connection?.status ?? 'not_connected'} />
        <span class="muted">
          {connection
            ? `refresh token: ${plural(Math.max(0, Math.floor((connection.refreshTokenExpiresAt.getTime() - p.now.getTime()) / DAY_MS)), 'day')} left`
            : 'an admin must connect QuickBooks'}
        </span>
        {connection?.lastError ? <span class="small error-text">Last error: {connection.lastError}</span> : null}
        {blockedOnAuthorization > 0 ? (
          <a class="small" href={`/queue${qs({ tenantId: tenant.id, failureClass: 'authorization' })}`}>
            {plural(blockedOnAuthorization, 'record')} waiting on the connection
          </a>
        ) : null}
      </li>
    ))}
  </ul>
);

export const MappingSummary = (p: { health: MappingKindHealth[]; tenant: Tenant | undefined }) =>
  p.tenant ? (
    <ul class="plain">
      {p.health.map((h) => (
        <li class="dim-row">
          <a class="dim-name" href={`/mappings${qs({ tenantId: p.tenant!.id, kind: h.kind })}`}>
            {h.label}
          </a>
          <HealthBadge status={h.status} />
          <span class="small">{h.message}</span>
        </li>
      ))}
    </ul>
  ) : (
    <Empty>No tenant yet.</Empty>
  );

export const OverviewBody = (p: OverviewProps) => {
  const count = (state: string) => p.states.filter((s) => s.state === state).reduce((n, s) => n + s.records, 0);
  const total = p.states.reduce((n, s) => n + s.records, 0);
  const blockedByClass = p.states
    .filter((s) => s.state === 'blocked' && s.failureClass)
    .sort((a, b) => b.records - a.records) as Array<StateCount & { failureClass: FailureClass }>;
  const duplicates = p.states.filter((s) => s.state === 'blocked' && s.failureClass === 'duplicate_risk').reduce((n, s) => n + s.records, 0);
  const tenantQ = p.tenantId ? { tenantId: p.tenantId } : {};
  return (
    <div id="overview">
      <section class="dimensions">
        <article class="card">
          <h2>Authorization</h2>
          <AuthorizationSummary rows={p.connections} now={p.now} />
          <p class="card-foot">
            <a href="/connections">Connections →</a>
          </p>
        </article>
        <article class="card">
          <h2>Mappings {p.mappingTenant && p.tenants.length > 1 ? <span class="muted small">· {p.mappingTenant.name}</span> : null}</h2>
          <MappingSummary health={p.mappingHealth} tenant={p.mappingTenant} />
        </article>
        <article class="card">
          <h2>Duplicate risk</h2>
          <p class="big-number">{duplicates}</p>
          <p>
            {duplicates === 0
              ? 'No record is waiting on a duplicate decision.'
              : `${plural(duplicates, 'record')} may already exist in QuickBooks; finance decides to link or create anyway.`}
          </p>
          {duplicates > 0 ? (
            <p class="card-foot">
              <a href={`/queue${qs({ ...tenantQ, failureClass: 'duplicate_risk' })}`}>Open duplicate cases →</a>
            </p>
          ) : null}
        </article>
        <article class="card">
          <h2>Audit evidence</h2>
          <dl class="stats">
            <Fact term="Synced today">{p.evidence.synced}</Fact>
            <Fact term="QuickBooks attempts">{p.evidence.attempts}</Fact>
            <Fact term="Retries">{p.evidence.retries}</Fact>
          </dl>
          <p class="card-foot">
            <a href="/audit">Audit log →</a> · <span class="muted small">today since 00:00 UTC</span>
          </p>
        </article>
      </section>

      <section class="card">
        <h2>
          Records by state <span class="muted small">· {plural(total, 'record')}</span>
        </h2>
        <ul class="state-tiles">
          {SYNC_STATES.map((s) => (
            <li class={`tile tile-${s}`}>
              <span class="tile-n">{count(s)}</span>
              <span class="tile-label">{STATE_LABELS[s]}</span>
            </li>
          ))}
        </ul>
      </section>

      <div class="two-col">
        <section class="card">
          <h2>Synced vs blocked, last {p.trend.length} days</h2>
          <TrendChart days={p.trend} />
        </section>
        <section class="card">
          <h2>Blocked, by cause</h2>
          {blockedByClass.length === 0 ? (
            <Empty>Nothing is blocked.</Empty>
          ) : (
            <ul class="plain">
              {blockedByClass.map((s) => (
                <li class="dim-row">
                  <ClassBadge failureClass={s.failureClass} />
                  <a href={`/queue${qs({ ...tenantQ, failureClass: s.failureClass })}`}>{plural(s.records, 'record')}</a>
                  <span class="small muted">{FAILURE_CLASS_LABELS[s.failureClass]}</span>
                </li>
              ))}
            </ul>
          )}
          <p class="card-foot">
            <a href={`/queue${qs(tenantQ)}`}>Action queue →</a>
          </p>
        </section>
      </div>
      <p class="muted small">
        As of <Time at={p.asOf ?? p.now} />
      </p>
    </div>
  );
};

export const OverviewPage = (p: OverviewProps) => (
  <>
    <TenantPageHead title="Overview" path="/" target="#overview" tenants={p.tenants} value={p.tenantId} all="All tenants" />
    <OverviewBody {...p} />
  </>
);
