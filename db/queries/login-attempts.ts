import { eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { loginAttempts } from '../schema.ts';

/** The sign-in window: attempts are counted per key from the first one until this much later. */
export const LOGIN_WINDOW_MS = 15 * 60_000;

export interface AttemptCount {
  key: string;
  /** Attempts in the current window, this one included. */
  attempts: number;
  windowStart: Date;
}

/**
 * Counts one sign-in attempt against each key (e.g. `email:ada@acme.example` and `ip:203.0.113.7`) in one atomic
 * statement and returns the counts after it. A key whose window has passed starts a new one at 1. Parallel attempts
 * each get their own number, so the caller can refuse the sixth of twelve sent at once before any password is checked.
 */
export async function countLoginAttempt(db: Db, keys: string[], opts: { windowMs?: number; now?: Date } = {}): Promise<AttemptCount[]> {
  if (keys.length === 0) return [];
  const now = opts.now ?? new Date();
  const windowEnded = sql`${loginAttempts.windowStart} <= ${new Date(now.getTime() - (opts.windowMs ?? LOGIN_WINDOW_MS)).toISOString()}::timestamptz`;
  const rows = await db
    .insert(loginAttempts)
    .values([...new Set(keys)].map((key) => ({ key, windowStart: now, attempts: 1 })))
    .onConflictDoUpdate({
      target: loginAttempts.key,
      set: {
        attempts: sql`case when ${windowEnded} then 1 else ${loginAttempts.attempts} + 1 end`,
        windowStart: sql`case when ${windowEnded} then excluded.window_start else ${loginAttempts.windowStart} end`,
      },
    })
    .returning();
  return rows.map((r) => ({ key: r.key, attempts: r.attempts, windowStart: r.windowStart }));
}

/** Forgets the keys' counts (an account after its successful sign-in). */
export async function clearLoginAttempts(db: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.delete(loginAttempts).where(inArray(loginAttempts.key, keys));
}

/** Takes back one counted attempt (a successful sign-in from an address is not a guess). */
export async function uncountLoginAttempt(db: Db, key: string): Promise<void> {
  await db
    .update(loginAttempts)
    .set({ attempts: sql`greatest(${loginAttempts.attempts} - 1, 0)` })
    .where(eq(loginAttempts.key, key));
}

/** Rows whose window started before `before` (housekeeping); a passed window counts as no row at all. */
export async function deleteStaleLoginAttempts(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(loginAttempts).where(lt(loginAttempts.windowStart, before)).returning({ key: loginAttempts.key });
  return rows.length;
}
