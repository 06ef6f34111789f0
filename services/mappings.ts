import { writeAudit } from '../db/queries/audit.ts';
import { upsertMapping } from '../db/queries/mappings.ts';
import { actorOf, type Principal } from '../domain/principal.ts';
import type { MappingKind } from '../domain/vocabulary.ts';
import { enqueueMappingChanged, resumeAfterMapping, type DeliveryDeps } from './outbox.ts';

/**
 * Sets a mapping for a person or an API key (the API and the console both call this). The mapping, its audit row and
 * the note to tell the records waiting on it (an outbox row) stand or fall together: a mapping nobody can account
 * for is never saved, and a Temporal outage only delays the telling. The records are told in the background by a
 * workflow (10,000 waiting records took minutes to signal inside a request).
 */
export async function setMapping(
  deps: DeliveryDeps,
  principal: Principal,
  m: { tenantId: string; kind: MappingKind; sourceKey: string; qboId: string; qboName: string | null; detail: Record<string, unknown> },
): Promise<{ resumed: number; delivery: 'delivered' | 'pending' }> {
  const actor = actorOf(principal);
  const row = await deps.db.transaction(async (tx) => {
    await upsertMapping(tx, { tenantId: m.tenantId, kind: m.kind, sourceKey: m.sourceKey, qboId: m.qboId, qboName: m.qboName, updatedBy: actor });
    await writeAudit(tx, { tenantId: m.tenantId, actor, action: 'mapping.set', target: `${m.kind}:${m.sourceKey}`, detail: m.detail });
    return enqueueMappingChanged(tx, { tenantId: m.tenantId, kind: m.kind, key: m.sourceKey });
  });
  return resumeAfterMapping(deps, row);
}
