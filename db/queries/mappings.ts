import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { mappings, syncs, type MappingRow } from '../schema.ts';
import type { MappingKind } from '../../domain/vocabulary.ts';

export async function listMappings(db: Db, tenantId: string, kind?: MappingKind): Promise<MappingRow[]> {
  return db
    .select()
    .from(mappings)
    .where(kind ? and(eq(mappings.tenantId, tenantId), eq(mappings.kind, kind)) : eq(mappings.tenantId, tenantId));
}

/** The mappings of these (kind, key) pairs, keyed `kind:key`. */
export async function findMappings(db: Db, tenantId: string, refs: ReadonlyArray<{ kind: string; key: string }>): Promise<Map<string, MappingRow>> {
  if (refs.length === 0) return new Map();
  const rows = await db
    .select()
    .from(mappings)
    .where(and(eq(mappings.tenantId, tenantId), or(...refs.map((r) => and(eq(mappings.kind, r.kind), eq(mappings.sourceKey, r.key))))));
  return new Map(rows.map((r) => [`${r.kind}:${r.sourceKey}`, r]));
}

export async function upsertMapping(
  db: DbOrTx,
  m: { tenantId: string; kind: MappingKind; sourceKey: string; qboId: string; qboName?: string | null; updatedBy: string },
): Promise<void> {
  const values = { ...m, qboName: m.qboName ?? null, status: 'active' as const, staleReason: null, updatedAt: new Date() };
  const { tenantId: _t, kind: _k, sourceKey: _s, ...update } = values;
  await db.insert(mappings).values(values).onConflictDoUpdate({ target: [mappings.tenantId, mappings.kind, mappings.sourceKey], set: update });
}

export async function markMappingStale(db: Db, tenantId: string, kind: string, qboId: string, reason: string): Promise<number> {
  const rows = await db
    .update(mappings)
    .set({ status: 'stale', staleReason: reason, updatedAt: new Date() })
    .where(and(eq(mappings.tenantId, tenantId), eq(mappings.kind, kind), eq(mappings.qboId, qboId)))
    .returning({ key: mappings.sourceKey });
  return rows.length;
}

export async function deleteMapping(db: DbOrTx, tenantId: string, kind: string, sourceKey: string): Promise<boolean> {
  const rows = await db
    .delete(mappings)
    .where(and(eq(mappings.tenantId, tenantId), eq(mappings.kind, kind), eq(mappings.sourceKey, sourceKey)))
    .returning({ key: mappings.sourceKey });
  return rows.length > 0;
}

/**
 * Workflows of records blocked on this reference (and only those), found through the projection's mapping
 * checks, so a fix can resume exactly them.
 */
export async function workflowsWaitingOn(db: Db, tenantId: string, kind: string, key: string): Promise<string[]> {
  const needle = JSON.stringify([{ kind, key, ok: false }]);
  const rows = await db
    .select({ workflowId: syncs.workflowId })
    .from(syncs)
    .where(
      and(
        eq(syncs.tenantId, tenantId),
        inArray(syncs.state, ['blocked', 'checking_mappings']),
        sql`${syncs.mappings} @> ${needle}::jsonb`,
      ),
    );
  return rows.map((r) => r.workflowId);
}
