/**
 * Driving records through the product and watching the projection: bounded-concurrency intake over the real API,
 * progress polling, and the end-of-run reconciliation of the projection against the simulator's ledger that every
 * drill ends with.
 */
import { and, inArray, sql } from 'drizzle-orm';
import { getSyncChain } from '../../db/queries/syncs.ts';
import { sourceRecords, syncAttempts, syncs } from '../../db/schema.ts';
import { qboDocNumber } from '../../qbo/mappers.ts';
import { sleep } from './proc.ts';
import type { BenchRecord } from './records.ts';
import { workflowIdOf } from './records.ts';
import type { Stack } from './stack.ts';
import type { BenchTenant } from './tenants.ts';

export const SETTLED_STATES = ['synced', 'linked', 'blocked', 'cancelled'] as const;

export interface IntakeStats {
  /** workflowId → ms epoch when its POST started. */
  submittedAt: Map<string, number>;
  /** Answers that were not 202 (database down, server unreachable) and were sent again. */
  resent: number;
  /** 202 answers whose delivery to Temporal was pending: stored, delivered later by the outbox, not sent again. */
  pending: number;
  startedAt: number;
  finishedAt: number;
}

/**
 * POSTs every record to /api/v1/records with `concurrency` requests in flight. A 202 with `delivery: "pending"`
 * (Temporal did not answer) is counted and left to the outbox, as AWRA would; a 503/500 or no answer (the web app
 * or its database down) is sent again after a pause; anything else fails the run.
 */
