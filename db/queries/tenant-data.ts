import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.ts';
import {
  apiKeys,
  auditEvents,
  mappings,
  notificationDeliveries,
  notificationRoutes,
  notifications,
  oauthStates,
  qboConnections,
  qboRefs,
  qboRefState,
  outbox,
  sessions,
  sourceRecords,
  syncAttempts,
  syncEvents,
  syncs,
  tenants,
  users,
  webhookEndpoints,
  type QboConnectionRow,
} from '../schema.ts';

/** The QuickBooks company a tenant is connected to, if any. */
export async function tenantConnection(db: Db, tenantId: string): Promise<Pick<QboConnectionRow, 'realmId' | 'environment' | 'baseUrl'> | undefined> {
  const [row] = await db
    .select({ realmId: qboConnections.realmId, environment: qboConnections.environment, baseUrl: qboConnections.baseUrl })
    .from(qboConnections)
    .where(eq(qboConnections.tenantId, tenantId));
  return row;
}

/** Other tenants connected to the same realm (the simulator's OAuth flow may hand one company to several tenants). */
export async function otherTenantsOnRealm(db: Db, tenantId: string, realmId: string): Promise<string[]> {
  const rows = await db.select({ tenantId: qboConnections.tenantId }).from(qboConnections).where(eq(qboConnections.realmId, realmId));
  return rows.map((r) => r.tenantId).filter((t) => t !== tenantId);
}

/**
 * Deletes every row of one tenant from every table, in one transaction, children before the tenant row their
 * foreign keys point at: sessions of the tenant's users, then the users and API keys scoped to it, then everything
 * keyed by `tenant_id` (sync_events, sync_attempts and audit_events have no foreign key but are the tenant's too),
 * then the tenant. All-tenant users and keys stay. Returns the number of rows deleted; 0 for an unknown tenant.
 */
export async function deleteTenantData(db: Db, tenantId: string): Promise<number> {
  return db.transaction(async (tx) => {
    // Locking the tenant row first makes a concurrent insert that references it (a late projection write) wait for
    // this transaction and then fail on the foreign key, instead of failing this delete at the end.
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update');
    let deleted = 0;
    const tenantUsers = tx.select({ id: users.id }).from(users).where(eq(users.tenantId, tenantId));
    deleted += (await tx.delete(sessions).where(inArray(sessions.userId, tenantUsers))).count;
    deleted += (await tx.delete(users).where(eq(users.tenantId, tenantId))).count;
    deleted += (await tx.delete(apiKeys).where(eq(apiKeys.tenantId, tenantId))).count;
    deleted += (await tx.delete(oauthStates).where(eq(oauthStates.tenantId, tenantId))).count;
    deleted += (await tx.delete(qboRefs).where(eq(qboRefs.tenantId, tenantId))).count;
    deleted += (await tx.delete(qboRefState).where(eq(qboRefState.tenantId, tenantId))).count;
    deleted += (await tx.delete(mappings).where(eq(mappings.tenantId, tenantId))).count;
    deleted += (await tx.delete(qboConnections).where(eq(qboConnections.tenantId, tenantId))).count;
    deleted += (await tx.delete(syncAttempts).where(eq(syncAttempts.tenantId, tenantId))).count;
    deleted += (await tx.delete(syncEvents).where(eq(syncEvents.tenantId, tenantId))).count;
    deleted += (await tx.delete(syncs).where(eq(syncs.tenantId, tenantId))).count;
    deleted += (await tx.delete(sourceRecords).where(eq(sourceRecords.tenantId, tenantId))).count;
    deleted += (await tx.delete(outbox).where(eq(outbox.tenantId, tenantId))).count;
    deleted += (await tx.delete(auditEvents).where(eq(auditEvents.tenantId, tenantId))).count;
    deleted += (await tx.delete(notificationDeliveries).where(eq(notificationDeliveries.tenantId, tenantId))).count;
    deleted += (await tx.delete(notifications).where(eq(notifications.tenantId, tenantId))).count;
    deleted += (await tx.delete(notificationRoutes).where(eq(notificationRoutes.tenantId, tenantId))).count;
    deleted += (await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId))).count;
    deleted += (await tx.delete(tenants).where(eq(tenants.id, tenantId))).count;
    return deleted;
  });
}
