import { snapshotOf } from './drift.ts';
import type { AwraRecord } from './records.ts';
import type { DuplicateCandidate, ExternalRef } from './sync.ts';

/**
 * Duplicate risk (DESIGN.md §3 step 3): which QuickBooks entities found by DocNumber / name are this record from an
 * earlier attempt (ours: adopt it), and how the others read as candidates for a person to decide on.
 */

/** A QuickBooks entity as a query returns it. */
export type QboRow = Record<string, unknown>;

/** Does this QuickBooks entity carry our own audit note (or, for items, our SKU)? Then we created it. */
export function isOurs(record: AwraRecord, e: QboRow): boolean {
  if (record.recordType === 'item') return e.Sku === record.data.sku;
  const note = String(e.PrivateNote ?? e.Notes ?? '');
  return note.includes(`(src ${record.sourceId} v`);
}

/** The reference to a QuickBooks entity this record became, was found to be, or was linked to. */
export function externalRefFrom(entity: string, e: QboRow, url?: string): ExternalRef {
  const docNumber = e.DocNumber as string | undefined;
  const sent = snapshotOf(entity, e);
  return {
    entity,
    qboId: String(e.Id),
    ...(e.SyncToken !== undefined ? { syncToken: String(e.SyncToken) } : {}),
    ...(docNumber ? { docNumber } : {}),
    ...(url ? { url } : {}),
    ...(sent ? { sent } : {}),
  };
}

/** "Bill · #B-1 · Acme · total 120.00 · dated 2026-11-30": an entity as a person recognises it. */
export function candidateLabel(entity: string, e: QboRow): string {
  const name = (e.DisplayName ?? e.Name ?? (e.VendorRef as { name?: string } | undefined)?.name ?? (e.CustomerRef as { name?: string } | undefined)?.name) as string | undefined;
  const doc = e.DocNumber ?? e.PaymentRefNum;
  return [entity, doc && `#${String(doc)}`, name, e.TotalAmt !== undefined && `total ${String(e.TotalAmt)}`, e.TxnDate && `dated ${String(e.TxnDate)}`]
    .filter(Boolean)
    .join(' · ');
}

/** An entity QuickBooks already has that may be this record. */
export function queryCandidate(entity: string, e: QboRow): DuplicateCandidate {
  return {
    entity,
    qboId: String(e.Id),
    label: candidateLabel(entity, e),
    ...(e.DocNumber ? { docNumber: String(e.DocNumber) } : {}),
    ...(e.TotalAmt !== undefined ? { amount: String(e.TotalAmt) } : {}),
    ...(e.TxnDate ? { txnDate: String(e.TxnDate) } : {}),
    source: 'qbo_query',
  };
}

/** An earlier push of ours whose answer was lost and that no query found: the entity may still appear. */
export function uncertainAttemptCandidate(entity: string, attempt: { requestId: string; startedAt: Date }): DuplicateCandidate {
  return {
    entity,
    qboId: '',
    label: `An earlier attempt (${attempt.requestId}, ${attempt.startedAt.toISOString()}) got no clear answer from QuickBooks and nothing matching was found; it may still appear.`,
    source: 'attempt_ledger',
  };
}
