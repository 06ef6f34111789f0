/**
 * Delivery of what the product owes Temporal — a stored record version, a mapping that changed, a realm that was
 * (re)connected — from the outbox table (db/queries/outbox.ts). The change and its outbox row are written in one
 * transaction; the caller then tries to deliver at once, and a drainer loop delivers whatever did not go through
 * (Temporal down, a deploy, a crash in between), with backoff, safely from several web instances.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db, DbOrTx } from '../db/client.ts';
import { workflowsWaitingOn } from '../db/queries/mappings.ts';
import { claimDueDeliveries, enqueueDelivery, markDelivered, markFailed, releaseDeliveries } from '../db/queries/outbox.ts';
import { latestRecordVersion } from '../db/queries/records.ts';
import { getSync } from '../db/queries/syncs.ts';
import { getTenant } from '../db/queries/tenants.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { RecordType } from '../domain/vocabulary.ts';
import { isTerminalState, type SyncState } from '../domain/vocabulary.ts';
import type { DriftDecision, SyncCarry, SyncRecordInput } from '../workflows/sync-record/types.ts';
import { syncWorkflowId } from '../domain/workflow-id.ts';
import { afterConnect } from './schedules.ts';
import { startResumeWaiting } from './resume.ts';
import { sourceUpdatedSignal, syncRecord } from '../workflows/index.ts';
import { FailureClassAttr, OwnerAttr, RecordNumberAttr, RecordTypeAttr, SyncStateAttr, TenantIdAttr } from '../workflows/search-attributes.ts';

export interface DeliveryDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  defaultSlaSeconds?: number;
  workflowDefaults?: Pick<SyncRecordInput, 'retry' | 'historyLimit' | 'waitRecheckSeconds'>;
  refsRefreshMinutes?: number;
}

/**
 * Gives the record's workflow its newest stored version, unless its projection says it has it already: so a
 * re-sent version never restarts a cancelled or synced record. A newer version after a finished run starts the next
 * run, which keeps the earlier runs' retry count, assignee and escalation (their evidence stays in Postgres).
 */
export async function deliverRecordVersion(
  deps: DeliveryDeps,
  key: { tenantId: string; recordType: RecordType; sourceId: string },
  opts: { restart?: boolean; driftDecision?: DriftDecision } = {},
): Promise<void> {
  const latest = await latestRecordVersion(deps.db, key);
  if (latest === undefined) return;
  const workflowId = syncWorkflowId(key);
  const projected = await getSync(deps.db, key.tenantId, workflowId);
  // `restart`: the reconciler found the workflow ended abnormally (terminated, failed) while its record was at work.
  if (projected && projected.version >= latest && !opts.restart) return;
  const tenant = await getTenant(deps.db, key.tenantId);
  if (!tenant) return;
  // Only read when a run starts: a running workflow keeps its own count, assignee and escalation.
  const carry: SyncCarry | undefined =
    projected && (isTerminalState(projected.state as SyncState) || opts.restart)
      ? {
          retryCount: projected.retryCount,
          logicalAttempt: 0,
          seq: projected.seq,
          ...(projected.assignee ? { assignee: projected.assignee } : {}),
          ...(projected.escalatedTo ? { escalatedTo: projected.escalatedTo } : {}),
        }
      : undefined;
  const [record] = await deps.db.query.sourceRecords.findMany({
    where: (r, { and, eq }) => and(eq(r.tenantId, key.tenantId), eq(r.recordType, key.recordType), eq(r.sourceId, key.sourceId), eq(r.version, latest)),
    columns: { number: true },
    limit: 1,
  });
  const options = {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [
      {
        tenantId: key.tenantId,
        recordType: key.recordType,
        sourceId: key.sourceId,
        version: latest,
        slaSeconds: tenant.slaSeconds ?? deps.defaultSlaSeconds,
        ...deps.workflowDefaults,
        ...(carry ? { carry } : {}),
        ...(opts.driftDecision ? { driftDecision: opts.driftDecision } : {}),
        cleanPath: true,
      } satisfies SyncRecordInput,
    ] as [SyncRecordInput],
    typedSearchAttributes: [
      { key: TenantIdAttr, value: key.tenantId },
      { key: RecordTypeAttr, value: key.recordType },
      { key: RecordNumberAttr, value: record?.number ?? key.sourceId },
      { key: SyncStateAttr, value: 'queued' },
      { key: FailureClassAttr, value: 'none' },
      { key: OwnerAttr, value: 'none' },
    ],
    staticSummary: `${key.recordType} ${record?.number ?? key.sourceId} (${key.tenantId})`,
  };
  // A start carries the version in its input, so a new record's history has no signal event (a clean sync is short:
  // docs/benchmarks.md); a running workflow gets the version as a signal. Either may finish or appear in between.
  const running = projected !== undefined && !isTerminalState(projected.state as SyncState) && !opts.restart;
  for (let round = 0; ; round += 1) {
    // Signal a running workflow, start one that is not; when the guess was wrong, the other, then again.
    const signal = round % 2 === 0 ? running : !running;
    try {
      if (signal) await deps.temporal.workflow.getHandle(workflowId).signal(sourceUpdatedSignal, { version: latest });
      else await deps.temporal.workflow.start(syncRecord, options);
      return;
    } catch (err) {
      const raced = err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError;
      if (!raced || round >= 3) throw err;
    }
  }
}

/**
 * How long one delivery may wait for Temporal. The client retries an unreachable server for about 20 s by itself;
 * intake answers AWRA sooner than that (the version is safe in Postgres), and the drainer moves on.
 */
