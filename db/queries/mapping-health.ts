import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { syncAttempts, syncs } from '../schema.ts';
import { computeMappingHealth, type MappingFacts, type MappingKindHealth, type MoneyTotal } from '../../domain/mapping-health.ts';
import { formatMoney } from '../../domain/money.ts';
import { MAPPING_KIND_LABELS, MAPPING_KINDS, type MappingKind } from '../../domain/vocabulary.ts';
import { listMappings } from './mappings.ts';

const isKind = (k: string): k is MappingKind => (MAPPING_KINDS as readonly string[]).includes(k);

/** Gathers the facts mapping health needs (indexed reads of the projection and the latest record versions). */
export async function mappingFacts(db: Db, tenantId: string): Promise<MappingFacts> {
  const usedRows = await db.execute<{ kind: string; key: string; used_by: number }>(sql`
    with latest as (
      select distinct on (record_type, source_id) record_type, source_id, status, refs
      from source_records where tenant_id = ${tenantId}
      order by record_type, source_id, version desc
    ),
    live as (select * from latest where status <> 'void'),
    refs as (
      select r->>'kind' as kind, r->>'key' as key from live, jsonb_array_elements(live.refs) r
      union all
      select record_type, source_id from live where record_type in ('vendor', 'customer', 'item')
    )
    select kind, key, count(*)::int as used_by from refs group by kind, key`);
  const used = [...usedRows].filter((r) => isKind(r.kind)).map((r) => ({ kind: r.kind as MappingKind, key: r.key, usedBy: Number(r.used_by) }));

  const mappingRows = await listMappings(db, tenantId);
  const mappings = mappingRows.filter((m) => isKind(m.kind)).map((m) => ({ kind: m.kind as MappingKind, key: m.sourceKey, status: m.status, staleReason: m.staleReason, qboName: m.qboName }));

  const blocked = await db
    .select({ mappings: syncs.mappings, currency: syncs.currency, amountMinor: syncs.amountMinor })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'blocked'), eq(syncs.failureClass, 'mapping')));
  const held = new Map<string, { kind: MappingKind; key: string; records: number; amounts: Map<string, number> }>();
  for (const row of blocked) {
    for (const m of row.mappings) {
      if (m.ok || !isKind(m.kind)) continue;
      const id = `${m.kind}:${m.key}`;
      const h = held.get(id) ?? { kind: m.kind, key: m.key, records: 0, amounts: new Map<string, number>() };
      h.records += 1;
      if (row.currency && row.amountMinor) h.amounts.set(row.currency, (h.amounts.get(row.currency) ?? 0) + row.amountMinor);
      held.set(id, h);
    }
  }

  const conflictRows = await db
    .select({
      recordType: syncs.recordType,
      sourceId: syncs.sourceId,
      number: syncs.number,
      fromProvider: sql<boolean>`exists (select 1 from ${syncAttempts} a where a.workflow_id = ${syncs.workflowId} and a.code in ('6240', '6140'))`,
    })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'blocked'), eq(syncs.failureClass, 'duplicate_risk'), inArray(syncs.recordType, ['vendor', 'customer', 'item'])));
  return {
    used,
    mappings,
    held: [...held.values()].map((h) => ({ kind: h.kind, key: h.key, records: h.records, amounts: [...h.amounts].map(([currency, amountMinor]) => ({ currency, amountMinor })) })),
    conflicts: conflictRows.map((r) => ({
      kind: r.recordType as MappingKind,
      key: r.sourceId,
      label: r.number,
      fromProvider: Boolean(r.fromProvider),
    })),
  };
}

const formatAmounts = (amounts: MoneyTotal[]) => amounts.map((a) => formatMoney(a.amountMinor, a.currency)).join(' + ');

/** Mapping health per kind for a tenant (console and `GET /api/v1/mappings/health`). */
export async function getMappingHealth(db: Db, tenantId: string): Promise<MappingKindHealth[]> {
  return computeMappingHealth(await mappingFacts(db, tenantId), MAPPING_KINDS, MAPPING_KIND_LABELS, formatAmounts);
}
