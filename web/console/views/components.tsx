import type { Child } from 'hono/jsx';
import type { Tenant } from '../../../db/schema.ts';
import type { HealthStatus } from '../../../domain/mapping-health.ts';
import { formatMoney } from '../../../domain/money.ts';
import { FAILURE_CLASS_LABELS, type FailureClass, type Owner, type SyncState } from '../../../domain/vocabulary.ts';
import { CONNECTION_STATUS_LABELS, FAILURE_CLASS_SHORT, formatDuration, formatTime, OWNER_LABELS, STATE_LABELS } from './format.ts';

/** Small, synchronous building blocks shared by every page. */

export type Tone = 'ok' | 'review' | 'danger' | 'info' | 'neutral';

export const Badge = (p: { tone: Tone; title?: string; children: Child }) => (
  <span class={`badge badge-${p.tone}`} title={p.title}>
    {p.children}
  </span>
);

const STATE_TONES: Record<SyncState, Tone> = {
  queued: 'info',
  validating: 'info',
  checking_mappings: 'info',
  checking_duplicates: 'info',
  syncing: 'info',
  retrying: 'review',
  blocked: 'danger',
  synced: 'ok',
  linked: 'ok',
  cancelled: 'neutral',
};

export const StateBadge = (p: { state: string }) => (
  <Badge tone={STATE_TONES[p.state as SyncState] ?? 'neutral'}>{STATE_LABELS[p.state as SyncState] ?? p.state}</Badge>
);

export const ClassBadge = (p: { failureClass: string | null | undefined }) =>
  p.failureClass ? (
    <span class={`badge cls cls-${p.failureClass}`} title={FAILURE_CLASS_LABELS[p.failureClass as FailureClass]}>
      {FAILURE_CLASS_SHORT[p.failureClass as FailureClass] ?? p.failureClass}
    </span>
  ) : null;

const HEALTH: Record<HealthStatus, [Tone, string]> = { ready: ['ok', 'Ready'], review: ['review', 'Review'], blocked: ['danger', 'Blocked'] };

export const HealthBadge = (p: { status: HealthStatus }) => <Badge tone={HEALTH[p.status][0]}>{HEALTH[p.status][1]}</Badge>;

export const OwnerBadge = (p: { owner: string | null | undefined }) =>
  p.owner ? <span class={`owner owner-${p.owner}`}>{OWNER_LABELS[p.owner as Owner] ?? p.owner}</span> : <span class="muted">—</span>;

const CONNECTION_TONES: Record<string, Tone> = { healthy: 'ok', refresh_due: 'review', needs_reauth: 'danger', revoked: 'danger', not_connected: 'neutral' };

export const ConnectionBadge = (p: { status: string }) => (
  <Badge tone={CONNECTION_TONES[p.status] ?? 'neutral'}>{CONNECTION_STATUS_LABELS[p.status] ?? p.status}</Badge>
);

export const Money = (p: { minor: number | null | undefined; currency: string | null | undefined }) =>
  p.minor === null || p.minor === undefined || !p.currency ? <span class="muted">—</span> : <span class="num">{formatMoney(p.minor, p.currency)}</span>;

/** How long ago, with the exact time on hover. */
export const Age = (p: { since: Date | null | undefined; now: Date }) =>
  p.since ? (
    <time datetime={p.since.toISOString()} title={formatTime(p.since)}>
      {formatDuration(p.now.getTime() - p.since.getTime())}
    </time>
  ) : (
    <span class="muted">—</span>
  );

/** Time left until the SLA escalates the record by itself, or how long it is overdue. */
export const SlaLeft = (p: { due: Date | null | undefined; now: Date; escalatedTo?: string | null }) => {
  if (p.escalatedTo) return <span class="sla sla-escalated" title={p.due ? `SLA was ${formatTime(p.due)}` : undefined}>Escalated to {p.escalatedTo}</span>;
  if (!p.due) return <span class="muted">—</span>;
  const left = p.due.getTime() - p.now.getTime();
  return left >= 0 ? (
    <time class={left < 3_600_000 ? 'sla sla-soon' : 'sla'} datetime={p.due.toISOString()} title={`Escalates at ${formatTime(p.due)}`}>
      {formatDuration(left)} left
    </time>
  ) : (
    <time class="sla sla-overdue" datetime={p.due.toISOString()} title={`Was due ${formatTime(p.due)}`}>
      overdue by {formatDuration(-left)}
    </time>
  );
};

export const Time = (p: { at: Date | string | null | undefined }) =>
  p.at ? <time datetime={new Date(p.at).toISOString()}>{formatTime(p.at)}</time> : <span class="muted">—</span>;

