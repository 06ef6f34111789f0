import { stringify, type Options } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { MoneyTotal } from '../../domain/mapping-health.ts';
import type { FailureClass, Owner, RecordType, SyncState } from '../../domain/vocabulary.ts';
import { syncWorkflowId } from '../../domain/workflow-id.ts';
import { owedVersions } from './records.ts';

/**
 * Close readiness of one tenant and month: the records dated in the period (syncs.txn_date, indexed with the
 * tenant), what synced, what did not and why, who owns what is left, and the evidence row of each record.
 */

export interface Period {
  /** YYYY-MM */
  period: string;
  /** First day, inclusive (YYYY-MM-DD). */
  from: string;
  /** First day of the next month, exclusive. */
  until: string;
}

export function parsePeriod(period: string): Period | undefined {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
  return { period, from: `${period}-01`, until: `${next}-01` };
}

/** The calendar month of `now` in UTC, as YYYY-MM. */
export function currentPeriod(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

export interface CloseEvidence {
  workflowId: string;
  number: string;
  recordType: RecordType;
  txnDate: string | null;
  state: SyncState;
  failureClass: FailureClass | null;
  owner: Owner | null;
  assignee: string | null;
  actionNeeded: string | null;
  currency: string | null;
  amountMinor: number | null;
  qboId: string | null;
  qboEntity: string | null;
  attempts: number;
  retryCount: number;
  /** QuickBooks' last answer to a push: "6210: Account period closed …". */
  lastProviderMessage: string | null;
  /** People who acted on the record (link, retry, create anyway, cancel, assign, escalate) or set a mapping it waited on. */
  resolvedBy: string | null;
  /** How it ended: the final event's sentence (synced, linked, cancelled). */
  resolution: string | null;
  /** Dated on or before QuickBooks' closing date (the readiness check said so, or QuickBooks answered 6210). */
  closedPeriod: boolean;
  /** A newer version AWRA sent that the sync has not taken yet (it is being delivered). */
  pendingVersion: number | null;
  /** Changed in QuickBooks after the sync (deleted, voided, changed): not ready until finance decides. */
  drift: { kind: string; fields: string[] } | null;
}

export interface CloseReadiness extends Period {
  tenantId: string;
  total: number;
  byState: Array<{ state: SyncState; records: number }>;
  /** Blocked money, per currency. */
  blockedAmounts: MoneyTotal[];
  /** Open work (blocked, or still on its way), per owner. */
  byOwner: Array<{ owner: Owner; records: number }>;
  byFailureClass: Array<{ failureClass: FailureClass; records: number }>;
  closedPeriodRecords: number;
  /** Versions stored in Postgres whose sync has not started yet (Temporal did not answer when they arrived). */
  notStarted: number;
  /** Records whose sync still works on an older version than the newest AWRA sent. */
  behind: number;
  /** Records whose QuickBooks entity changed there after the sync, waiting for finance to decide. */
  drifted: number;
  records: CloseEvidence[];
  truncated: boolean;
}

type Row = Record<string, unknown>;
const s = (v: unknown) => (v === null || v === undefined ? null : String(v));

/**
 * The month close readiness opens on when none is asked for: the most recent one with a record dated in it, up to
 * the current month (a record dated in the future must not open the page on an empty month ahead), else the current one.
 */
export async function latestPeriod(db: Db, tenantId: string, now = new Date()): Promise<string> {
  const current = parsePeriod(currentPeriod(now))!;
  // max() over (tenant_id, txn_date) reads one entry of syncs_txn_date_idx.
  const rows = (await db.execute(sql`
    select max(txn_date) as latest from syncs where tenant_id = ${tenantId} and txn_date < ${current.until}`)) as unknown as Row[];
  const latest = s(rows[0]?.latest)?.slice(0, 7);
  return latest && parsePeriod(latest) ? latest : current.period;
}

export async function closeReadiness(db: Db, tenantId: string, p: Period, limit = 5000): Promise<CloseReadiness> {
  const rows = (await db.execute(sql`
    select s.workflow_id, s.number, s.record_type, s.txn_date, s.state, s.failure_class, s.owner, s.assignee, s.action_needed,
           s.currency, s.amount_minor::text as amount_minor, s.external_ref->>'qboId' as qbo_id, s.external_ref->>'entity' as qbo_entity,
           s.retry_count, s.drift->>'kind' as drift_kind, s.drift->'fields' as drift_fields,
           (select count(*)::int from sync_attempts a where a.workflow_id = s.workflow_id) as attempts,
           la.code as last_code, la.message as last_message, la.detail as last_detail,
           fe.message as resolution,
           (select string_agg(distinct who, '; ') from (
              select e.actor as who from sync_events e
               where e.workflow_id = s.workflow_id and e.actor not in ('system', 'awra')
              union
              select ae.actor from audit_events ae
               where ae.tenant_id = s.tenant_id and ae.action = 'mapping.set' and ae.succeeded
                 and ae.target in (
                   select (g->>'kind') || ':' || (g->>'key')
                     from sync_events be cross join lateral jsonb_array_elements(coalesce(be.data->'gaps', '[]'::jsonb)) g
                    where be.workflow_id = s.workflow_id and be.kind = 'blocked')
           ) people) as resolved_by,
           (s.readiness @> '[{"id":"open_period","ok":false}]'::jsonb
             or exists (select 1 from sync_attempts a where a.workflow_id = s.workflow_id and a.code = '6210')) as closed_period
      from syncs s
      left join lateral (
        select a.code, a.message, a.detail from sync_attempts a
         where a.workflow_id = s.workflow_id
         order by a.attempt_no desc, a.activity_attempt desc limit 1
      ) la on true
      left join lateral (
        select e.message from sync_events e
         where e.workflow_id = s.workflow_id and e.kind in ('synced', 'linked', 'cancelled')
         order by e.seq desc limit 1
      ) fe on s.state in ('synced', 'linked', 'cancelled')
     where s.tenant_id = ${tenantId} and s.txn_date >= ${p.from} and s.txn_date < ${p.until}
     order by s.txn_date, s.number
     limit ${limit + 1}`)) as unknown as Row[];

  const records: CloseEvidence[] = rows.slice(0, limit).map((r) => ({
    workflowId: String(r.workflow_id),
    number: String(r.number),
    recordType: r.record_type as RecordType,
    txnDate: s(r.txn_date),
    state: r.state as SyncState,
    failureClass: s(r.failure_class) as FailureClass | null,
    owner: s(r.owner) as Owner | null,
    assignee: s(r.assignee),
    actionNeeded: s(r.action_needed),
    currency: s(r.currency),
    amountMinor: r.amount_minor === null || r.amount_minor === undefined ? null : Number(r.amount_minor),
    qboId: s(r.qbo_id),
    qboEntity: s(r.qbo_entity),
    attempts: Number(r.attempts ?? 0),
    retryCount: Number(r.retry_count ?? 0),
    lastProviderMessage: r.last_code || r.last_message ? [s(r.last_code), s(r.last_message), s(r.last_detail)].filter(Boolean).join(': ') : null,
    resolvedBy: s(r.resolved_by),
    resolution: s(r.resolution),
    closedPeriod: r.closed_period === true || r.closed_period === 't',
    pendingVersion: null,
    drift: r.drift_kind ? { kind: String(r.drift_kind), fields: (r.drift_fields as string[] | null) ?? [] } : null,
  }));

  // What Postgres has but the syncs do not (yet): versions never delivered, or newer than the one being synced.
  const owed = await owedVersions(db, tenantId, p);
  const notStartedRows = owed.filter((r) => r.workflowId === null);
  for (const r of owed) {
    const listed = records.find((e) => e.workflowId === r.workflowId);
    if (listed) listed.pendingVersion = r.version;
  }
  for (const r of notStartedRows) {
    if (records.length >= limit) break;
    records.push({
      workflowId: syncWorkflowId({ tenantId, recordType: r.recordType as RecordType, sourceId: r.sourceId }),
      number: r.number,
      recordType: r.recordType as RecordType,
      txnDate: r.txnDate,
      state: 'queued',
      failureClass: null,
      owner: 'system',
      assignee: null,
      actionNeeded: 'Received from AWRA; its sync starts as soon as Temporal answers (nothing to do).',
      currency: r.currency,
      amountMinor: r.amount,
      qboId: null,
      qboEntity: null,
      attempts: 0,
      retryCount: 0,
      lastProviderMessage: null,
      resolvedBy: null,
      resolution: null,
      closedPeriod: false,
      pendingVersion: r.version,
      drift: null,
    });
  }
  records.sort((a, b) => (a.txnDate ?? '').localeCompare(b.txnDate ?? '') || a.number.localeCompare(b.number));

  // Aggregates over every record of the period, not only the listed ones.
  const agg = (await db.execute(sql`
    select state, failure_class, owner, currency, count(*)::int as n, coalesce(sum(amount_minor), 0)::text as total,
           count(*) filter (where drift is not null)::int as drifted
      from syncs where tenant_id = ${tenantId} and txn_date >= ${p.from} and txn_date < ${p.until}
     group by state, failure_class, owner, currency`)) as unknown as Row[];
  const byState = new Map<SyncState, number>();
  const byOwner = new Map<Owner, number>();
  const byClass = new Map<FailureClass, number>();
  const blocked = new Map<string, number>();
  let total = 0;
  let drifted = 0;
  for (const r of agg) {
    const n = Number(r.n);
    drifted += Number(r.drifted ?? 0);
    const state = r.state as SyncState;
    total += n;
    byState.set(state, (byState.get(state) ?? 0) + n);
    const open = state !== 'synced' && state !== 'linked' && state !== 'cancelled';
    if (open) {
      const owner = (s(r.owner) ?? 'system') as Owner;
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + n);
    }
    if (state === 'blocked') {
      if (r.failure_class) byClass.set(r.failure_class as FailureClass, (byClass.get(r.failure_class as FailureClass) ?? 0) + n);
      if (r.currency) blocked.set(String(r.currency), (blocked.get(String(r.currency)) ?? 0) + Number(r.total));
    }
  }
  if (notStartedRows.length > 0) {
    total += notStartedRows.length;
    byState.set('queued', (byState.get('queued') ?? 0) + notStartedRows.length);
    byOwner.set('system', (byOwner.get('system') ?? 0) + notStartedRows.length);
  }
  const closed = (await db.execute(sql`
    select count(*)::int as n from syncs s
     where s.tenant_id = ${tenantId} and s.txn_date >= ${p.from} and s.txn_date < ${p.until}
       and (s.readiness @> '[{"id":"open_period","ok":false}]'::jsonb
            or exists (select 1 from sync_attempts a where a.workflow_id = s.workflow_id and a.code = '6210'))`)) as unknown as Row[];

  return {
    ...p,
    tenantId,
    total,
    byState: [...byState].map(([state, records]) => ({ state, records })),
    blockedAmounts: [...blocked].map(([currency, amountMinor]) => ({ currency, amountMinor })).sort((a, b) => a.currency.localeCompare(b.currency)),
    byOwner: [...byOwner].map(([owner, records]) => ({ owner, records })).sort((a, b) => b.records - a.records),
    byFailureClass: [...byClass].map(([failureClass, records]) => ({ failureClass, records })).sort((a, b) => b.records - a.records),
    closedPeriodRecords: Number(closed[0]?.n ?? 0),
    notStarted: notStartedRows.length,
    behind: owed.length - notStartedRows.length,
    drifted,
    records,
    truncated: rows.length > limit || rows.length + notStartedRows.length > limit,
  };
}

