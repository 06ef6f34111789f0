import type { QueueGroup, QueuePage, QueueRecord } from '../../../db/queries/queue.ts';
import type { ConsoleUser } from '../../../db/queries/users.ts';
import type { Tenant } from '../../../db/schema.ts';
import { rootCauseTopic } from '../../../domain/help.ts';
import { FAILURE_CLASSES, MAPPING_KINDS, OWNERS, RECORD_TYPE_LABELS, RECORD_TYPES, type MappingKind } from '../../../domain/vocabulary.ts';
import { can } from '../env.ts';
import type { BulkJob } from '../jobs.ts';
import { Age, ClassBadge, CsrfField, DataTable, Empty, Money, OwnerBadge, Pager, Select, SlaLeft, Time } from './components.tsx';
import { FAILURE_CLASS_SHORT, formatAmounts, OWNER_LABELS, plural, qs } from './format.ts';
import { HelpLink } from './help.tsx';
import { MappingSetter } from './mapping-setter.tsx';

export interface QueueFilterValues {
  tenantId?: string;
  owner?: string;
  failureClass?: string;
  recordType?: string;
  /** "me": only records assigned to the signed-in person. */
  assignee?: string;
}

export interface QueueViewProps {
  now: Date;
  user: ConsoleUser;
  csrf: string;
  tenants: Tenant[];
  filters: QueueFilterValues;
  page: number;
  pageSize: number;
  data: QueuePage;
  /** When `data` was computed (the read cache may serve it a few seconds old). */
  asOf?: Date;
  /** QuickBooks entity per mapping kind, for the mapping search. */
  entityFor: Record<MappingKind, string>;
}

export interface QueueGroupViewProps extends Omit<QueueViewProps, 'data'> {
  group: QueueGroup;
  total: number;
}

const recordHref = (workflowId: string) => `/records/${encodeURIComponent(workflowId)}`;

export const QueueRecordRow = (p: { r: QueueRecord; now: Date; showTenant: boolean; cause: QueueGroup['cause'] }) => (
  <tr>
    <td>
      <a href={recordHref(p.r.workflowId)}>{p.r.number}</a>
      <div class="muted small">{RECORD_TYPE_LABELS[p.r.recordType]}</div>
    </td>
    {p.showTenant ? <td>{p.r.tenantId}</td> : null}
    <td class="num">
      <Money minor={p.r.amountMinor} currency={p.r.currency} />
    </td>
    <td>
      <ClassBadge failureClass={p.r.failureClass} />
    </td>
    <td>
      <OwnerBadge owner={p.r.owner} />
    </td>
    <td>{p.r.assignee ?? <span class="muted">unassigned</span>}</td>
    <td>
      <Age since={p.r.blockedSince} now={p.now} />
    </td>
    <td>
      <SlaLeft due={p.r.slaDueAt} now={p.now} escalatedTo={p.r.escalatedTo} />
    </td>
    <td class="sentence">{p.cause === 'class' ? (p.r.actionNeeded ?? p.r.detail) : (p.r.detail ?? p.r.actionNeeded)}</td>
  </tr>
);

export const QueueRecordTable = (p: { records: QueueRecord[]; now: Date; showTenant: boolean; cause: QueueGroup['cause'] }) => (
  <DataTable
    columns={['Record', p.showTenant && 'Tenant', { label: 'Amount', num: true }, 'Failure class', 'Owner', 'Assignee', 'Blocked for', 'SLA', 'What is needed']}
    rows={p.records}
    row={(r) => <QueueRecordRow r={r} now={p.now} showTenant={p.showTenant} cause={p.cause} />}
  />
);

export const BulkRetryForm = (p: { group: QueueGroup; csrf: string }) => (
  <form
    method="post"
    action="/queue/retry"
    hx-post="/queue/retry"
    hx-target="this"
    hx-swap="outerHTML"
    hx-confirm={`Retry all ${p.group.records} records blocked on this cause?`}
    class="inline bulk"
  >
    <CsrfField token={p.csrf} />
    <input type="hidden" name="group" value={p.group.key} />
    <button type="submit">Retry all {plural(p.group.records, 'record')} in this group</button>
  </form>
);