export const Flash = (p: { tone: 'ok' | 'error' | 'info'; children: Child }) => (
  <div class={`flash flash-${p.tone}`} role={p.tone === 'error' ? 'alert' : 'status'}>
    {p.children}
  </div>
);

export const FieldError = (p: { error: string | undefined }) => (p.error ? <p class="field-error">{p.error}</p> : null);

/** A form control with its label above it and, when the server refused the value, the reason below it. */
export const Field = (p: { label: Child; error?: string | undefined; children: Child }) => (
  <label class="field">
    <span>{p.label}</span>
    {p.children}
    <FieldError error={p.error} />
  </label>
);

export const CsrfField = (p: { token: string }) => <input type="hidden" name="_csrf" value={p.token} />;

export const Empty = (p: { children: Child }) => <p class="empty">{p.children}</p>;

/** "Previous / Next" links that keep the filters; htmx swaps only the results when it can. */
export const Pager = (p: { base: string; params: Record<string, string | undefined>; page: number; hasMore: boolean; target: string }) => {
  const link = (page: number) => {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(p.params)) if (v) sp.set(k, v);
    if (page > 1) sp.set('page', String(page));
    const q = sp.toString();
    return `${p.base}${q ? `?${q}` : ''}`;
  };
  if (p.page <= 1 && !p.hasMore) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {p.page > 1 ? (
        <a href={link(p.page - 1)} hx-get={link(p.page - 1)} hx-target={p.target} hx-swap="outerHTML" hx-push-url="true">
          ← Previous
        </a>
      ) : (
        <span />
      )}
      <span class="muted">Page {p.page}</span>
      {p.hasMore ? (
        <a href={link(p.page + 1)} hx-get={link(p.page + 1)} hx-target={p.target} hx-swap="outerHTML" hx-push-url="true">
          Next →
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
};

export const Select = (p: { name: string; label: string; value: string | undefined; options: Array<[string, string]>; all?: string }) => (
  <Field label={p.label}>
    <select name={p.name}>
      {p.all !== undefined ? <option value="">{p.all}</option> : null}
      {p.options.map(([value, label]) => (
        <option value={value} selected={value === p.value}>
          {label}
        </option>
      ))}
    </select>
  </Field>
);

/**
 * A page's title with, when there is more than one tenant, a tenant picker that reloads `target` (htmx) as soon as it
 * changes; `children` are further hidden fields the reload keeps.
 */
export const TenantPageHead = (p: { title: string; path: string; target: string; tenants: Tenant[]; value: string | undefined; all?: string; children?: Child }) => (
  <div class="page-head">
    <h1>{p.title}</h1>
    {p.tenants.length > 1 ? (
      <form method="get" action={p.path} class="filters" hx-get={p.path} hx-target={p.target} hx-swap="outerHTML" hx-trigger="change" hx-push-url="true">
        <Select name="tenantId" label="Tenant" value={p.value} all={p.all} options={p.tenants.map((t) => [t.id, t.name])} />
        {p.children}
        <noscript>
          <button type="submit">Show</button>
        </noscript>
      </form>
    ) : null}
  </div>
);

/** One term of a `<dl class="facts">` (or `stats`) list. */
export const Fact = (p: { term: Child; children: Child }) => (
  <div>
    <dt>{p.term}</dt>
    <dd>{p.children}</dd>
  </div>
);

/** A column heading; `{ label, num: true }` heads a right-aligned column of amounts; `false` or `null` leaves the column out. */
export type Column = string | { label: string; num: true } | false | null;

/**
 * A table with one heading row and a row per item, or `empty` as a sentence when there are no items (without `empty`,
 * the table stands empty). Each caller renders its own `<tr>`, so a row component can also be sent alone as a fragment.
 */
export function DataTable<T>(p: { columns: readonly Column[]; rows: readonly T[]; row: (item: T, index: number) => Child; empty?: Child; compact?: boolean; caption?: Child }) {
  if (p.rows.length === 0 && p.empty !== undefined) return <Empty>{p.empty}</Empty>;
  return (
    <table class={p.compact ? 'data compact' : 'data'}>
      {p.caption !== undefined ? <caption>{p.caption}</caption> : null}
      <thead>
        <tr>{p.columns.map((c) => (c === false || c === null ? null : typeof c === 'string' ? <th>{c}</th> : <th class="num">{c.label}</th>))}</tr>
      </thead>
      <tbody>{p.rows.map((item, i) => p.row(item, i))}</tbody>
    </table>
  );
}
