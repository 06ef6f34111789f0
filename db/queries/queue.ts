import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client.ts';
import type { MoneyTotal } from '../../domain/mapping-health.ts';
import { rootCauseHeadline, rootCauseTitle, type RootCause, type RootCauseBreakdown } from '../../domain/queue.ts';
import { textField } from '../../domain/text-schema.ts';
import { FAILURE_CLASSES, RECORD_TYPES, type FailureClass, type Owner, type RecordType } from '../../domain/vocabulary.ts';

/**
 * The action queue: every blocked record, grouped by root cause (see domain/queue.ts). Reads only the `syncs`
 * projection and the attempt ledger (the last attempt per record, by its unique index); never Temporal.
 */

export interface QueueFilter {
  tenantId?: string;
  owner?: Owner;
  failureClass?: FailureClass;
  recordType?: RecordType;
  /** Only records assigned to this person. */
  assignee?: string;
}

export interface QueueRecord {
  workflowId: string;
  tenantId: string;
  recordType: RecordType;
  sourceId: string;
  number: string;
  /** Null for a synced record whose QuickBooks entity changed after the sync. */
  failureClass: FailureClass | null;
  owner: Owner | null;
  assignee: string | null;
  escalatedTo: string | null;
  actionNeeded: string | null;
  /** What this root cause means for this record (the mapping reason, the failed check, QuickBooks' message). */
  detail: string | null;
  currency: string | null;
  amountMinor: number | null;
  retryCount: number;
  blockedSince: Date | null;
  slaDueAt: Date | null;
}

export interface QueueGroup extends RootCause {
  /** Opaque id of the root cause, for links and the bulk retry. */
  key: string;
  headline: string;
  title: string;
  /** One record's sentence for this cause, e.g. the mapping reason or QuickBooks' message. */
  sample: string | null;
  records: number;
  breakdown: RootCauseBreakdown[];
  amounts: MoneyTotal[];
  owners: Owner[];
  oldestBlockedSince: Date | null;
  nextSlaDueAt: Date | null;
  /** The first records of the group (oldest first); `records` says how many there are in all. */
  preview: QueueRecord[];
}

export interface QueuePage {
  groups: QueueGroup[];
  totalGroups: number;
  /** Distinct blocked records matching the filter (a record with two root causes counts once). */
  totalRecords: number;
}

// A group key comes back from a URL or a form: its texts pass the shared rule before any of them reaches a query.
const keyText = textField({ label: 'A group key part', max: 500, keepSpaces: true });
const keySchema = z.tuple([
  keyText,
  z.enum(['mapping', 'check', 'class', 'drift']),
  keyText.nullable(),
  keyText.nullable(),
  keyText.nullable(),
  z.enum(FAILURE_CLASSES).nullable(),
]);

export function encodeGroupKey(rc: RootCause): string {
  return Buffer.from(JSON.stringify([rc.tenantId, rc.cause, rc.refKind, rc.refKey, rc.code, rc.failureClass])).toString('base64url');
}

export function decodeGroupKey(key: string): RootCause | undefined {
  try {
    const parsed = keySchema.safeParse(JSON.parse(Buffer.from(key, 'base64url').toString('utf8')));
    if (!parsed.success) return undefined;
    const [tenantId, cause, refKind, refKey, code, failureClass] = parsed.data;
    return { tenantId, cause, refKind, refKey, code, failureClass };
  } catch {
    return undefined;
  }
}

/** A finished record whose QuickBooks entity changed after the sync is finance's to decide on. */
const OWNER = sql`(case when s.state = 'blocked' then s.owner else 'finance' end)`;

