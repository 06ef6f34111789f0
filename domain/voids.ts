import type { ExternalRef } from './sync.ts';
import type { RecordType } from './vocabulary.ts';

/**
 * What a record voided in AWRA after it synced becomes in QuickBooks (DESIGN.md §8 "void"): transactions QuickBooks
 * can void are voided (kept with zero amounts), bills and vendor credits — which QuickBooks cannot void — are deleted,
 * and a purchase order is closed. Master records (vendors, customers, items) are not changed: QuickBooks keeps them
 * for the transactions that use them.
 */
export type VoidOperation = 'void' | 'delete' | 'close';

const OPERATIONS: Partial<Record<RecordType, VoidOperation>> = {
  invoice: 'void',
  payment: 'void',
  bill_payment: 'void',
  credit_note: 'void',
  refund: 'void',
  bill: 'delete',
  vendor_credit: 'delete',
  purchase_order: 'close',
};

export function voidOperationFor(recordType: RecordType): VoidOperation | undefined {
  return OPERATIONS[recordType];
}

/** "voided", "deleted", "closed": what was done in QuickBooks, in a sentence. */
export const VOID_DONE: Record<VoidOperation, 'voided' | 'deleted' | 'closed'> = { void: 'voided', delete: 'deleted', close: 'closed' };

/**
 * What AWRA's void of a synced record still has to change in QuickBooks, in order. An applied credit note's
 * application Payment goes first, so the invoices it settled are open again before the CreditMemo that funded it is
 * voided; then the entity itself. A step already done (after a refusal and a retry) is not repeated.
 */
export type VoidStep = 'application' | 'entity';

export function voidSteps(ref: ExternalRef): VoidStep[] {
  return [...(ref.application && !ref.application.voided ? (['application'] as const) : []), ...(ref.voided ? [] : (['entity'] as const))];
}
