import type { RequiredRef } from './required-mappings.ts';
import { TXN_DEPENDENCY_KINDS, isTxnDependencyKind, refKey } from './required-mappings.ts';
import type { ExternalRef, MappingCheck } from './sync.ts';
import { MASTER_RECORD_TYPES, RECORD_TYPE_LABELS, isMasterRecordType, type RecordType } from './vocabulary.ts';

/** A mapping resolved to a QuickBooks entity; `name` is informational (QBO only reads `value`). */
export interface ResolvedRef {
  qboId: string;
  name?: string;
}

/** The tenant's mapping of one (kind, key), as far as the rule needs it. */
export interface KnownMapping {
  qboId: string;
  qboName: string | null;
  status: string;
  staleReason: string | null;
}

/**
 * A record this one depends on (a vendor, customer or item; an invoice, bill or purchase order it refers to), as its
 * projection shows it.
 */
export interface DependencyState {
  recordType: string;
  sourceId: string;
  state: string;
  number: string;
  externalRef: ExternalRef | null;
}

export interface MappingResult {
  checks: MappingCheck[];
  /** Resolved references keyed by refKey, for the payload mapper. */
  refs: Array<[string, ResolvedRef]>;
}

/**
 * The reference kinds that are themselves records AWRA sends, so "not mapped" may just mean "not synced yet". The
 * kind is the record type of the dependency.
 */
export const DEPENDENCY_KINDS: ReadonlySet<string> = new Set<string>([...MASTER_RECORD_TYPES, ...TXN_DEPENDENCY_KINDS]);

/**
 * Every reference a record's QuickBooks payload needs, resolved against the tenant's mappings and the records it
 * depends on: what is usable, and for each gap what is wrong in a sentence a finance clerk can act on — missing,
 * mapped to an entity QuickBooks no longer accepts (stale), or a master record or transaction that has not synced yet.
 * A transaction dependency (invoice, bill, purchase order) has no mapping: it is usable once it is synced or linked,
 * by the QuickBooks id it became.
 */
export function resolveMappings(
  required: readonly RequiredRef[],
  mapped: ReadonlyMap<string, KnownMapping>,
  dependencies: readonly DependencyState[],
): MappingResult {
  const dependency = (type: string, key: string) => dependencies.find((d) => d.recordType === type && d.sourceId === key);
  const checks: MappingCheck[] = [];
  const refs: Array<[string, ResolvedRef]> = [];
  for (const r of required) {
    const base = { kind: r.kind, key: r.key, reason: r.reason };
    if (isTxnDependencyKind(r.kind)) {
      const txn = dependency(r.kind, r.key);
      if (txn?.externalRef && (txn.state === 'synced' || txn.state === 'linked')) {
        checks.push({ ...base, ok: true, qboId: txn.externalRef.qboId });
        refs.push([refKey(r.kind, r.key), { qboId: txn.externalRef.qboId }]);
      } else {
        const label = RECORD_TYPE_LABELS[r.kind];
        checks.push({ ...base, ok: false, problem: 'not_synced', reason: `${r.reason} ${label} ${txn?.number ?? r.key} has not synced to QuickBooks yet${txn ? ` (it is ${txn.state})` : ''}.` });
      }
      continue;
    }
    const m = mapped.get(refKey(r.kind, r.key));
    if (m && m.status === 'active') {
      checks.push({ ...base, ok: true, qboId: m.qboId, ...(m.qboName ? { qboName: m.qboName } : {}) });
      refs.push([refKey(r.kind, r.key), { qboId: m.qboId, ...(m.qboName ? { name: m.qboName } : {}) }]);
    } else if (m) {
      checks.push({ ...base, ok: false, problem: 'stale', qboId: m.qboId, reason: `${r.reason} The mapped QuickBooks entity ${m.qboName ?? m.qboId} is no longer usable (${m.staleReason ?? 'inactive'}).` });
    } else if (isMasterRecordType(r.kind as RecordType)) {
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
}

/** "Map this reference to QuickBooks: …" — what a record blocked on these gaps asks for. */
export function mappingGapsSentence(gaps: readonly MappingCheck[]): string {
  return `Map ${gaps.length === 1 ? 'this reference' : `these ${gaps.length} references`} to QuickBooks: ${gaps.map((g) => g.reason).join(' ')}`;
}
