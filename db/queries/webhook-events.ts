import { lt } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { webhookEvents } from '../schema.ts';

/** One event of a QuickBooks webhook delivery: its id (see web/webhooks.ts) and the realms it names. */
export interface WebhookEvent {
  eventId: string;
  realmIds: string[];
}

/**
 * Records a delivery's events and answers the ids not recorded before: QuickBooks delivers again until it gets a 200
 * (and a retried delivery repeats its ids), so only these are acted on. Run it in the transaction that acts on them:
 * if acting fails and the transaction rolls back, the retry is new again; a simultaneous copy of the delivery waits
 * on the first one's insert and then finds its ids taken.
 */
export async function recordWebhookEvents(db: DbOrTx, events: readonly WebhookEvent[]): Promise<Set<string>> {
  const byId = new Map(events.map((e) => [e.eventId, e.realmIds]));
  if (byId.size === 0) return new Set();
  const inserted = await db
    .insert(webhookEvents)
    .values([...byId].map(([eventId, realmIds]) => ({ eventId, realmIds })))
    .onConflictDoNothing({ target: webhookEvents.eventId })
    .returning({ eventId: webhookEvents.eventId });
  return new Set(inserted.map((r) => r.eventId));
}

/** Webhook event ids received before `before`: Intuit stops redelivering long before, so they dedupe nothing. */
export async function deleteWebhookEventsBefore(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(webhookEvents).where(lt(webhookEvents.receivedAt, before)).returning({ id: webhookEvents.eventId });
  return rows.length;
}