function causeCte(f: QueueFilter, group?: RootCause): SQL {
  // Blocked records, and finished ones whose QuickBooks entity changed there after the sync (drift).
  const conds: SQL[] = [sql`(s.state = 'blocked' or (s.drift is not null and s.state in ('synced', 'linked')))`];
  if (f.tenantId) conds.push(sql`s.tenant_id = ${f.tenantId}`);
  if (f.owner) conds.push(sql`${OWNER} = ${f.owner}`);
  if (f.failureClass) conds.push(sql`s.failure_class = ${f.failureClass}`);
  if (f.recordType) conds.push(sql`s.record_type = ${f.recordType}`);
  if (f.assignee) conds.push(sql`s.assignee = ${f.assignee}`);
  if (group) {
    conds.push(sql`s.tenant_id = ${group.tenantId}`, sql`s.failure_class is not distinct from ${group.failureClass}::text`);
  }
  const groupConds = group
    ? sql`where c.cause = ${group.cause}
        and c.ref_kind is not distinct from ${group.refKind}::text
        and c.ref_key is not distinct from ${group.refKey}::text
        and c.code is not distinct from ${group.code}::text`
    : sql``;
  return sql`
    b as (
      select s.workflow_id, s.tenant_id, s.record_type, s.source_id, s.number, s.failure_class, ${OWNER} as owner, s.assignee,
             s.escalated_to, s.action_needed, s.currency, s.amount_minor, s.retry_count,
             coalesce(s.blocked_since, (s.drift->>'detectedAt')::timestamptz) as blocked_since, s.sla_due_at,
             s.mappings, s.readiness, s.drift, la.code as last_code, la.message as last_message, la.http_status as last_status
        from syncs s
        left join lateral (
          select a.code, a.message, a.http_status
            from sync_attempts a
           where a.workflow_id = s.workflow_id and a.class = s.failure_class
           order by a.attempt_no desc, a.activity_attempt desc
           limit 1
        ) la on true
       where ${sql.join(conds, sql` and `)}
    ),
    c1 as (
      select b.workflow_id, 'drift'::text as cause, null::text as ref_kind, null::text as ref_key, b.drift->>'kind' as code,
             null::text as label,
             case b.drift->>'kind'
               when 'changed' then 'Changed in QuickBooks: '
                 || coalesce(nullif(array_to_string(array(select jsonb_array_elements_text(b.drift->'fields')), ', '), ''), 'which parts is not known')
               else initcap(b.drift->>'kind') || ' in QuickBooks'
             end as sample
        from b
       where b.drift is not null
      union all
      select b.workflow_id, 'mapping'::text, m->>'kind', m->>'key',
             coalesce(m->>'problem', 'missing'), null::text, m->>'reason'
        from b cross join lateral jsonb_array_elements(b.mappings) m
       where b.failure_class = 'mapping' and m->>'ok' = 'false' and b.drift is null
      union all
      select b.workflow_id, 'check'::text, null::text, null::text, r->>'id', r->>'label', r->>'message'
        from b cross join lateral jsonb_array_elements(b.readiness) r
       where b.failure_class = 'source_data' and r->>'ok' = 'false' and b.drift is null
    ),
    c as (
      select * from c1
      union all
      select b.workflow_id, 'class'::text, null::text, null::text,
             case when b.failure_class = 'authorization' then null
                  else coalesce(b.last_code, case when b.last_status > 0 then 'HTTP ' || b.last_status end) end,
             null::text, coalesce(b.last_message, b.action_needed)
        from b
       where not exists (select 1 from c1 where c1.workflow_id = b.workflow_id)
    ),
    x as (
      select b.*, c.cause, c.ref_kind, c.ref_key, c.code, c.label, c.sample
        from b join c on c.workflow_id = b.workflow_id
      ${groupConds}
    )`;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const ms = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));

function rootCauseOf(r: Row): RootCause {
  return {
    tenantId: String(r.tenant_id),
    cause: r.cause as RootCause['cause'],
    refKind: str(r.ref_kind),
    refKey: str(r.ref_key),
    code: str(r.code),
    failureClass: (r.failure_class ?? null) as FailureClass | null,
  };
}

const RECORD_COLUMNS = sql`workflow_id, tenant_id, record_type, source_id, number, failure_class, owner, assignee, escalated_to,
  action_needed, sample, currency, amount_minor::text as amount_minor, retry_count,
  (extract(epoch from blocked_since) * 1000)::float8 as blocked_ms, (extract(epoch from sla_due_at) * 1000)::float8 as due_ms`;

function recordOf(r: Row): QueueRecord {
  return {
    workflowId: String(r.workflow_id),
    tenantId: String(r.tenant_id),
    recordType: r.record_type as RecordType,
    sourceId: String(r.source_id),
    number: String(r.number),
    failureClass: (r.failure_class ?? null) as FailureClass | null,
    owner: (str(r.owner) as Owner | null) ?? null,
    assignee: str(r.assignee),
    escalatedTo: str(r.escalated_to),
    actionNeeded: str(r.action_needed),
    detail: str(r.sample),
    currency: str(r.currency),
    amountMinor: r.amount_minor === null || r.amount_minor === undefined ? null : Number(r.amount_minor),
    retryCount: Number(r.retry_count ?? 0),
    blockedSince: ms(r.blocked_ms),
    slaDueAt: ms(r.due_ms),
  };
}