export async function submitAll(stack: Stack, records: readonly BenchRecord[], opts: { concurrency?: number; retry503Ms?: number } = {}): Promise<IntakeStats> {
  const submittedAt = new Map<string, number>();
  let next = 0;
  let resent = 0;
  let pending = 0;
  const startedAt = Date.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= records.length) return;
      const rec = records[i]!;
      const id = workflowIdOf(rec);
      for (let tries = 0; ; tries++) {
        const t = Date.now();
        if (!submittedAt.has(id)) submittedAt.set(id, t);
        const res = await stack.api('POST', '/api/v1/records', rec).catch((err: Error) => ({ status: 0, json: err.message }));
        if (res.status === 202) {
          if ((res.json as { delivery?: string })?.delivery === 'pending') pending += 1;
          break;
        }
        if ((res.status === 503 || res.status === 0 || res.status === 500) && tries < 600) {
          resent += 1;
          await sleep(opts.retry503Ms ?? 1_000);
          continue;
        }
        throw new Error(`intake refused ${id}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  return { submittedAt, resent, pending, startedAt, finishedAt: Date.now() };
}

export interface StateCount {
  state: string;
  failureClass: string | null;
  n: number;
}

export async function stateCounts(stack: Stack, tenantIds: readonly string[]): Promise<StateCount[]> {
  return stack.db.db
    .select({ state: syncs.state, failureClass: syncs.failureClass, n: sql<number>`count(*)::int` })
    .from(syncs)
    .where(inArray(syncs.tenantId, [...tenantIds]))
    .groupBy(syncs.state, syncs.failureClass);
}

export function describeCounts(counts: readonly StateCount[]): string {
  return counts
    .slice()
    .sort((a, b) => b.n - a.n)
    .map((c) => `${c.state}${c.failureClass ? `/${c.failureClass}` : ''}=${c.n}`)
    .join(' ');
}

/**
 * Polls the projection until every given workflow has a row in a settled state (synced, linked, blocked, cancelled),
 * or the timeout passes. `onTick` runs on every poll (a drill injects its fault from there).
 */
export async function waitForSettled(
  stack: Stack,
  tenantIds: readonly string[],
  workflowIds: readonly string[],
  opts: { timeoutMs: number; pollMs?: number; quiet?: boolean; onTick?: (p: { settled: number; synced: number; counts: StateCount[]; elapsedMs: number }) => Promise<void> | void },
): Promise<{ settled: boolean; elapsedMs: number }> {
  const started = Date.now();
  const want = new Set(workflowIds);
  let lastPrint = 0;
  for (;;) {
    const counts = await stateCounts(stack, tenantIds).catch(() => undefined);
    let settled = 0;
    let synced = 0;
    if (counts) {
      const rows = await stack.db.db
        .select({ workflowId: syncs.workflowId, state: syncs.state })
        .from(syncs)
        .where(and(inArray(syncs.tenantId, [...tenantIds]), inArray(syncs.state, [...SETTLED_STATES])))
        .catch(() => [] as Array<{ workflowId: string; state: string }>);
      for (const r of rows) {
        if (!want.has(r.workflowId)) continue;
        settled += 1;
        if (r.state === 'synced' || r.state === 'linked') synced += 1;
      }
    }
    const elapsedMs = Date.now() - started;
    if (!opts.quiet && (Date.now() - lastPrint > 5_000 || settled === want.size)) {
      lastPrint = Date.now();
      console.log(`  [${(elapsedMs / 1000).toFixed(0).padStart(4)} s] settled ${settled}/${want.size}  ${counts ? describeCounts(counts) : '(database unreachable)'}`);
    }
    await opts.onTick?.({ settled, synced, counts: counts ?? [], elapsedMs });
    if (settled === want.size) return { settled: true, elapsedMs };
    if (elapsedMs > opts.timeoutMs) return { settled: false, elapsedMs };
    await sleep(opts.pollMs ?? 1_000);
  }
}

export interface Reconciliation {
  records: number;
  byType: Record<string, number>;
  synced: number;
  blocked: Record<string, number>;
  /** One blocked record per class with what it says the owner must do. */
  blockedSample: Record<string, string>;
  cancelled: number;
  /** Records with no settled projection row at the end (never projected, or stuck in a working state). */
  lost: number;
  lostSample: string[];
  /** Extra QuickBooks entities beyond one per record, by DocNumber / DisplayName. */
  duplicates: number;
  duplicateSample: string[];
  /** Synced in the projection but the QuickBooks id is not in the ledger (or another entity has the number). */
  syncedNotInQbo: number;
  /** In QuickBooks (carrying our number) while the projection does not say synced. */
  inQboNotSynced: number;
  retryCountSum: number;
  recordsWithRetries: number;
  attempts: number;
  attemptsByClass: Record<string, number>;
  /** Synced records pushed by us whose attempts[] is shorter than retryCount + 1 (evidence missing). */
  attemptsMissing: number;
}

/**
 * The end of every drill: each AWRA record (latest version) against its projection row and against QuickBooks'
 * ledger in the simulator. A record is *lost* when it is neither synced nor correctly blocked; a *duplicate* is a
 * second QuickBooks entity with the same DocNumber (transactions) or DisplayName (vendors).
 */
export async function reconcile(stack: Stack, tenants: readonly BenchTenant[]): Promise<Reconciliation> {
  const tenantIds = tenants.map((t) => t.tenantId);
  const src = await stack.db.db
    .select({ tenantId: sourceRecords.tenantId, recordType: sourceRecords.recordType, sourceId: sourceRecords.sourceId, number: sourceRecords.number, data: sourceRecords.data })
    .from(sourceRecords)
    .where(inArray(sourceRecords.tenantId, tenantIds));
  const latest = new Map<string, (typeof src)[number]>();
  for (const r of src) latest.set(workflowIdOf(r as Pick<BenchRecord, 'tenantId' | 'recordType' | 'sourceId'>), r);
  const rows = await stack.db.db.select().from(syncs).where(inArray(syncs.tenantId, tenantIds));
  const byId = new Map(rows.map((r) => [r.workflowId, r]));
  const attempts = await stack.db.db
    .select({ workflowId: syncAttempts.workflowId, attemptNo: syncAttempts.attemptNo, cls: syncAttempts.class })
    .from(syncAttempts)
    .where(inArray(syncAttempts.tenantId, tenantIds));
  const attemptsOf = new Map<string, number>();
  const attemptsByClass: Record<string, number> = {};
  for (const a of attempts) {
    attemptsOf.set(a.workflowId, (attemptsOf.get(a.workflowId) ?? 0) + 1);
    attemptsByClass[a.cls] = (attemptsByClass[a.cls] ?? 0) + 1;
  }

  const byType: Record<string, number> = {};
  for (const r of latest.values()) byType[r.recordType] = (byType[r.recordType] ?? 0) + 1;
  const out: Reconciliation = {
    records: latest.size,
    byType,
    synced: 0,
    blocked: {},
    blockedSample: {},
    cancelled: 0,
    lost: 0,
    lostSample: [],
    duplicates: 0,
    duplicateSample: [],
    syncedNotInQbo: 0,
    inQboNotSynced: 0,
    retryCountSum: 0,
    recordsWithRetries: 0,
    attempts: attempts.length,
    attemptsByClass,
    attemptsMissing: 0,
  };

  // QuickBooks' side, per realm: how many entities carry each number / name.
  const ledgerCount = new Map<string, number>();
  const ledgerIds = new Map<string, string[]>();
  for (const t of tenants) {
    for (const e of stack.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill' })) {
      const k = `${t.tenantId}|Bill|${String(e.DocNumber)}`;
      ledgerCount.set(k, (ledgerCount.get(k) ?? 0) + 1);
      ledgerIds.set(k, [...(ledgerIds.get(k) ?? []), String(e.Id)]);
    }
    for (const e of stack.sim.sim.ledger({ realmId: t.realmId, entity: 'Vendor' })) {
      const k = `${t.tenantId}|Vendor|${String(e.DisplayName)}`;
      ledgerCount.set(k, (ledgerCount.get(k) ?? 0) + 1);
      ledgerIds.set(k, [...(ledgerIds.get(k) ?? []), String(e.Id)]);
    }
  }

  for (const [id, r] of latest) {
    const key =
      r.recordType === 'vendor'
        ? `${r.tenantId}|Vendor|${String((r.data as { displayName?: string }).displayName)}`
        : `${r.tenantId}|Bill|${qboDocNumber(r.number)}`;
    const inQbo = ledgerCount.get(key) ?? 0;
    if (inQbo > 1) {
      out.duplicates += inQbo - 1;
      if (out.duplicateSample.length < 5) out.duplicateSample.push(`${id} ×${inQbo}`);
    }
    const row = byId.get(id);
    const state = row?.state;
    if (state === 'synced' || state === 'linked') {
      out.synced += 1;
      const qboId = row?.externalRef?.qboId;
      if (!qboId || !(ledgerIds.get(key) ?? []).includes(qboId)) out.syncedNotInQbo += 1;
      const n = attemptsOf.get(id) ?? 0;
      const adoptedWithoutPush = n === 0;
      if (!adoptedWithoutPush && n < (row?.retryCount ?? 0) + 1) out.attemptsMissing += 1;
    } else {
      if (inQbo > 0) out.inQboNotSynced += 1;
      if (state === 'blocked') {
        const cls = row?.failureClass ?? 'unknown';
        out.blocked[cls] = (out.blocked[cls] ?? 0) + 1;
        out.blockedSample[cls] ??= `${id}: ${row?.actionNeeded ?? ''}`.slice(0, 300);
      } else if (state === 'cancelled') {
        out.cancelled += 1;
      } else {
        out.lost += 1;
        if (out.lostSample.length < 5) out.lostSample.push(`${id} (${state ?? 'no projection row'})`);
      }
    }
    if (row) {
      out.retryCountSum += row.retryCount;
      if (row.retryCount > 0) out.recordsWithRetries += 1;
    }
  }
  return out;
}

/** Rows of a reconciliation for report.table(). */
export function reconciliationRows(r: Reconciliation): Array<[string, string] | [string, string, string]> {
  const blocked = Object.entries(r.blocked);
  const classes = Object.entries(r.attemptsByClass)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    ['records', `${r.records} (${Object.entries(r.byType).map(([k, v]) => `${k} ${v}`).join(', ')})`],
    ['synced', String(r.synced)],
    ['blocked (by class)', blocked.length ? blocked.map(([k, v]) => `${k} ${v}`).join(', ') : '0'],
    ...Object.entries(r.blockedSample).map(([k, v]) => [`  e.g. ${k}`, v] as [string, string]),
    ...(r.cancelled ? ([['cancelled', String(r.cancelled)]] as Array<[string, string]>) : []),
    ['lost', String(r.lost), r.lostSample.length ? r.lostSample.join('; ') : 'neither synced nor blocked at the end'],
    ['duplicates in QuickBooks', String(r.duplicates), r.duplicateSample.length ? r.duplicateSample.join('; ') : 'extra entities with the same DocNumber / DisplayName'],
    ['synced but not in QuickBooks', String(r.syncedNotInQbo)],
    ['in QuickBooks but not synced', String(r.inQboNotSynced)],
    ['retry counts', `${r.retryCountSum} over ${r.recordsWithRetries} record(s)`],
    ['attempts recorded', `${r.attempts}${classes ? ` (${classes})` : ''}`],
    ['attempt evidence missing', String(r.attemptsMissing), 'synced records with fewer attempts than retryCount + 1'],
  ];
}

/** Records of one tenant that a drill submits: bills numbered from `from`. */
export function spreadBills(tenants: readonly BenchTenant[], total: number, make: (t: BenchTenant, i: number) => BenchRecord): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (let i = 0; i < total; i++) {
    const t = tenants[i % tenants.length]!;
    out.push(make(t, Math.floor(i / tenants.length) + 1));
  }
  return out;
}

/** The timeline of the slowest records (projection events and attempts), to see where their time went. */
export async function slowest(stack: Stack, workflowIds: readonly string[], submittedAt: Map<string, number>, n = 3): Promise<string[]> {
  const rows = await stack.db.db
    .select({ workflowId: syncs.workflowId, updatedAt: syncs.updatedAt, state: syncs.state })
    .from(syncs)
    .where(inArray(syncs.workflowId, [...workflowIds]));
  const worst = rows
    .map((r) => ({ ...r, took: r.updatedAt.getTime() - (submittedAt.get(r.workflowId) ?? r.updatedAt.getTime()) }))
    .sort((a, b) => b.took - a.took)
    .slice(0, n);
  const lines: string[] = [];
  for (const w of worst) {
    const t0 = submittedAt.get(w.workflowId) ?? 0;
    const { events, attempts } = await getSyncChain(stack.db.db, w.workflowId);
    lines.push(`${w.workflowId}: ${w.state} after ${w.took} ms`);
    for (const e of events) lines.push(`    +${e.at.getTime() - t0} ms ${e.kind}: ${e.message.slice(0, 100)}`);
    for (const a of attempts) lines.push(`    attempt ${a.attemptNo}.${a.activityAttempt} +${a.startedAt.getTime() - t0}..+${a.finishedAt.getTime() - t0} ms HTTP ${a.httpStatus} ${a.class}`);
  }
  return lines;
}

export interface HistoryFacts {
  /** Event count per workflow history fetched. */
  events: Map<string, number>;
  /** Activity attempts that started again after a StartToClose timeout (a task lost in delivery or a hung attempt). */
  activityTimeouts: number;
  /** Which workflows had one. */
  timedOut: string[];
  /** Those timeouts by kind (HEARTBEAT: the worker stopped heartbeating; START_TO_CLOSE: the whole 2 minutes). */
  timeoutTypes: Record<string, number>;
  /** Longest time from scheduling such an activity to the start of the attempt that finished it. */
  timedOutMaxDelayMs: number;
  /** Retried activity attempts of any cause. */
  activityRetries: number;
}

/** temporal.api.enums.v1.TimeoutType, as the history carries it. */
const TIMEOUT_TYPES: Record<number, string> = { 1: 'start-to-close', 2: 'schedule-to-start', 3: 'schedule-to-close', 4: 'heartbeat' };

/** "12 (heartbeat 12); longest delay 31 s" — for the report tables. */
export function timeoutSummary(h: HistoryFacts): string {
  if (h.activityTimeouts === 0) return '0';
  const kinds = Object.entries(h.timeoutTypes).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${h.activityTimeouts} (${kinds}); longest delay ${(h.timedOutMaxDelayMs / 1000).toFixed(0)} s`;
}

/** Fetches the Temporal histories of `ids` (a few at a time) and counts events and activity retries. */
export async function historyFacts(stack: Stack, ids: readonly string[], concurrency = 8): Promise<HistoryFacts> {
  const out: HistoryFacts = { events: new Map(), activityTimeouts: 0, timedOut: [], timeoutTypes: {}, timedOutMaxDelayMs: 0, activityRetries: 0 };
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= ids.length) return;
      const id = ids[i]!;
      const history = await stack.client.workflow.getHandle(id).fetchHistory().catch(() => undefined);
      if (!history) continue;
      const events = history.events ?? [];
      out.events.set(id, events.length);
      const at = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      const scheduledAt = new Map<string, number>();
      for (const e of events) {
        if (e.activityTaskScheduledEventAttributes) scheduledAt.set(String(e.eventId), at(e));
        const started = e.activityTaskStartedEventAttributes;
        if (!started || (started.attempt ?? 1) <= 1) continue;
        out.activityRetries += 1;
        const timeout = started.lastFailure?.timeoutFailureInfo;
        if (timeout) {
          out.activityTimeouts += 1;
          const kind = TIMEOUT_TYPES[Number(timeout.timeoutType)] ?? String(timeout.timeoutType ?? 'unknown');
          out.timeoutTypes[kind] = (out.timeoutTypes[kind] ?? 0) + 1;
          const scheduled = scheduledAt.get(String(started.scheduledEventId));
          if (scheduled !== undefined) out.timedOutMaxDelayMs = Math.max(out.timedOutMaxDelayMs, at(e) - scheduled);
          if (!out.timedOut.includes(id)) out.timedOut.push(id);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return out;
}

export interface ResumeTimes {
  /** ms after `since` when each workflow got the signal, and when it scheduled its next activity (woke up and moved on). */
  signalled: number[];
  resumed: number[];
  /** Workflows with no such signal after `since`, or no activity after it. */
  missing: number;
}

/**
 * From the Temporal histories: when each workflow received `signalName` (after `since`) and when it next scheduled an
 * activity — the moment it was working again. Search attributes cannot tell, because the workflow only upserts them
 * when it projects a state.
 */
export async function resumeTimes(stack: Stack, ids: readonly string[], signalName: string, since: number, concurrency = 16): Promise<ResumeTimes> {
  const out: ResumeTimes = { signalled: [], resumed: [], missing: 0 };
  let next = 0;
  const toMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN);
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= ids.length) return;
      const history = await stack.client.workflow.getHandle(ids[i]!).fetchHistory().catch(() => undefined);
      const events = history?.events ?? [];
      const s = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === signalName && toMs(e.eventTime) >= since);
      if (s < 0) {
        out.missing += 1;
        continue;
      }
      const a = events.slice(s).find((e) => e.activityTaskScheduledEventAttributes);
      out.signalled.push(toMs(events[s]!.eventTime) - since);
      if (a) out.resumed.push(toMs(a.eventTime) - since);
      else out.missing += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return out;
}
