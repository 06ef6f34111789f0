import { and, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { oauthStates } from '../schema.ts';

export type OAuthState = typeof oauthStates.$inferSelect;

/** Stores a new `state`, valid for `ttlSeconds` by the database's clock, which `consumeOAuthState` compares against. */
export async function createOAuthState(db: Db, input: { state: string; tenantId: string; nonceHash: string; actor: string; ttlSeconds: number }): Promise<void> {
  const { ttlSeconds, ...row } = input;
  await db.insert(oauthStates).values({ ...row, expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})` });
}

/**
 * Checks and spends a `state` in one statement: answers its row, now marked used, only when it is bound to this nonce,
 * unused and unexpired. Of two calls with the same state, exactly one gets the row.
 */
export async function consumeOAuthState(db: Db, input: { state: string; nonceHash: string }): Promise<OAuthState | undefined> {
  const [row] = await db
    .update(oauthStates)
    .set({ usedAt: sql`now()` })
    .where(and(eq(oauthStates.state, input.state), eq(oauthStates.nonceHash, input.nonceHash), isNull(oauthStates.usedAt), gt(oauthStates.expiresAt, sql`now()`)))
    .returning();
  return row;
}

/** OAuth states that can no longer complete a connection: past their expiry, or used once already. */
export async function deleteSpentOAuthStates(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .delete(oauthStates)
    .where(or(lte(oauthStates.expiresAt, now), isNotNull(oauthStates.usedAt)))
    .returning({ state: oauthStates.state });
  return rows.length;
}
