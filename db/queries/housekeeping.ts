import { isNotNull, lt, lte, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { oauthStates, webhookEvents } from '../schema.ts';

/** OAuth states that can no longer complete a connection: past their expiry, or used once already. */
export async function deleteSpentOAuthStates(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .delete(oauthStates)
    .where(or(lte(oauthStates.expiresAt, now), isNotNull(oauthStates.usedAt)))
    .returning({ state: oauthStates.state });
  return rows.length;
}

/** Webhook event ids received before `before`: Intuit stops redelivering long before, so they dedupe nothing. */
export async function deleteWebhookEventsBefore(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(webhookEvents).where(lt(webhookEvents.receivedAt, before)).returning({ id: webhookEvents.eventId });
  return rows.length;
}
