import type { AwraRecord } from './records.ts';
import type { CreditApplicationRef, ExternalRef } from './sync.ts';

/**
 * A credit note applied to invoices (DESIGN.md §8 `appliedTo`): QuickBooks keeps the CreditMemo and its application
 * apart — the application is a Payment of zero that links the invoices and the CreditMemo (qbo/mappers.ts
 * `creditApplicationPayload`). These are the rules of when a credit note still owes that Payment and which Payment
 * in QuickBooks is ours. Pure, so the workflow may use them.
 */

/** A QuickBooks entity as a query returns it. */
type QboRow = Record<string, unknown>;

/** The invoices AWRA applied this record to, when it is a credit note; none for anything else. */
export function creditApplications(record: AwraRecord): Array<{ invoiceId: string; amount: number }> {
  return record.recordType === 'credit_note' ? (record.data.appliedTo ?? []) : [];
}

/**
 * Whether the record's CreditMemo (`ref`) is in QuickBooks but its application to invoices is not: a credit note with
 * invoices to apply to, not voided, and no application Payment yet.
 */
export function owesCreditApplication(record: AwraRecord, ref: ExternalRef | null | undefined): boolean {
  return !!ref && ref.entity === 'CreditMemo' && !ref.voided && !ref.application && creditApplications(record).length > 0;
}

/**
 * A newer version of a credit note updates its CreditMemo; the Payment that applied it stays what it was, so the
 * reference QuickBooks answered the update with keeps it.
 */
export function keepApplication(ref: ExternalRef, earlier: ExternalRef | null | undefined): ExternalRef {
  return earlier?.application && !ref.application ? { ...ref, application: earlier.application } : ref;
}

/**
 * Is this QuickBooks Payment the application of credit memo `creditMemoId` that we made for this record? It carries
 * our audit note (any version of the record: a corrected version may apply what an earlier one could not) and a
 * line that takes credit from that CreditMemo. A Payment a person made by hand lacks the note, so it is never
 * adopted (or voided later) as ours.
 */
export function isOurCreditApplication(record: AwraRecord, creditMemoId: string, e: QboRow): boolean {
  const note = String(e.PrivateNote ?? '');
  if (!note.includes(`(src ${record.sourceId} v`)) return false;
  const lines = Array.isArray(e.Line) ? (e.Line as Array<{ LinkedTxn?: unknown }>) : [];
  return lines.some(
    (l) => Array.isArray(l.LinkedTxn) && (l.LinkedTxn as Array<{ TxnId?: unknown; TxnType?: unknown }>).some((t) => t.TxnType === 'CreditMemo' && String(t.TxnId) === creditMemoId),
  );
}

/** The reference to an application Payment, as QuickBooks returned it. */
export function applicationRefFrom(e: QboRow, url?: string): CreditApplicationRef {
  return {
    entity: 'Payment',
    qboId: String(e.Id),
    ...(e.SyncToken !== undefined ? { syncToken: String(e.SyncToken) } : {}),
    ...(url ? { url } : {}),
  };
}

/** "invoice INV-1", "invoices INV-1 and INV-2", "invoices INV-1, INV-2 and INV-3": the invoices in a sentence. */
export function invoiceList(numbers: readonly string[]): string {
  if (numbers.length === 0) return 'its invoices';
  if (numbers.length === 1) return `invoice ${numbers[0]}`;
  return `invoices ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
}
