import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { syncAttempts, syncEvents, syncs, type SyncRow } from '../schema.ts';
import type { DependencyState } from '../../domain/mapping-gaps.ts';
import type { Drift } from '../../domain/drift.ts';
import type { ProjectionFacts, SyncEvent, SyncStatus } from '../../domain/sync.ts';

export type { ProjectionFacts };

/**
 * Writes the workflow's newest state. Idempotent: a retried or late write with an older `seq` changes nothing, and
 * events are keyed by (workflow, seq).
 */
export async function projectSync(db: Db, status: SyncStatus, events: SyncEvent[], facts: ProjectionFacts = {}): Promise<void> {
  await db.transaction((tx) => writeProjection(tx, status, events, facts));
}

/**
 * The same write, made only while the projection still holds `expectedSeq` (0: no row yet): the clean path's
 * activity writes on its workflow's behalf, and gives way — answering false — if anything else wrote meanwhile.
 */
export async function projectSyncAt(db: Db, expectedSeq: number, status: SyncStatus, events: SyncEvent[], facts: ProjectionFacts = {}): Promise<boolean> {
  return await db.transaction(async (tx) => {
    // One writer per record at a time: the lock makes the check and the write one step.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${status.workflowId}))`);
    const [row] = await tx.select({ seq: syncs.seq }).from(syncs).where(eq(syncs.workflowId, status.workflowId)).for('update');
    if ((row?.seq ?? 0) !== expectedSeq) return false;
    await writeProjection(tx, status, events, facts);
    return true;
  });
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function writeProjection(tx: Tx, status: SyncStatus, events: SyncEvent[], facts: ProjectionFacts): Promise<void> {
  const values = {
    workflowId: status.workflowId,
    tenantId: status.tenantId,
    recordType: status.recordType,
    sourceId: status.sourceId,
    number: status.number,
    version: status.version,
    state: status.state,
    failureClass: status.failureClass,
    owner: status.owner,
    actionNeeded: status.actionNeeded,
    retryCount: status.retryCount,
    readiness: status.readiness,
    mappings: status.mappings,
    duplicateCandidates: status.duplicateCandidates,
    externalRef: status.externalRef,
    assignee: status.assignee,
    escalatedTo: status.escalatedTo,
    blockedSince: status.blockedSince ? new Date(status.blockedSince) : null,
    slaDueAt: status.slaDueAt ? new Date(status.slaDueAt) : null,
    currency: facts.currency ?? null,
    amountMinor: facts.amountMinor ?? null,
    txnDate: facts.txnDate ?? null,
    seq: status.seq,
    updatedAt: new Date(),
    // Undefined: this run has not read the drift, so the refresh's finding stays as it is.
    ...(status.drift !== undefined ? { drift: status.drift } : {}),
  };
  const { workflowId: _id, ...update } = values;
  await tx
    .insert(syncs)
    .values(values)
    .onConflictDoUpdate({ target: syncs.workflowId, set: update, setWhere: sql`${syncs.seq} < excluded.seq` });
  if (events.length > 0) {
    await tx
      .insert(syncEvents)
      .values(
        events.map((e) => ({
          workflowId: status.workflowId,
          tenantId: status.tenantId,
          seq: e.seq,
          at: new Date(e.at),
          kind: e.kind,
          message: e.message,
          actor: e.actor,
          data: e.data ?? null,
        })),
      )
      .onConflictDoNothing();
  }
}

export async function getSync(db: Db, tenantScope: string | null, workflowId: string): Promise<SyncRow | undefined> {
  const [row] = await db
    .select()
    .from(syncs)
    .where(tenantScope ? and(eq(syncs.workflowId, workflowId), eq(syncs.tenantId, tenantScope)) : eq(syncs.workflowId, workflowId));
  return row;
}

export async function getSyncChain(db: Db, workflowId: string) {
  const [events, attempts] = await Promise.all([
    db.select().from(syncEvents).where(eq(syncEvents.workflowId, workflowId)).orderBy(asc(syncEvents.seq)),
    db.select().from(syncAttempts).where(eq(syncAttempts.workflowId, workflowId)).orderBy(asc(syncAttempts.attemptNo)),
  ]);
  return { events, attempts };
}

/** Finished syncs of a tenant whose QuickBooks entity is one of these (entity, id) pairs: what drift is checked on. */
export async function syncsByQboEntity(db: Db, tenantId: string, entity: string, qboIds: readonly string[]): Promise<SyncRow[]> {
  if (qboIds.length === 0) return [];
  return db
    .select()
    .from(syncs)
    .where(
      and(
        eq(syncs.tenantId, tenantId),
        sql`(${syncs.externalRef}->>'entity') = ${entity}`,
        inArray(sql`(${syncs.externalRef}->>'qboId')`, [...qboIds]),
        inArray(syncs.state, ['synced', 'linked']),
      ),
    );
}

/**
 * Records what the reference refresh found about a finished sync's QuickBooks entity. Only while the record is still
 * synced or linked: a sync that has started again is the workflow's to write, and it looks at QuickBooks itself.
 */
export async function writeDrift(db: Db, workflowId: string, drift: Drift | null): Promise<boolean> {
  const rows = await db
    .update(syncs)
    .set({ drift, updatedAt: new Date() })
    .where(and(eq(syncs.workflowId, workflowId), inArray(syncs.state, ['synced', 'linked'])))
    .returning({ workflowId: syncs.workflowId });
  return rows.length > 0;
}

/** The projected state of the records with these source ids (the records a record depends on). */
export async function dependencyStates(db: Db, tenantId: string, sourceIds: readonly string[]): Promise<DependencyState[]> {
  if (sourceIds.length === 0) return [];
  return db
    .select({ recordType: syncs.recordType, sourceId: syncs.sourceId, state: syncs.state, externalRef: syncs.externalRef, number: syncs.number })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), inArray(syncs.sourceId, [...sourceIds])));
}
