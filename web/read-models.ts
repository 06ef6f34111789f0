import type { Db } from '../db/client.ts';
import { queueGroups, type QueueFilter, type QueuePage } from '../db/queries/queue.ts';
import type { Cached, ReadCache } from './read-cache.ts';

/** The action queue's root-cause groups for a filter and page, from the read cache (console and API share it). */
export function cachedQueueGroups(reads: ReadCache, db: Db, f: QueueFilter, opts: Parameters<typeof queueGroups>[2] = {}): Promise<Cached<QueuePage>> {
  const key = `queue:${JSON.stringify([f.tenantId ?? null, f.owner ?? null, f.failureClass ?? null, f.recordType ?? null, f.assignee ?? null, opts])}`;
  return reads.get(key, () => queueGroups(db, f, opts));
}