const GROUP_COLS = sql`tenant_id, cause, ref_kind, ref_key, code, failure_class`;

/** One page of root-cause groups (largest first), each with its first `previewSize` records. */
export async function queueGroups(db: Db, f: QueueFilter, opts: { limit?: number; offset?: number; previewSize?: number } = {}): Promise<QueuePage> {
  const limit = opts.limit ?? 100;
  const offset = opts.offset ?? 0;
  const previewSize = opts.previewSize ?? 10;
  const cte = causeCte(f);
  const [groupRows, totalRows] = await Promise.all([
    db.execute(sql`with ${cte}
      select ${GROUP_COLS}, count(*)::int as records, min(label) as label, min(sample) as sample,
             string_agg(distinct coalesce(owner, ''), ',') as owners,
             (extract(epoch from min(blocked_since)) * 1000)::float8 as oldest_ms,
             (extract(epoch from min(sla_due_at)) * 1000)::float8 as due_ms,
             (count(*) over ())::int as total_groups
        from x
       group by ${GROUP_COLS}
       order by count(*) desc, min(blocked_since) asc nulls last, ${GROUP_COLS}
       limit ${limit} offset ${offset}`),
    db.execute(sql`with ${cte} select count(*)::int as n from b`),
  ]);
  const groups = groupRows as unknown as Row[];
  const totalRecords = Number((totalRows as unknown as Row[])[0]?.n ?? 0);
  if (groups.length === 0) return { groups: [], totalGroups: 0, totalRecords };

  const inPage = sql.join(
    groups.map((g) => sql`(${g.tenant_id}::text, ${g.cause}::text, ${str(g.ref_kind) ?? ''}::text, ${str(g.ref_key) ?? ''}::text, ${str(g.code) ?? ''}::text, ${str(g.failure_class) ?? ''}::text)`),
    sql`, `,
  );
  const pageCond = sql`(tenant_id, cause, coalesce(ref_kind, ''), coalesce(ref_key, ''), coalesce(code, ''), coalesce(failure_class, '')) in (${inPage})`;
  const [breakdownRows, previewRows] = await Promise.all([
    db.execute(sql`with ${cte}
      select ${GROUP_COLS}, record_type, currency, count(*)::int as n, coalesce(sum(amount_minor), 0)::text as total
        from x where ${pageCond}
       group by ${GROUP_COLS}, record_type, currency`),
    db.execute(sql`with ${cte}, r as (
        select x.*, row_number() over (partition by ${GROUP_COLS} order by blocked_since asc nulls last, number) as rn
          from x where ${pageCond}
      )
      select cause, ref_kind, ref_key, code, ${RECORD_COLUMNS} from r where rn <= ${previewSize}
       order by blocked_since asc nulls last, number`),
  ]);

  const idOf = (r: Row) => JSON.stringify([r.tenant_id, r.cause, str(r.ref_kind), str(r.ref_key), str(r.code), r.failure_class]);
  const byGroup = new Map<string, { types: Map<RecordType, number>; amounts: Map<string, number>; preview: QueueRecord[] }>();
  const slot = (id: string) => {
    let s = byGroup.get(id);
    if (!s) byGroup.set(id, (s = { types: new Map(), amounts: new Map(), preview: [] }));
    return s;
  };
  for (const r of breakdownRows as unknown as Row[]) {
    const s = slot(idOf(r));
    const type = r.record_type as RecordType;
    s.types.set(type, (s.types.get(type) ?? 0) + Number(r.n));
    if (r.currency) s.amounts.set(String(r.currency), (s.amounts.get(String(r.currency)) ?? 0) + Number(r.total));
  }
  for (const r of previewRows as unknown as Row[]) slot(idOf(r)).preview.push(recordOf(r));

  return {
    totalGroups: Number(groups[0]!.total_groups),
    totalRecords,
    groups: groups.map((g) => {
      const rc = rootCauseOf(g);
      const s = slot(idOf(g));
      const breakdown = [...s.types].map(([recordType, records]) => ({ recordType, records })).filter((b) => (RECORD_TYPES as readonly string[]).includes(b.recordType));
      const amounts = [...s.amounts].map(([currency, amountMinor]) => ({ currency, amountMinor })).sort((a, b) => a.currency.localeCompare(b.currency));
      return {
        ...rc,
        key: encodeGroupKey(rc),
        title: rootCauseTitle(rc, str(g.label)),
        headline: rootCauseHeadline(rc, breakdown, amounts, str(g.label)),
        sample: str(g.sample),
        records: Number(g.records),
        breakdown,
        amounts,
        owners: String(g.owners ?? '').split(',').filter(Boolean) as Owner[],
        oldestBlockedSince: ms(g.oldest_ms),
        nextSlaDueAt: ms(g.due_ms),
        preview: s.preview,
      };
    }),
  };
}

