import { Context } from '@temporalio/activity';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { findMappings } from '../db/queries/mappings.ts';
import { syncs } from '../db/schema.ts';
import type { AwraRecord } from '../domain/records.ts';
import { refKey, requiredReferences } from '../domain/required-mappings.ts';
import type { MappingCheck } from '../domain/sync.ts';
import { RECORD_TYPE_LABELS, type RecordType } from '../domain/vocabulary.ts';
import type { ResolvedRef } from '../qbo/mappers.ts';
import { resumeWaiting } from '../runtime/resume.ts';

export interface MappingActivityDeps {
  db: Db;
}

export interface MappingResult {
  checks: MappingCheck[];
  /** Resolved references keyed by refKey, for the payload mapper. */
  refs: Array<[string, ResolvedRef]>;
}

export function createMappingActivities({ db }: MappingActivityDeps) {
  return {
    /** Tells every record blocked on (kind, key) that it changed; run by the resumeWaitingOnMapping workflow. */
    async signalWaitingOnMapping(input: { tenantId: string; kind: string; key: string }): Promise<number> {
      return resumeWaiting(db, Context.current().client, input.tenantId, input.kind, input.key);
    },

    /**
     * Every reference the QuickBooks payload needs, resolved against the tenant's mappings. A referenced vendor,
     * customer or item that has not synced yet — or a payment's invoice — is a gap too.
     */
    async checkMappings(input: { tenantId: string; record: AwraRecord }): Promise<MappingResult> {
      const required = requiredReferences(input.record);
      const mapped = await findMappings(db, input.tenantId, required.filter((r) => r.kind !== 'invoice'));
      const dependencyKeys = required.filter((r) => ['vendor', 'customer', 'item', 'invoice'].includes(r.kind));
      const dependencies = dependencyKeys.length
        ? await db
            .select({ recordType: syncs.recordType, sourceId: syncs.sourceId, state: syncs.state, externalRef: syncs.externalRef, number: syncs.number })
            .from(syncs)
            .where(and(eq(syncs.tenantId, input.tenantId), inArray(syncs.sourceId, dependencyKeys.map((r) => r.key))))
        : [];
      const dependency = (type: string, key: string) => dependencies.find((d) => d.recordType === type && d.sourceId === key);

      const checks: MappingCheck[] = [];
      const refs: Array<[string, ResolvedRef]> = [];
      for (const r of required) {
        const base = { kind: r.kind, key: r.key, reason: r.reason };
        if (r.kind === 'invoice') {
          const inv = dependency('invoice', r.key);
          if (inv?.externalRef && (inv.state === 'synced' || inv.state === 'linked')) {
            checks.push({ ...base, ok: true, qboId: inv.externalRef.qboId });
            refs.push([refKey(r.kind, r.key), { qboId: inv.externalRef.qboId }]);
          } else {
            checks.push({ ...base, ok: false, problem: 'not_synced', reason: `${r.reason} Invoice ${inv?.number ?? r.key} has not synced to QuickBooks yet${inv ? ` (it is ${inv.state})` : ''}.` });
          }
          continue;
        }
        const m = mapped.get(refKey(r.kind, r.key));
        if (m && m.status === 'active') {
          checks.push({ ...base, ok: true, qboId: m.qboId, ...(m.qboName ? { qboName: m.qboName } : {}) });
          refs.push([refKey(r.kind, r.key), { qboId: m.qboId, ...(m.qboName ? { name: m.qboName } : {}) }]);
        } else if (m) {
          checks.push({ ...base, ok: false, problem: 'stale', qboId: m.qboId, reason: `${r.reason} The mapped QuickBooks entity ${m.qboName ?? m.qboId} is no longer usable (${m.staleReason ?? 'inactive'}).` });
        } else if (r.kind === 'vendor' || r.kind === 'customer' || r.kind === 'item') {
          const master = dependency(r.kind, r.key);
          const label = RECORD_TYPE_LABELS[r.kind as RecordType];
          checks.push(
            master
              ? { ...base, ok: false, problem: 'not_synced', reason: `${r.reason} ${label} ${master.number} has not synced to QuickBooks yet (it is ${master.state}); this record continues when it does.` }
              : { ...base, ok: false, problem: 'missing', reason: `${r.reason} ${label} ${r.key} is not mapped to QuickBooks and has not been sent by AWRA.` },
          );
        } else {
          checks.push({ ...base, ok: false, problem: 'missing' });
        }
      }
      return { checks, refs };
    },
  };
}
