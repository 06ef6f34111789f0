import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import { workflowsWaitingOn } from '../db/queries/mappings.ts';
import { workflowsBlockedOnAuthorization } from '../db/queries/waiting.ts';
import { connectionRestoredSignal, mappingChangedSignal } from '../workflows/signals.ts';
import { resumeWaitingOnMapping } from '../workflows/resume-waiting.ts';

/**
 * Tells every workflow blocked on (kind, key) — and only those — that the reference changed, so they re-check and
 * continue by themselves. Used when an admin sets a mapping and when a master record or invoice syncs.
 */
export async function resumeWaiting(db: Db, client: Client, tenantId: string, kind: string, key: string): Promise<number> {
  const ids = await workflowsWaitingOn(db, tenantId, kind, key);
  return signalEach(ids, (id) => client.workflow.getHandle(id).signal(mappingChangedSignal, { kind, key }));
}

/**
 * After an admin set a mapping: starts the durable fan-out (workflows/resume-waiting.ts) and answers how many records
 * it will tell, without waiting for it. Nothing is started when no record waits.
 */
export async function startResumeWaiting(db: Db, client: Client, taskQueue: string, tenantId: string, kind: string, key: string): Promise<number> {
  const waiting = (await workflowsWaitingOn(db, tenantId, kind, key)).length;
  if (waiting === 0) return 0;
  await client.workflow.start(resumeWaitingOnMapping, {
    workflowId: `resume-waiting:${tenantId}:${kind}:${key}:${randomUUID()}`,
    taskQueue,
    args: [{ tenantId, kind, key }],
  });
  return waiting;
}

/** After a (re)connection: every record of the tenant blocked on authorization continues by itself. */
export async function resumeAfterConnection(db: Db, client: Client, tenantId: string): Promise<number> {
  const ids = await workflowsBlockedOnAuthorization(db, tenantId);
  return signalEach(ids, (id) => client.workflow.getHandle(id).signal(connectionRestoredSignal, { tenantId }));
}

/**
 * Signals sent at once. One mapping may unblock 10,000 records (one after another that took minutes), but 32 at once
 * crowded the Temporal dev server: the woken workflows' own tasks queued behind the signals (docs/benchmarks.md §4),
 * and under load some signals were refused.
 */
export const SIGNAL_CONCURRENCY = 8;
/** A refused signal (server busy, connection hiccup) is tried again this often, waiting 0.25 s, 0.5 s, 1 s … between. */
const SIGNAL_RETRIES = 5;

/**
 * Sends one signal per workflow, SIGNAL_CONCURRENCY at a time, and counts those delivered. A workflow that finished
 * meanwhile (synced elsewhere, or cancelled) has nothing to resume, so that is not an error. Any other failure
 * (Temporal unreachable) is thrown once every other signal was tried, so the caller can say so and be repeated.
 */
async function signalEach(ids: readonly string[], send: (id: string) => Promise<void>): Promise<number> {
  let next = 0;
  let delivered = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      for (let attempt = 0; ; attempt++) {
        try {
          await send(id);
          delivered += 1;
          break;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) break;
          if (attempt >= SIGNAL_RETRIES) {
            failure ??= err;
            break;
          }
          await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGNAL_CONCURRENCY, ids.length) }, lane));
  if (failure !== undefined) throw failure;
  return delivered;
}
