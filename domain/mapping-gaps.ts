import type { RequiredRef } from './required-mappings.ts';
import { refKey } from './required-mappings.ts';
import type { ExternalRef, MappingCheck } from './sync.ts';
import { RECORD_TYPE_LABELS, type RecordType } from './vocabulary.ts';

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

/** A record this one depends on (a vendor, customer, item, or a payment's invoice), as its projection shows it. */
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

/** The reference kinds that are themselves records AWRA sends, so "not mapped" may just mean "not synced yet". */
export const DEPENDENCY_KINDS: ReadonlySet<string> = new Set(['vendor', 'customer', 'item', 'invoice']);

/**
 * Every reference a record's QuickBooks payload needs, resolved against the tenant's mappings and the records it
 * depends on: what is usable, and for each gap what is wrong in a sentence a finance clerk can act on — missing,
 * mapped to an entity QuickBooks no longer accepts (stale), or a master record / invoice that has not synced yet.
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
}

/** "Map this reference to QuickBooks: …" — what a record blocked on these gaps asks for. */
export function mappingGapsSentence(gaps: readonly MappingCheck[]): string {
  return `Map ${gaps.length === 1 ? 'this reference' : `these ${gaps.length} references`} to QuickBooks: ${gaps.map((g) => g.reason).join(' ')}`;
}
