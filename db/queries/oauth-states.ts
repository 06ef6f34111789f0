import { isNotNull, lte, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { oauthStates } from '../schema.ts';

/** OAuth states that can no longer complete a connection: past their expiry, or used once already. */
export async function deleteSpentOAuthStates(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .delete(oauthStates)
    .where(or(lte(oauthStates.expiresAt, now), isNotNull(oauthStates.usedAt)))
    .returning({ state: oauthStates.state });
  return rows.length;
}
