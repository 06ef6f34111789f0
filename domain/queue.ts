import type { MoneyTotal } from './mapping-health.ts';
import { formatMoney } from './money.ts';
import { FAILURE_CLASS_LABELS, RECORD_TYPE_LABELS, type FailureClass, type RecordType } from './vocabulary.ts';

/**
 * The action queue groups blocked records by root cause: one missing mapping that holds twelve purchase orders is
 * one thing to fix, not twelve. A root cause is
 * - `mapping`: one (kind, key) reference without a usable QuickBooks mapping (a record with two gaps is in two groups);
 * - `check`: one failed readiness check, by its id;
 * - `class`: otherwise the failure class with QuickBooks' error code (or HTTP status) of the last attempt;
 * - `drift`: the record's QuickBooks entity was deleted, voided or changed there after the sync (by kind), whether
 *   the record is synced (no failure class) or holds a newer AWRA version for the decision.
 * Every root cause belongs to one tenant, because mappings and QuickBooks companies do.
 */
export type RootCauseKind = 'mapping' | 'check' | 'class' | 'drift';

export interface RootCause {
  tenantId: string;
  cause: RootCauseKind;
  /** Mapping kind (or the dependency kind `invoice`, `bill`, `purchase_order`) of a mapping gap. */
  refKind: string | null;
  /** AWRA key of a mapping gap. */
  refKey: string | null;
  /** Mapping problem (missing | stale | not_synced), readiness check id, QuickBooks code / "HTTP 503", or drift kind. */
  code: string | null;
  /** Null only for drift on a synced record. */
  failureClass: FailureClass | null;
}

export interface RootCauseBreakdown {
  recordType: RecordType;
  records: number;
}

/** Singular names of the references a record can be missing. */
export const REF_KIND_NAMES: Record<string, string> = {
  account: 'Account',
  tax_code: 'Tax code',
  customer: 'Customer',
  vendor: 'Vendor',
  item: 'Item',
  payment_method: 'Payment method',
  category: 'Category',
  invoice: 'Invoice',
  bill: 'Bill',
  purchase_order: 'Purchase order',
};

/** "Item itm-legacy has no QuickBooks mapping", phrased for a finance clerk. */
export function rootCauseTitle(rc: RootCause, checkLabel?: string | null): string {
  switch (rc.cause) {
    case 'mapping': {
      const what = `${REF_KIND_NAMES[rc.refKind ?? ''] ?? 'Reference'} ${rc.refKey ?? ''}`.trim();
      if (rc.code === 'stale') return `${what} is mapped to a QuickBooks entity that is no longer usable`;
      if (rc.code === 'not_synced') return `${what} has not synced to QuickBooks yet`;
      return `${what} has no QuickBooks mapping`;
    }
    case 'check':
      return `Readiness check failed: ${checkLabel ?? rc.code ?? 'unknown check'}`;
    case 'drift': {
      const kind = rc.code === 'deleted' || rc.code === 'voided' ? ` (${rc.code} there)` : '';
      return `Changed in QuickBooks after sync${kind}${rc.failureClass ? ': a newer AWRA version waits for the decision' : ''}`;
    }
    case 'class': {
      if (rc.failureClass === 'authorization') return `The QuickBooks connection of ${rc.tenantId} needs attention`;
      const code = rc.code ? (rc.code.startsWith('HTTP') ? ` (${rc.code})` : ` (QuickBooks error ${rc.code})`) : '';
      return `${rc.failureClass ? FAILURE_CLASS_LABELS[rc.failureClass] : 'Unknown cause'}${code}`;
    }
  }
}

function countOf(n: number, type: RecordType): string {
  const singular = RECORD_TYPE_LABELS[type].toLowerCase();
  return `${n} ${n === 1 ? singular : `${singular}s`}`;
}

/** "blocks 12 purchase orders, KES 480,000.00" or "blocks 3 records (2 bills, 1 purchase order), KES 12.00". */
export function blastRadius(breakdown: readonly RootCauseBreakdown[], amounts: readonly MoneyTotal[]): string {
  const total = breakdown.reduce((s, b) => s + b.records, 0);
  const types = [...breakdown].sort((a, b) => b.records - a.records);
  const who =
    types.length === 1 ? countOf(types[0]!.records, types[0]!.recordType)
    : `${total} ${total === 1 ? 'record' : 'records'} (${types.map((t) => countOf(t.records, t.recordType)).join(', ')})`;
  const money = amounts.filter((a) => a.amountMinor !== 0).map((a) => formatMoney(a.amountMinor, a.currency));
  return `blocks ${who}${money.length ? `, ${money.join(' + ')}` : ''}`;
}

export function rootCauseHeadline(rc: RootCause, breakdown: readonly RootCauseBreakdown[], amounts: readonly MoneyTotal[], checkLabel?: string | null): string {
  return `${rootCauseTitle(rc, checkLabel)} — ${blastRadius(breakdown, amounts)}`;
}
