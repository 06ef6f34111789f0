import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { qboConnections, syncs } from '../schema.ts';

/** The tenant's records blocked on authorization: the ones a (re)connection resumes (services/resume.ts). */
export async function workflowsBlockedOnAuthorization(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db
    .select({ workflowId: syncs.workflowId })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'blocked'), eq(syncs.failureClass, 'authorization')));
  return rows.map((r) => r.workflowId);
}

/** The tenant's records blocked on a mapping or on authorization: what the reconciler checks for a lost wake-up. */
export async function blockedOnMappingOrAuthorization(db: Db, tenantId: string) {
  return db
    .select({ workflowId: syncs.workflowId, recordType: syncs.recordType, sourceId: syncs.sourceId, version: syncs.version, failureClass: syncs.failureClass })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'blocked'), inArray(syncs.failureClass, ['mapping', 'authorization'])));
}

/** Whether the tenant's QuickBooks connection can be used (it exists and needs no reconnect). */
export async function connectionUsable(db: Db, tenantId: string): Promise<boolean> {
  const [conn] = await db.select({ status: qboConnections.status }).from(qboConnections).where(eq(qboConnections.tenantId, tenantId));
  return conn !== undefined && conn.status !== 'needs_reauth' && conn.status !== 'revoked';
}

/** Every record of the tenant as the projection shows it, for comparing with what Temporal runs. */
export async function projectedStates(db: Db, tenantId: string) {
  return db.select({ workflowId: syncs.workflowId, state: syncs.state, recordType: syncs.recordType, sourceId: syncs.sourceId }).from(syncs).where(eq(syncs.tenantId, tenantId));
}