const CSV_COLUMNS: Array<[string, (r: CloseEvidence) => string | number | null]> = [
  ['record_number', (r) => r.number],
  ['record_type', (r) => r.recordType],
  ['txn_date', (r) => r.txnDate],
  ['state', (r) => r.state],
  ['failure_class', (r) => r.failureClass],
  ['owner', (r) => r.owner],
  ['currency', (r) => r.currency],
  ['amount_minor', (r) => r.amountMinor],
  ['qbo_entity', (r) => r.qboEntity],
  ['qbo_id', (r) => r.qboId],
  ['attempts', (r) => r.attempts],
  ['retry_count', (r) => r.retryCount],
  ['last_provider_message', (r) => r.lastProviderMessage],
  ['resolved_by', (r) => r.resolvedBy],
  ['resolution', (r) => r.resolution],
  ['action_needed', (r) => r.actionNeeded],
  ['closed_period', (r) => (r.closedPeriod ? 'yes' : 'no')],
  ['workflow_id', (r) => r.workflowId],
  // Added after the others, so spreadsheets built on the earlier columns keep working.
  ['changed_in_quickbooks', (r) => (r.drift ? [r.drift.kind, ...r.drift.fields].join(' ') : null)],
];

/**
 * RFC 4180 (CRLF between and after records, a field quoted when it holds a quote, comma or line break, or begins or
 * ends with whitespace). A text cell beginning with = + - @ tab or CR gets a leading ' so a spreadsheet never runs it
 * as a formula. That is done by `cast`, not csv-stringify's `escape_formulas`, which also escapes the full-width
 * forms of those characters and decides the quoting before it adds the '.
 */
const CSV_OPTIONS: Options = {
  record_delimiter: 'windows',
  // Setting record_delimiter turns off the quoting of a lone CR or LF unless asked for.
  quote_record_delimiter: true,
  cast: { string: (text) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text) },
  quoted_match: /^\s|\s$/,
};

export function csvCell(v: string | number | null): string {
  return stringify([[v]], { ...CSV_OPTIONS, eof: false });
}

export function closeEvidenceCsv(records: readonly CloseEvidence[]): string {
  return stringify(
    records.map((r) => CSV_COLUMNS.map(([, get]) => get(r))),
    { ...CSV_OPTIONS, header: true, columns: CSV_COLUMNS.map(([header]) => header) },
  );
}
