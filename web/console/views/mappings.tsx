import type { MappingValue } from '../../../db/queries/console.ts';
import type { ConsoleUser } from '../../../db/queries/users.ts';
import type { Tenant } from '../../../db/schema.ts';
import type { MappingKindHealth } from '../../../domain/mapping-health.ts';
import { MAPPING_KIND_LABELS, type MappingKind } from '../../../domain/vocabulary.ts';
import { can } from '../env.ts';
import { Badge, DataTable, Empty, HealthBadge, TenantPageHead, Time } from './components.tsx';
import { formatAmounts, plural, qs } from './format.ts';
import { MappingSetter, valueRowId, type SetterTarget } from './mapping-setter.tsx';

export interface MappingsViewProps {
  user: ConsoleUser;
  csrf: string;
  tenants: Tenant[];
  tenant: Tenant | undefined;
  health: MappingKindHealth[];
  kind: MappingKind;
  entity: string;
  values: MappingValue[];
  truncated: boolean;
  /** Entities of this kind in the QuickBooks reference cache. */
  cached: number;
  /** An AWRA value to open for editing (from a record page's "Set mapping"). */
  focusKey?: string;
}

const ValueStatus = (p: { v: MappingValue }) => {
  if (p.v.qboId && p.v.status === 'active') return <Badge tone="ok">Mapped</Badge>;
  if (p.v.status === 'stale') return <Badge tone={p.v.held > 0 ? 'danger' : 'review'} title={p.v.staleReason ?? undefined}>Stale</Badge>;
  return <Badge tone={p.v.held > 0 ? 'danger' : 'review'}>Missing</Badge>;
};

/** One AWRA value and its mapping: a row of the page, and the fragment answered after setting it. */
export const MappingValueRow = (p: { v: MappingValue; target: SetterTarget; user: ConsoleUser; csrf: string; open?: boolean; note?: string }) => (
  <tr id={valueRowId(p.target)} class={p.v.held > 0 ? 'row-problem' : ''}>
    <td>
      <code>{p.v.key}</code>
    </td>
    <td class="num">{p.v.usedBy}</td>
    <td>
      {p.v.qboId ? (
        <>
          {p.v.qboName ?? <span class="muted">(no name)</span>} <span class="muted small">id {p.v.qboId}</span>
          {p.v.status === 'stale' && p.v.staleReason ? <div class="small error-text">{p.v.staleReason}</div> : null}
        </>
      ) : (
        <span class="muted">—</span>
      )}
      {p.note ? <div class="small ok-text" role="status">{p.note}</div> : null}
    </td>
    <td>
      <ValueStatus v={p.v} />
    </td>
    <td>
      {p.v.held > 0 ? (
        <>
          <a href={`/queue${qs({ tenantId: p.target.tenantId, failureClass: 'mapping' })}`}>{plural(p.v.held, 'record')}</a>
          <div class="small">{formatAmounts(p.v.heldAmounts)}</div>
        </>
      ) : (
        <span class="muted">none</span>
      )}
    </td>
    <td class="small">
      {p.v.updatedAt ? (
        <>
          <Time at={p.v.updatedAt} />
          <div class="muted">{p.v.updatedBy}</div>
        </>
      ) : (
        <span class="muted">—</span>
      )}
    </td>
    {can(p.user, 'mappings.set') ? (
      <td class="setter-cell">
        <details class="fix" open={p.open}>
          <summary>{p.v.qboId ? 'Change' : 'Set mapping'}</summary>
          <MappingSetter target={p.target} context="row" csrf={p.csrf} />
        </details>
      </td>
    ) : null}
  </tr>
);

export const KindCards = (p: { health: MappingKindHealth[]; tenantId: string; active: MappingKind }) => (
  <ul class="kind-cards">
    {p.health.map((h) => (
      <li class={h.kind === p.active ? 'kind-card active' : 'kind-card'}>
        <a href={`/mappings${qs({ tenantId: p.tenantId, kind: h.kind })}`} hx-get={`/mappings${qs({ tenantId: p.tenantId, kind: h.kind })}`} hx-target="#mappings" hx-swap="outerHTML" hx-push-url="true">
          <span class="kind-head">
            <strong>{h.label}</strong> <HealthBadge status={h.status} />
          </span>
          <span class="small">{h.message}</span>
          <span class="muted small">
            {h.counts.mapped} of {h.counts.used} in use mapped{h.counts.stale ? ` · ${h.counts.stale} stale` : ''}
          </span>
        </a>
      </li>
    ))}
  </ul>
);

export const MappingsBody = (p: MappingsViewProps) => {
  if (!p.tenant) return <div id="mappings"><Empty>No tenant yet.</Empty></div>;
  const tenantId = p.tenant.id;
  const admin = can(p.user, 'mappings.set');
  return (
    <div id="mappings">
      <KindCards health={p.health} tenantId={tenantId} active={p.kind} />
      <section class="card">
        <h2>
          {MAPPING_KIND_LABELS[p.kind]} <span class="muted small">· AWRA values of {p.tenant.name} and their QuickBooks mapping</span>
        </h2>
        <p class="muted small">
          {p.cached > 0 ? `${plural(p.cached, `QuickBooks ${p.entity} entity`, `QuickBooks ${p.entity} entities`)} in the reference list.` : `The QuickBooks list of ${p.entity} entities has not been loaded yet.`}
          {admin ? ' Search it to set a mapping; the records waiting on that value continue by themselves.' : ' Admins set mappings.'}
        </p>
        <DataTable
          columns={['AWRA value', { label: 'Used by', num: true }, 'QuickBooks', 'Status', 'Records held', 'Last set', admin && '']}
          rows={p.values}
          empty={<>AWRA uses no {MAPPING_KIND_LABELS[p.kind].toLowerCase()} yet, and none is mapped.</>}
          row={(v) => <MappingValueRow v={v} target={{ tenantId, kind: p.kind, key: v.key, entity: p.entity }} user={p.user} csrf={p.csrf} open={v.key === p.focusKey} />}
        />
        {p.truncated ? <p class="muted small">Showing the first {p.values.length}; values holding records come first.</p> : null}
      </section>
    </div>
  );
};

export const MappingsPage = (p: MappingsViewProps) => (
  <>
    <TenantPageHead title="Mappings" path="/mappings" target="#mappings" tenants={p.tenants} value={p.tenant?.id}>
      <input type="hidden" name="kind" value={p.kind} />
    </TenantPageHead>
    <MappingsBody {...p} />
  </>
);
