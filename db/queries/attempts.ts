import { and, eq, max } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { syncAttempts, type AttemptRow } from '../schema.ts';
import type { AttemptEvidence } from '../../domain/sync.ts';
import type { BatchPlace } from '../../qbo/coalesce.ts';

/** The attempt ledger: one row per answer QuickBooks gave (or did not give) to a push. */
export async function recordAttempt(db: Db, workflowId: string, tenantId: string, a: AttemptEvidence & Partial<BatchPlace>): Promise<void> {
  await db
    .insert(syncAttempts)
    .values({
      workflowId,
      tenantId,
      attemptNo: a.attemptNo,
      activityAttempt: a.activityAttempt ?? 1,
      requestId: a.requestId,
      startedAt: new Date(a.startedAt),
      finishedAt: new Date(a.finishedAt),
      httpStatus: a.httpStatus,
      class: a.class,
      code: a.code ?? null,
      message: a.message ?? null,
      detail: a.detail ?? null,
      element: a.element ?? null,
      intuitTid: a.intuitTid ?? null,
      batchRequestId: a.batchRequestId ?? null,
      batchItemId: a.batchItemId ?? null,
    })
    .onConflictDoNothing();
}

/** Earlier pushes of this record whose outcome QuickBooks left unknown (the entity may exist). */
export async function uncertainAttempts(db: Db, workflowId: string, attemptNo?: number): Promise<AttemptRow[]> {
  return db
    .select()
    .from(syncAttempts)
    .where(
      and(
        eq(syncAttempts.workflowId, workflowId),
        eq(syncAttempts.class, 'outcome_uncertain'),
        ...(attemptNo !== undefined ? [eq(syncAttempts.attemptNo, attemptNo)] : []),
      ),
    );
}

/** Every answer recorded for one logical attempt of the record (one row per activity attempt that got an answer). */
export async function attemptsOf(db: Db, workflowId: string, attemptNo: number): Promise<AttemptRow[]> {
  return db
    .select()
    .from(syncAttempts)
    .where(and(eq(syncAttempts.workflowId, workflowId), eq(syncAttempts.attemptNo, attemptNo)));
}

/** The highest logical attempt recorded for the record: a new run of its workflow numbers on from it. */
export async function lastAttemptNo(db: Db, workflowId: string): Promise<number> {
  const [row] = await db.select({ n: max(syncAttempts.attemptNo) }).from(syncAttempts).where(eq(syncAttempts.workflowId, workflowId));
  return row?.n ?? 0;
}