const DELIVERY_DEADLINE_MS = 5_000;

function deliverWithin(deps: DeliveryDeps, row: Pick<OutboxRow, 'tenantId' | 'kind' | 'payload'>): Promise<void> {
  return deps.temporal.withDeadline(Date.now() + DELIVERY_DEADLINE_MS, () => deliver(deps, row));
}

/** Delivers one outbox row; throws when Temporal (or the database) did not take it. */
export async function deliver(deps: DeliveryDeps, row: Pick<OutboxRow, 'tenantId' | 'kind' | 'payload'>): Promise<void> {
  const p = row.payload;
  switch (row.kind) {
    case 'record_version':
      return deliverRecordVersion(deps, { tenantId: row.tenantId, recordType: p.recordType as RecordType, sourceId: p.sourceId! });
    case 'mapping_changed':
      await startResumeWaiting(deps.db, deps.temporal, deps.taskQueue, row.tenantId, p.kind!, p.key!);
      return;
    case 'connection_restored':
      return afterConnect(deps.temporal, { taskQueue: deps.taskQueue, tenantId: row.tenantId, ...(deps.refsRefreshMinutes ? { refsRefreshMinutes: deps.refsRefreshMinutes } : {}) });
  }
}

/** Delivers the record's newest version now if it is owed (a re-sent version has no outbox row of its own). */
export function deliverVersionNow(deps: DeliveryDeps, key: { tenantId: string; recordType: RecordType; sourceId: string }): Promise<'delivered' | 'pending'> {
  return deps.temporal.withDeadline(Date.now() + DELIVERY_DEADLINE_MS, () => deliverRecordVersion(deps, key)).then(
    () => 'delivered' as const,
    () => 'pending' as const,
  );
}

/** A fresh row waits this long before the drainer may take it: the caller normally delivers it at once. */
export const FIRST_TRY_GRACE_MS = 10_000;

/**
 * Records that a tenant was (re)connected to QuickBooks — its connection workflow must hear of it, its records
 * blocked on authorization continue — and tells Temporal now if it answers, otherwise the drainer does.
 */
export async function connectionRestored(deps: DeliveryDeps, tenantId: string): Promise<'delivered' | 'pending'> {
  const row = await enqueueDelivery(deps.db, { tenantId, kind: 'connection_restored', payload: {}, notBefore: new Date(Date.now() + FIRST_TRY_GRACE_MS) });
  return deliverNow(deps, row);
}

/** Records, inside the mapping's own transaction, that the records waiting on (kind, key) must be told. */
export function enqueueMappingChanged(tx: DbOrTx, m: { tenantId: string; kind: string; key: string }): Promise<OutboxRow> {
  return enqueueDelivery(tx, { tenantId: m.tenantId, kind: 'mapping_changed', payload: { kind: m.kind, key: m.key }, notBefore: new Date(Date.now() + FIRST_TRY_GRACE_MS) });
}

/**
 * After the mapping's transaction: how many records wait on it, and whether they were told now (a resume-waiting
 * workflow tells them in the background) or will be once Temporal answers.
 */
export async function resumeAfterMapping(deps: DeliveryDeps, row: OutboxRow): Promise<{ resumed: number; delivery: 'delivered' | 'pending' }> {
  const resumed = (await workflowsWaitingOn(deps.db, row.tenantId, row.payload.kind!, row.payload.key!)).length;
  return { resumed, delivery: await deliverNow(deps, row) };
}

/** Tries a row at once (right after its transaction); on failure it stays for the drainer. */

export async function deliverNow(deps: DeliveryDeps, row: OutboxRow): Promise<'delivered' | 'pending'> {
  try {
    await deliverWithin(deps, row);
    await markDelivered(deps.db, row.id);
    return 'delivered';
  } catch {
    return 'pending';
  }
}

/** One pass of the drainer: claims due rows, delivers each, and schedules a later try for those that failed. */
export async function drainOutbox(deps: DeliveryDeps, opts: { limit?: number; leaseMs?: number } = {}): Promise<{ delivered: number; failed: number }> {
  const rows = await claimDueDeliveries(deps.db, { limit: opts.limit ?? 50, leaseMs: opts.leaseMs ?? 60_000 });
  let delivered = 0;
  let failed = 0;
  for (const [i, row] of rows.entries()) {
    try {
      await deliverWithin(deps, row);
      await markDelivered(deps.db, row.id);
      delivered += 1;
    } catch (err) {
      await markFailed(deps.db, row.id, row.attempts, (err as Error).message);
      failed += 1;
      // Temporal is most likely down: the others wait for the next pass instead of each waiting for the deadline.
      await releaseDeliveries(deps.db, rows.slice(i + 1).map((r) => r.id));
      break;
    }
  }
  return { delivered, failed };
}

export interface OutboxDrainer {
  stop(): Promise<void>;
}

/** Drains the outbox every `everyMs` until stopped; a pass that fails (database down) is simply tried again. */
export function startOutboxDrainer(deps: DeliveryDeps, opts: { everyMs?: number; onPass?: (r: { delivered: number; failed: number }) => void; onError?: (err: Error) => void } = {}): OutboxDrainer {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = drainOutbox(deps)
      .then((r) => (r.delivered || r.failed ? opts.onPass?.(r) : undefined))
      .catch((err: Error) => opts.onError?.(err))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.everyMs ?? 2_000);
      });
  };
  timer = setTimeout(tick, opts.everyMs ?? 2_000);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
