/**
 * The shared vocabulary of the product (DESIGN.md §4). These exact strings appear in the JSON API, the console,
 * the Postgres projection and the Temporal search attributes.
 */

export const RECORD_TYPES = [
  'vendor',
  'customer',
  'item',
  'purchase_order',
  'bill',
  'invoice',
  'payment',
  'bill_payment',
  'credit_note',
  'vendor_credit',
  'refund',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const MASTER_RECORD_TYPES = ['vendor', 'customer', 'item'] as const satisfies readonly RecordType[];
export type MasterRecordType = (typeof MASTER_RECORD_TYPES)[number];

export function isMasterRecordType(t: RecordType): t is MasterRecordType {
  return (MASTER_RECORD_TYPES as readonly RecordType[]).includes(t);
}

export const RECORD_STATUSES = ['draft', 'submitted', 'approved', 'posted', 'void'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export const SYNC_STATES = [
  'queued',
  'validating',
  'checking_mappings',
  'checking_duplicates',
  'syncing',
  'retrying',
  'blocked',
  'synced',
  'linked',
  'cancelled',
] as const;
export type SyncState = (typeof SYNC_STATES)[number];

export const TERMINAL_STATES = ['synced', 'linked', 'cancelled'] as const satisfies readonly SyncState[];
export function isTerminalState(s: SyncState): boolean {
  return (TERMINAL_STATES as readonly SyncState[]).includes(s);
}

export const FAILURE_CLASSES = [
  'source_data',
  'mapping',
  'authorization',
  'duplicate_risk',
  'provider_rejection',
  'throttled',
  'transient',
  'outcome_uncertain',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export const OWNERS = ['finance', 'admin', 'system'] as const;
export type Owner = (typeof OWNERS)[number];

export const MAPPING_KINDS = [
  'account',
  'tax_code',
  'customer',
  'vendor',
  'item',
  'payment_method',
  'category',
] as const;
export type MappingKind = (typeof MAPPING_KINDS)[number];

/** How a customer pays (a `payment`'s `method`). */
export const PAYMENT_METHODS = ['paystack', 'mpesa', 'bank_transfer', 'cash', 'card'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** How a bill is paid (a `bill_payment`'s `method`): no Paystack, but cheques. */
export const BILL_PAYMENT_METHODS = ['bank_transfer', 'mpesa', 'cheque', 'card', 'cash'] as const;
export type BillPaymentMethod = (typeof BILL_PAYMENT_METHODS)[number];

/**
 * Every method AWRA names, each a `payment_method` mapping key. A refund goes back by any of them, since the
 * contract leaves its `method` open.
 */
export const ALL_PAYMENT_METHODS = ['paystack', 'mpesa', 'bank_transfer', 'cash', 'card', 'cheque'] as const satisfies readonly (
  | PaymentMethod
  | BillPaymentMethod
)[];
export type AnyPaymentMethod = (typeof ALL_PAYMENT_METHODS)[number];

/** Who owns the next step for a failure class (DESIGN.md §3). */
export function ownerForFailureClass(c: FailureClass): Owner {
  switch (c) {
    case 'source_data':
    case 'duplicate_risk':
    case 'provider_rejection':
      return 'finance';
    case 'mapping':
    case 'authorization':
      return 'admin';
    case 'throttled':
    case 'transient':
    case 'outcome_uncertain':
      return 'system';
  }
}

/** Human labels, used by the console and in messages. */
export const RECORD_TYPE_LABELS: Record<RecordType, string> = {
  vendor: 'Vendor',
  customer: 'Customer',
  item: 'Item',
  purchase_order: 'Purchase order',
  bill: 'Bill',
  invoice: 'Invoice',
  payment: 'Payment',
  bill_payment: 'Bill payment',
  credit_note: 'Credit note',
  vendor_credit: 'Vendor credit',
  refund: 'Refund',
};

export const FAILURE_CLASS_LABELS: Record<FailureClass, string> = {
  source_data: 'Source data needs correction',
  mapping: 'Missing or stale mapping',
  authorization: 'QuickBooks connection needs attention',
  duplicate_risk: 'May already exist in QuickBooks',
  provider_rejection: 'Rejected by QuickBooks',
  throttled: 'QuickBooks rate limit, retrying',
  transient: 'Temporary provider or network error, retrying',
  outcome_uncertain: 'Outcome unknown, checking QuickBooks before retrying',
};

export const MAPPING_KIND_LABELS: Record<MappingKind, string> = {
  account: 'Accounts',
  tax_code: 'Tax codes',
  customer: 'Customers',
  vendor: 'Vendors',
  item: 'Items',
  payment_method: 'Payment methods',
  category: 'Categories',
};
