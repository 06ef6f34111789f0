import { and, eq, ilike, lt, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { mappings, qboRefs, qboRefState, type QboRefRow } from '../schema.ts';
import type { MappingKind } from '../../domain/vocabulary.ts';

/** QuickBooks entity behind each mapping kind. */
export const KIND_ENTITY: Record<MappingKind, string> = {
  account: 'Account',
  tax_code: 'TaxCode',
  vendor: 'Vendor',
  customer: 'Customer',
  item: 'Item',
  payment_method: 'PaymentMethod',
  category: 'Class',
};
export const CACHED_ENTITIES = [...new Set(Object.values(KIND_ENTITY))];
/** Change data capture does not cover every list (TaxCode is read in full on each refresh instead). */
export const CDC_ENTITIES = CACHED_ENTITIES.filter((e) => e !== 'TaxCode');

export interface RefUpsert {
  entity: string;
  qboId: string;
  name: string;
  active: boolean;
  status: QboRefRow['status'];
  syncToken?: string | null;
  detail?: Record<string, unknown> | null;
  qboUpdatedAt?: Date | null;
}

export async function upsertRefs(db: Db, tenantId: string, rows: RefUpsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500).map((r) => ({ tenantId, ...r, syncToken: r.syncToken ?? null, detail: r.detail ?? null, qboUpdatedAt: r.qboUpdatedAt ?? null, refreshedAt: new Date() }));
    await db
      .insert(qboRefs)
      .values(chunk)
      .onConflictDoUpdate({
        target: [qboRefs.tenantId, qboRefs.entity, qboRefs.qboId],
        set: {
          // A deleted stub from CDC carries no name: keep the one we knew.
          name: sql`case when excluded.name = '' then ${qboRefs.name} else excluded.name end`,
          active: sql`excluded.active`,
          status: sql`excluded.status`,
          syncToken: sql`excluded.sync_token`,
          detail: sql`coalesce(excluded.detail, ${qboRefs.detail})`,
          qboUpdatedAt: sql`excluded.qbo_updated_at`,
          refreshedAt: sql`excluded.refreshed_at`,
        },
      });
  }
}

/**
 * Refs of a full load that QuickBooks no longer returned at all: gone (deleted or merged away). Only refs not
 * refreshed since the load began: an entity created meanwhile, which a concurrent load or CDC already cached, is
 * not "gone" because this load's pages were read before it existed (two overlapping loads marked a vendor synced a
 * moment earlier as deleted, and the records needing it blocked on a stale mapping).
 */
export async function markMissingRefsDeleted(db: Db, tenantId: string, entity: string, seenIds: string[], loadStartedAt: Date): Promise<number> {
  const rows = await db
    .update(qboRefs)
    .set({ status: 'deleted', active: false, refreshedAt: new Date() })
    .where(
      and(
        eq(qboRefs.tenantId, tenantId),
        eq(qboRefs.entity, entity),
        sql`${qboRefs.status} <> 'deleted'`,
        lt(qboRefs.refreshedAt, loadStartedAt),
        seenIds.length ? notInArray(qboRefs.qboId, seenIds) : undefined,
      ),
    )
    .returning({ id: qboRefs.qboId });
  return rows.length;
}

export async function searchRefs(db: Db, tenantId: string, entity: string, q: string, limit = 20): Promise<QboRefRow[]> {
  return db
    .select()
    .from(qboRefs)
    .where(and(eq(qboRefs.tenantId, tenantId), eq(qboRefs.entity, entity), eq(qboRefs.status, 'active'), q ? ilike(qboRefs.name, `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`) : sql`true`))
    .orderBy(qboRefs.name)
    .limit(limit);
}

export async function getRefState(db: Db, tenantId: string) {
  const [row] = await db.select().from(qboRefState).where(eq(qboRefState.tenantId, tenantId));
  return row;
}

export async function saveRefState(db: Db, tenantId: string, patch: Partial<typeof qboRefState.$inferInsert>): Promise<void> {
  await db
    .insert(qboRefState)
    .values({ tenantId, ...patch })
    .onConflictDoUpdate({ target: qboRefState.tenantId, set: patch });
}

/**
 * Compares mappings with the cache: a mapping whose QuickBooks entity is inactive or gone becomes stale (before a
 * write fails on it); a stale one whose entity is active again is restored. Returns both lists.
 */
export async function reconcileMappings(db: Db, tenantId: string): Promise<{ staled: Array<{ kind: string; key: string }>; restored: Array<{ kind: string; key: string }> }> {
  const rows = await db
    .select({ kind: mappings.kind, key: mappings.sourceKey, mstatus: mappings.status, qboId: mappings.qboId, rstatus: qboRefs.status, name: qboRefs.name, entity: qboRefs.entity })
    .from(mappings)
    .innerJoin(qboRefs, and(eq(qboRefs.tenantId, mappings.tenantId), eq(qboRefs.qboId, mappings.qboId)))
    .where(eq(mappings.tenantId, tenantId));
  const staled: Array<{ kind: string; key: string }> = [];
  const restored: Array<{ kind: string; key: string }> = [];
  for (const r of rows) {
    if (KIND_ENTITY[r.kind as MappingKind] !== r.entity) continue;
    if (r.rstatus !== 'active' && r.mstatus === 'active') {
      const reason = r.rstatus === 'deleted' ? `QuickBooks ${r.entity} "${r.name}" was deleted or merged` : `QuickBooks ${r.entity} "${r.name}" is inactive`;
      await db.update(mappings).set({ status: 'stale', staleReason: reason, updatedAt: new Date() }).where(and(eq(mappings.tenantId, tenantId), eq(mappings.kind, r.kind), eq(mappings.sourceKey, r.key)));
      staled.push({ kind: r.kind, key: r.key });
    } else if (r.rstatus === 'active' && r.mstatus === 'stale') {
      await db.update(mappings).set({ status: 'active', staleReason: null, updatedAt: new Date() }).where(and(eq(mappings.tenantId, tenantId), eq(mappings.kind, r.kind), eq(mappings.sourceKey, r.key)));
      restored.push({ kind: r.kind, key: r.key });
    }
  }
  return { staled, restored };
}
