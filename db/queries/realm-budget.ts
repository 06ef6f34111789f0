import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { qboRealmRequests, qboRealmThrottles } from '../schema.ts';
import type { BudgetAnswer, BudgetLimits, RealmBudgetStore } from '../../qbo/shared-rate-limit.ts';

/** `at` (epoch ms, from a test's clock) or, by default, the database's own clock: one clock for every process. */
const clock = (at: number | undefined) => sql`coalesce(${at === undefined ? null : new Date(at).toISOString()}::timestamptz, clock_timestamp())`;
const ms = (n: number) => sql`(${n}::float8 * interval '1 millisecond')`;
const epochMs = (col: string) => sql.raw(`(extract(epoch from ${col}) * 1000)::float8`);

type Row = Record<string, unknown>;
const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/**
 * The shared per-realm budget in Postgres (qbo/shared-rate-limit.ts). A grant is one transaction: an advisory lock
 * on the realm serialises every process's check-and-insert for that realm (so two never both take the last slot),
 * then one statement counts the realm's live leases and its rolling window, reads the shared cooldown, and inserts
 * the grant only if all allow it.
 */
export function createRealmBudgetStore(db: Db): RealmBudgetStore {
  return {
    async tryAcquire(req: { realmId: string; kind: 'api' | 'batch'; holder: string; limits: BudgetLimits; at?: number }): Promise<BudgetAnswer> {
      const { realmId, kind, holder, limits, at } = req;
      const rows = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`qbo-realm-budget:${realmId}`}, 0))`);
        return tx.execute(sql`
          with clock as (select ${clock(at)} as t),
          w as (
            select
              count(*) filter (where not r.finished and r.ends_at > c.t)::int as active,
              count(r.id)::int as in_window,
              count(*) filter (where r.kind = 'batch')::int as batch_in_window,
              min(r.ends_at) as oldest_end,
              min(r.ends_at) filter (where r.kind = 'batch') as oldest_batch_end
            from clock c
            join qbo_realm_requests r on r.realm_id = ${realmId} and r.ends_at > c.t - ${ms(limits.windowMs)}
          ),
          cool as (select max(cooldown_until) as cooldown_until from qbo_realm_throttles where realm_id = ${realmId}),
          ins as (
            insert into qbo_realm_requests (realm_id, kind, holder, started_at, ends_at)
            select ${realmId}, ${kind}, ${holder}, c.t, c.t + ${ms(limits.leaseMs)}
            from clock c, w, cool
            where w.active < ${limits.concurrency}
              and w.in_window < ${limits.perWindow}
              and (${kind} <> 'batch' or w.batch_in_window < ${limits.batchPerWindow})
              and (cool.cooldown_until is null or cool.cooldown_until <= c.t)
            returning id
          )
          select (select id from ins) as id, ${epochMs('c.t')} as now, w.active, w.in_window, w.batch_in_window,
            ${epochMs('w.oldest_end')} as oldest_end, ${epochMs('w.oldest_batch_end')} as oldest_batch_end,
            ${epochMs('cool.cooldown_until')} as cooldown_until
          from clock c, w, cool`);
      });
      const r = (rows as unknown as Row[])[0]!;
      const id = num(r.id);
      return {
        ...(id !== undefined ? { id } : {}),
        now: num(r.now)!,
        active: num(r.active)! + (id !== undefined ? 1 : 0),
        inWindow: num(r.in_window)! + (id !== undefined ? 1 : 0),
        batchInWindow: num(r.batch_in_window)! + (id !== undefined && kind === 'batch' ? 1 : 0),
        cooldownUntil: num(r.cooldown_until) ?? 0,
        ...(num(r.oldest_end) !== undefined ? { oldestEnd: num(r.oldest_end)! } : {}),
        ...(num(r.oldest_batch_end) !== undefined ? { oldestBatchEnd: num(r.oldest_batch_end)! } : {}),
      };
    },

    async renew(ids: number[], leaseMs: number, at?: number): Promise<void> {
      if (ids.length === 0) return;
      await db
        .update(qboRealmRequests)
        .set({ endsAt: sql`${clock(at)} + ${ms(leaseMs)}` })
        .where(and(inArray(qboRealmRequests.id, ids), eq(qboRealmRequests.finished, false)));
    },

    async release(id: number, at?: number): Promise<void> {
      await db.update(qboRealmRequests).set({ finished: true, endsAt: clock(at) }).where(eq(qboRealmRequests.id, id));
    },

    async noteThrottled(req: { realmId: string; baseMs: number; maxMs: number; windowMs: number; at?: number }): Promise<void> {
      const { realmId, baseMs, maxMs, windowMs, at } = req;
      const strikes = sql`case when excluded.last_throttle_at - q.last_throttle_at > ${ms(windowMs)} then 1 else least(q.strikes + 1, 30) end`;
      await db.execute(sql`
        insert into qbo_realm_throttles as q (realm_id, strikes, last_throttle_at, cooldown_until)
        select ${realmId}, 1, c.t, c.t + ${ms(baseMs)} from (select ${clock(at)} as t) c
        on conflict (realm_id) do update set
          strikes = ${strikes},
          last_throttle_at = excluded.last_throttle_at,
          cooldown_until = greatest(q.cooldown_until,
            excluded.last_throttle_at + least(${maxMs}::float8, ${baseMs}::float8 * power(2, ${strikes} - 1)) * interval '1 millisecond')`);
    },
  };
}

/**
 * Grants that ended before `before` (finished, or leases nobody renewed) and cooldowns long over: they no longer
 * count against any window. Safe from several processes at once (plain DELETEs).
 */
export async function deleteRealmBudgetBefore(db: Db, before: Date): Promise<number> {
  const requests = await db.delete(qboRealmRequests).where(lt(qboRealmRequests.endsAt, before)).returning({ id: qboRealmRequests.id });
  const throttles = await db
    .delete(qboRealmThrottles)
    .where(and(lt(qboRealmThrottles.cooldownUntil, before), lt(qboRealmThrottles.lastThrottleAt, before)))
    .returning({ id: qboRealmThrottles.realmId });
  return requests.length + throttles.length;
}
