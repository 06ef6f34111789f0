import type { AuditListRow } from '../../../db/queries/console.ts';
import type { Tenant } from '../../../db/schema.ts';
import { RECORD_TYPE_LABELS, type RecordType } from '../../../domain/vocabulary.ts';
import { parseSyncWorkflowId } from '../../../domain/workflow-id.ts';
import { Badge, DataTable, Field, Flash, Pager, Select, Time } from './components.tsx';

export interface AuditFilterValues {
  tenantId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

export interface AuditViewProps {
  tenants: Tenant[];
  actions: string[];
  filters: AuditFilterValues;
  rows: AuditListRow[];
  page: number;
  hasMore: boolean;
  errors?: Record<string, string>;
}

/** What an audit action means, for people; unknown actions show their name. */
export const ACTION_LABELS: Record<string, string> = {
  'sync.retry': 'Retried a record',
  'sync.link': 'Linked a record to an existing QuickBooks entity',
  'sync.create-anyway': 'Created despite a duplicate risk',
  'sync.escalate': 'Escalated a record',
  'sync.escalate.sla': 'Escalated automatically (SLA passed)',
  'sync.assign': 'Assigned a record',
  'sync.cancel': 'Cancelled a record',
  'mapping.set': 'Set a mapping',
  'mapping.clear': 'Removed a mapping',
  'tenant.create': 'Created a tenant',
  'tenant.reconcile': 'Reconciled with QuickBooks',
  'apikey.create': 'Created an API key',
  'apikey.revoke': 'Revoked an API key',
  'connection.simulator': 'Connected the development simulator',
  'connection.oauth': 'Connected QuickBooks',
  'session.sign_in': 'Signed in',
  'session.sign_out': 'Signed out',
  'close.export': 'Exported close evidence',
};

const Target = (p: { row: AuditListRow }) => {
  const { target, recordNumber, recordType } = p.row;
  if (!target) return <span class="muted">—</span>;
  if (!parseSyncWorkflowId(target)) return <code>{target}</code>;
  return (
    <a href={`/records/${encodeURIComponent(target)}`} title={target}>
      {recordNumber ? `${RECORD_TYPE_LABELS[recordType as RecordType] ?? recordType} ${recordNumber}` : target}
    </a>
  );
};

const Detail = (p: { detail: Record<string, unknown> | null }) =>
  p.detail ? (
    <span class="small">
      {Object.entries(p.detail)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' · ')}
    </span>
  ) : null;

export const AuditResults = (p: AuditViewProps) => (
  <div id="audit-results">
    {p.errors ? <Flash tone="error">{Object.values(p.errors).join(' ')}</Flash> : null}
    <DataTable
      columns={['When', 'Tenant', 'Who', 'What', 'On', 'Details', 'Result']}
      rows={p.rows}
      empty="No audit event matches."
      row={(r) => (
        <tr>
          <td>
            <Time at={r.at} />
          </td>
          <td>{r.tenantId ?? <span class="muted">—</span>}</td>
          <td>{r.actor}</td>
          <td>
            {ACTION_LABELS[r.action] ?? r.action}
            <div class="muted small">
              <code>{r.action}</code>
            </div>
          </td>
          <td>
            <Target row={r} />
          </td>
          <td>
            <Detail detail={r.detail} />
          </td>
          <td>{r.succeeded ? <Badge tone="ok">done</Badge> : <Badge tone="danger">refused</Badge>}</td>
        </tr>
      )}
    />
    <Pager base="/audit" params={{ ...p.filters }} page={p.page} hasMore={p.hasMore} target="#audit-results" />
  </div>
);

export const AuditPage = (p: AuditViewProps) => (
  <>
    <div class="page-head">
      <h1>Audit log</h1>
      <p class="muted">Every human action and automatic escalation, newest first.</p>
    </div>
    <form method="get" action="/audit" class="filters" hx-get="/audit" hx-target="#audit-results" hx-swap="outerHTML" hx-trigger="change, submit" hx-push-url="true">
      {p.tenants.length > 1 ? <Select name="tenantId" label="Tenant" value={p.filters.tenantId} all="All tenants" options={p.tenants.map((t) => [t.id, t.name])} /> : null}
      <Field label="Who">
        <input type="search" name="actor" value={p.filters.actor ?? ''} placeholder="e.g. amina@ or system" />
      </Field>
      <Select name="action" label="Action" value={p.filters.action} all="Any" options={p.actions.map((a) => [a, ACTION_LABELS[a] ?? a])} />
      <Field label="From" error={p.errors?.from}>
        <input type="date" name="from" value={p.filters.from ?? ''} />
      </Field>
      <Field label="To" error={p.errors?.to}>
        <input type="date" name="to" value={p.filters.to ?? ''} />
      </Field>
      <button type="submit">Filter</button>
    </form>
    <AuditResults {...p} />
  </>
);