/** Progress of a bulk retry; polls itself every second until the job is done. */
export const BulkJobProgress = (p: { job: BulkJob }) => {
  const finished = p.job.finishedAt !== null;
  const poll = finished ? {} : { 'hx-get': `/queue/jobs/${p.job.id}`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' };
  return (
    <div class="job" id={`job-${p.job.id}`} {...poll}>
      <progress max={Math.max(1, p.job.total)} value={p.job.done}>
        {p.job.done} of {p.job.total}
      </progress>
      <p role="status">
        {finished
          ? `${p.job.title}: ${plural(p.job.succeeded, 'record')} sent back for another attempt${p.job.failed.length ? `, ${p.job.failed.length} refused` : ''}.`
          : `${p.job.title}: ${p.job.done} of ${p.job.total} done…`}
      </p>
      {p.job.failed.length > 0 ? (
        <ul class="small">
          {p.job.failed.map((f) => (
            <li>
              <a href={recordHref(f.workflowId)}>{f.number}</a>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {finished ? (
        <p class="small">
          <a href="/queue">Refresh the queue</a>
        </p>
      ) : null}
    </div>
  );
};

export const GroupActions = (p: { group: QueueGroup; user: ConsoleUser; csrf: string; entityFor: Record<MappingKind, string> }) => {
  const g = p.group;
  if (g.cause === 'mapping') {
    const kind = g.refKind as MappingKind;
    if (!(MAPPING_KINDS as readonly string[]).includes(kind)) {
      return <p class="hint">This continues by itself once invoice {g.refKey} has synced.</p>;
    }
    return can(p.user, 'mappings.set') ? (
      <details class="fix">
        <summary>Set the QuickBooks mapping for {g.refKey}</summary>
        <MappingSetter target={{ tenantId: g.tenantId, kind, key: g.refKey ?? '', entity: p.entityFor[kind] }} context="queue" csrf={p.csrf} />
      </details>
    ) : (
      <p class="hint">An admin sets this mapping; every record below then continues by itself.</p>
    );
  }
  if (g.cause === 'drift') {
    return <p class="hint">Each record needs a decision: open it to compare both versions, then keep QuickBooks' version or push AWRA's again.</p>;
  }
  if (g.failureClass === 'duplicate_risk') {
    return <p class="hint">Each record needs a decision: open it to link it to the existing QuickBooks entity, or create it anyway.</p>;
  }
  return (
    <div class="group-actions">
      {g.failureClass === 'source_data' ? <p class="hint">Correct these records in AWRA; a new version resumes each one by itself.</p> : null}
      {can(p.user, 'bulk-retry') ? <BulkRetryForm group={g} csrf={p.csrf} /> : null}
    </div>
  );
};

export const GroupCard = (p: { group: QueueGroup; now: Date; user: ConsoleUser; csrf: string; showTenant: boolean; entityFor: Record<MappingKind, string>; full?: boolean }) => {
  const g = p.group;
  return (
    <section class={`group group-${g.failureClass ?? g.cause}`} id={`group-${g.key.slice(0, 24)}`}>
      <header class="group-head">
        <h2>{g.headline}</h2>
        <div class="group-meta">
          <ClassBadge failureClass={g.failureClass} />
          <HelpLink topic={rootCauseTopic(g)} />
          {g.owners.map((o) => (
            <OwnerBadge owner={o} />
          ))}
          {p.showTenant ? <span class="muted small">{g.tenantId}</span> : null}
          <span class="muted small">
            oldest blocked for <Age since={g.oldestBlockedSince} now={p.now} />
          </span>
          {g.nextSlaDueAt ? (
            <span class="small">
              next SLA: <SlaLeft due={g.nextSlaDueAt} now={p.now} />
            </span>
          ) : null}
        </div>
        {g.sample ? <p class="sample">{g.sample}</p> : null}
      </header>
      <GroupActions group={g} user={p.user} csrf={p.csrf} entityFor={p.entityFor} />
      <QueueRecordTable records={g.preview} now={p.now} showTenant={p.showTenant} cause={g.cause} />
      {!p.full && g.records > g.preview.length ? (
        <p class="more">
          <a href={`/queue${qs({ group: g.key })}`}>All {plural(g.records, 'record')} of this group →</a>
        </p>
      ) : null}
    </section>
  );
};

const filterParams = (f: QueueFilterValues) => ({
  tenantId: f.tenantId,
  owner: f.owner,
  failureClass: f.failureClass,
  recordType: f.recordType,
  assignee: f.assignee,
});

export const QueueResults = (p: QueueViewProps) => {
  const showTenant = p.tenants.length > 1 && !p.filters.tenantId;
  return (
    <div id="queue-results">
      {p.data.totalRecords === 0 ? (
        <Empty>Nothing is blocked{Object.values(p.filters).some(Boolean) ? ' for these filters' : ''}: every record has synced or is on its way.</Empty>
      ) : (
        <>
          <p class="summary">
            {plural(p.data.totalRecords, 'blocked record')} in {plural(p.data.totalGroups, 'root cause')}, largest first.
            {p.asOf ? (
              <span class="muted small">
                {' '}
                As of <Time at={p.asOf} />.
              </span>
            ) : null}
          </p>
          {p.data.groups.map((g) => (
            <GroupCard group={g} now={p.now} user={p.user} csrf={p.csrf} showTenant={showTenant} entityFor={p.entityFor} />
          ))}
          <Pager base="/queue" params={filterParams(p.filters)} page={p.page} hasMore={p.page * p.pageSize < p.data.totalGroups} target="#queue-results" />
        </>
      )}
    </div>
  );
};

export const QueueFilters = (p: { tenants: Tenant[]; filters: QueueFilterValues }) => (
  <form id="queue-filters" method="get" action="/queue" class="filters" hx-get="/queue" hx-target="#queue-results" hx-swap="outerHTML" hx-trigger="change, submit" hx-push-url="true">
    {p.tenants.length > 1 ? <Select name="tenantId" label="Tenant" value={p.filters.tenantId} all="All tenants" options={p.tenants.map((t) => [t.id, t.name])} /> : null}
    <Select name="owner" label="Owner" value={p.filters.owner} all="Anyone" options={OWNERS.map((o) => [o, OWNER_LABELS[o]])} />
    <Select name="failureClass" label="Failure class" value={p.filters.failureClass} all="Any" options={FAILURE_CLASSES.map((f) => [f, FAILURE_CLASS_SHORT[f]])} />
    <Select name="recordType" label="Record type" value={p.filters.recordType} all="Any" options={RECORD_TYPES.map((t) => [t, RECORD_TYPE_LABELS[t]])} />
    <label class="field check">
      <input type="checkbox" name="assignee" value="me" checked={p.filters.assignee === 'me'} />
      <span>Assigned to me</span>
    </label>
    <button type="submit">Filter</button>
  </form>
);

export const QueuePageView = (p: QueueViewProps) => (
  <>
    <div class="page-head">
      <h1>Action queue</h1>
      <p class="muted">Every blocked record, grouped by what would unblock it. Fix the cause once; its records continue.</p>
    </div>
    <QueueFilters tenants={p.tenants} filters={p.filters} />
    <QueueResults {...p} />
  </>
);

export const QueueGroupResults = (p: QueueGroupViewProps) => (
  <div id="queue-results">
    <GroupCard group={p.group} now={p.now} user={p.user} csrf={p.csrf} showTenant={p.tenants.length > 1} entityFor={p.entityFor} full={true} />
    <p class="muted small">
      {plural(p.total, 'record')} · blocked amount {formatAmounts(p.group.amounts)}
    </p>
    <Pager base="/queue" params={{ group: p.group.key }} page={p.page} hasMore={p.page * p.pageSize < p.total} target="#queue-results" />
  </div>
);

export const QueueGroupPage = (p: QueueGroupViewProps) => (
  <>
    <div class="page-head">
      <h1>Action queue</h1>
      <p>
        <a href="/queue">← All root causes</a>
      </p>
    </div>
    <QueueGroupResults {...p} />
  </>
);
