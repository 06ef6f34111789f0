import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import { and, eq } from 'drizzle-orm';
import { workflowsWaitingOn } from '../db/queries/mappings.ts';
import { syncs } from '../db/schema.ts';
import { connectionRestoredSignal, mappingChangedSignal } from '../workflows/signals.ts';

/**
 * Tells every workflow blocked on (kind, key) — and only those — that the reference changed, so they re-check and
 * continue by themselves. Used when an admin sets a mapping and when a master record or invoice syncs.
 */
export async function resumeWaiting(db: Db, client: Client, tenantId: string, kind: string, key: string): Promise<number> {
  const ids = await workflowsWaitingOn(db, tenantId, kind, key);
  let resumed = 0;
  for (const id of ids) {
    try {
      await client.workflow.getHandle(id).signal(mappingChangedSignal, { kind, key });
      resumed += 1;
    } catch {
      // The workflow finished meanwhile (synced elsewhere, or cancelled): nothing to resume.
    }
  }
  return resumed;
}

/** After a (re)connection: every record of the tenant blocked on authorization continues by itself. */
export async function resumeAfterConnection(db: Db, client: Client, tenantId: string): Promise<number> {
  const rows = await db
    .select({ workflowId: syncs.workflowId })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'blocked'), eq(syncs.failureClass, 'authorization')));
  let resumed = 0;
  for (const { workflowId } of rows) {
    try {
      await client.workflow.getHandle(workflowId).signal(connectionRestoredSignal, { tenantId });
      resumed += 1;
    } catch {
      // finished meanwhile
    }
  }
  return resumed;
}