/** One root cause with a page of its records (oldest first). */
export async function queueGroup(db: Db, f: QueueFilter, rc: RootCause, opts: { limit?: number; offset?: number } = {}): Promise<{ group: QueueGroup; total: number } | undefined> {
  const page = await queueGroupsFor(db, f, rc);
  if (!page) return undefined;
  const rows = (await db.execute(sql`with ${causeCte(f, rc)}
    select ${RECORD_COLUMNS}, (count(*) over ())::int as total from x
     order by blocked_since asc nulls last, number
     limit ${opts.limit ?? 100} offset ${opts.offset ?? 0}`)) as unknown as Row[];
  return { group: { ...page, preview: rows.map(recordOf) }, total: page.records };
}

async function queueGroupsFor(db: Db, f: QueueFilter, rc: RootCause): Promise<QueueGroup | undefined> {
  const rows = (await db.execute(sql`with ${causeCte(f, rc)}
    select record_type, currency, count(*)::int as n, coalesce(sum(amount_minor), 0)::text as total, min(label) as label, min(sample) as sample,
           string_agg(distinct coalesce(owner, ''), ',') as owners,
           (extract(epoch from min(blocked_since)) * 1000)::float8 as oldest_ms,
           (extract(epoch from min(sla_due_at)) * 1000)::float8 as due_ms
      from x group by record_type, currency`)) as unknown as Row[];
  if (rows.length === 0) return undefined;
  const types = new Map<RecordType, number>();
  const amounts = new Map<string, number>();
  const owners = new Set<string>();
  let oldest: number | null = null;
  let due: number | null = null;
  for (const r of rows) {
    types.set(r.record_type as RecordType, (types.get(r.record_type as RecordType) ?? 0) + Number(r.n));
    if (r.currency) amounts.set(String(r.currency), (amounts.get(String(r.currency)) ?? 0) + Number(r.total));
    for (const o of String(r.owners ?? '').split(',').filter(Boolean)) owners.add(o);
    if (r.oldest_ms !== null && (oldest === null || Number(r.oldest_ms) < oldest)) oldest = Number(r.oldest_ms);
    if (r.due_ms !== null && (due === null || Number(r.due_ms) < due)) due = Number(r.due_ms);
  }
  const breakdown = [...types].map(([recordType, records]) => ({ recordType, records }));
  const money = [...amounts].map(([currency, amountMinor]) => ({ currency, amountMinor }));
  const label = rows.map((r) => str(r.label)).find(Boolean) ?? null;
  return {
    ...rc,
    key: encodeGroupKey(rc),
    title: rootCauseTitle(rc, label),
    headline: rootCauseHeadline(rc, breakdown, money, label),
    sample: rows.map((r) => str(r.sample)).find(Boolean) ?? null,
    records: breakdown.reduce((s, b) => s + b.records, 0),
    breakdown,
    amounts: money,
    owners: [...owners] as Owner[],
    oldestBlockedSince: oldest === null ? null : new Date(oldest),
    nextSlaDueAt: due === null ? null : new Date(due),
    preview: [],
  };
}

/** Workflow ids of every record blocked on this root cause (for the bulk retry), at most `max`. */
export async function groupWorkflowIds(db: Db, f: QueueFilter, rc: RootCause, max = 1000): Promise<Array<{ workflowId: string; number: string }>> {
  const rows = (await db.execute(sql`with ${causeCte(f, rc)}
    select workflow_id, number from x order by blocked_since asc nulls last, number limit ${max}`)) as unknown as Row[];
  return rows.map((r) => ({ workflowId: String(r.workflow_id), number: String(r.number) }));
}
