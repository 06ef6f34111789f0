import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { outbox, type OutboxRow } from '../schema.ts';

export type OutboxKind = OutboxRow['kind'];

/** Records something to deliver to Temporal; call it inside the transaction of the change that needs it. */
export async function enqueueDelivery(db: DbOrTx, item: { tenantId: string; kind: OutboxKind; payload: Record<string, string>; notBefore?: Date }): Promise<OutboxRow> {
  const [row] = await db
    .insert(outbox)
    .values({ tenantId: item.tenantId, kind: item.kind, payload: item.payload, ...(item.notBefore ? { nextAttemptAt: item.notBefore } : {}) })
    .returning();
  return row!;
}

/**
 * Takes up to `limit` due deliveries for this drainer: one statement, so rows another instance is taking are skipped
 * (SKIP LOCKED) and a row stays ours until `leaseMs` has passed — enough to deliver it, short enough that a drainer
 * that died is replaced.
 */
export async function claimDueDeliveries(db: Db, opts: { limit: number; leaseMs: number }): Promise<OutboxRow[]> {
  const rows = (await db.execute(sql`
    update outbox set lease_until = now() + ${`${opts.leaseMs} milliseconds`}::interval, attempts = attempts + 1
     where id in (
       select id from outbox
        where delivered_at is null and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at, id
        limit ${opts.limit}
        for update skip locked)
    returning id`)) as unknown as Array<{ id: string | number }>;
  if (rows.length === 0) return [];
  return db.select().from(outbox).where(inArray(outbox.id, rows.map((r) => Number(r.id))));
}

export async function markDelivered(db: Db, id: number): Promise<void> {
  await db.update(outbox).set({ deliveredAt: new Date(), leaseUntil: null, lastError: null }).where(eq(outbox.id, id));
}

/** A delivery that failed waits before the next try: 2 s, 4 s, 8 s … up to 5 minutes. */
export async function markFailed(db: Db, id: number, attempts: number, error: string): Promise<Date> {
  const next = new Date(Date.now() + Math.min(2 ** Math.max(1, attempts) * 1000, 300_000));
  await db.update(outbox).set({ nextAttemptAt: next, leaseUntil: null, lastError: error.slice(0, 2000) }).where(eq(outbox.id, id));
  return next;
}

/** Gives claimed rows back untried, for the next pass. */
export async function releaseDeliveries(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(outbox).set({ leaseUntil: null, attempts: sql`${outbox.attempts} - 1` }).where(inArray(outbox.id, ids));
}

/** Deliveries still owed, per tenant (all tenants without one). */
export async function pendingDeliveries(db: Db, tenantId?: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(outbox)
    .where(tenantId ? and(isNull(outbox.deliveredAt), eq(outbox.tenantId, tenantId)) : isNull(outbox.deliveredAt));
  return Number(row?.n ?? 0);
}
