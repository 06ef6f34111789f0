import { z } from 'zod';
import { textField } from './text-schema.ts';
import { ALL_PAYMENT_METHODS, BILL_PAYMENT_METHODS, PAYMENT_METHODS, RECORD_STATUSES, RECORD_TYPES } from './vocabulary.ts';

/**
 * The AWRA record format (DESIGN.md §8), as a contract. Intake rejects what does not have this shape (400);
 * business rules that a clerk can fix (approval, totals, dates) are readiness checks instead, so such a record is
 * stored and shown as blocked with an explanation rather than refused.
 */

const MAX_MINOR = 10n ** 15n;

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a real calendar date');

export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code such as KES or USD');

/** Integer minor units (cents, etc.). Bounded so that it never loses precision as a JS number. */
export const minorUnits = z
  .number({ error: 'must be a number in minor units (e.g. cents)' })
  .int('must be a whole number of minor units (e.g. 1050 for 10.50)')
  .refine((n) => BigInt(Math.abs(n)) < MAX_MINOR, 'is too large');

/**
 * Home-currency units per one unit of the record's currency (DESIGN.md §8), as a decimal string: "129.5" KES per USD.
 * At most 15 significant digits, so QuickBooks receives it as a JSON number exactly. Whether a record needs one, and
 * that it is above zero, are readiness checks: both depend on the QuickBooks company.
 */
export const exchangeRate = z
  .string({ error: 'must be a decimal string such as "129.5" (home-currency units per one unit of currency)' })
  .regex(/^\d{1,12}(\.\d{1,15})?$/, 'must be a decimal string such as "129.5" (home-currency units per one unit of currency)')
  .refine((s) => s.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length <= 15, 'has more than 15 significant digits');

const quantity = z.number().finite().refine((n) => Math.abs(n) < 1e12, 'is too large');

// Ids and texts follow the shared text rule (domain/text.ts): no control characters (NUL above all, which Postgres
// cannot store), no unpaired surrogates, trimmed, bounded. Only a line's description is free text with line breaks.
const idString = (what: string) =>
  textField({ label: what, max: 100, required: `${what} is required` }).regex(/^[^\s]+$/, `${what} must not contain spaces`);

const text = (what: string, max: number, opts: { required?: boolean; multiline?: boolean } = {}) =>
  textField({ label: what, max, ...(opts.required ? { required: `${what} is required` } : {}), ...(opts.multiline ? { multiline: true } : {}) });

export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 lower-case letters, digits, "-" or "_"');

/** What a vendor and a customer both are: a named, contactable party trading in one currency. */
const party = {
  displayName: text('displayName', 100, { required: true }),
  currency: currencyCode,
  active: z.boolean(),
  email: z.email('must be an e-mail address').max(100).optional(),
  phone: text('phone', 30).optional(),
};

const vendorData = z.strictObject({ ...party, taxNumber: text('taxNumber', 30).optional() });

const customerData = z.strictObject(party);

const itemData = z.strictObject({
  sku: text('sku', 100, { required: true }),
  name: text('name', 100, { required: true }),
  kind: z.enum(['inventory', 'service', 'non_inventory']),
  unitPrice: minorUnits,
  incomeAccount: idString('incomeAccount'),
  expenseAccount: idString('expenseAccount'),
  assetAccount: idString('assetAccount').optional(),
  qtyOnHand: quantity.optional(),
  inventoryStartDate: isoDate.optional(),
  taxCategory: idString('taxCategory').optional(),
  active: z.boolean().optional(),
  currency: currencyCode.optional(),
});

const itemLine = z.strictObject({
  itemId: idString('itemId'),
  description: text('description', 4000, { multiline: true }).optional(),
  qty: quantity,
  unitPrice: minorUnits,
  amount: minorUnits,
  taxCategory: idString('taxCategory'),
  category: idString('category').optional(),
});

const lineList = <L extends z.ZodType>(line: L) => z.array(line).min(1, 'needs at least one line').max(500, 'at most 500 lines');

/** What every transaction carries about its money: the currency and, for a foreign one, the rate to the home currency. */
const txnCurrency = {
  currency: currencyCode,
  exchangeRate: exchangeRate.optional(),
};

const purchaseOrderData = z.strictObject({
  vendorId: idString('vendorId'),
  txnDate: isoDate,
  ...txnCurrency,
  branch: idString('branch').optional(),
  total: minorUnits,
  lines: lineList(itemLine),
});

/** A purchase line (bill, vendor credit): an item or an expense account, never both. */
const expenseLine = (what: string) =>
  z
    .strictObject({
      itemId: idString('itemId').optional(),
      expenseAccount: idString('expenseAccount').optional(),
      description: text('description', 4000, { multiline: true }).optional(),
      qty: quantity.optional(),
      unitPrice: minorUnits.optional(),
      amount: minorUnits,
      taxCategory: idString('taxCategory'),
      category: idString('category').optional(),
    })
    .refine((l) => Boolean(l.itemId) !== Boolean(l.expenseAccount), {
      message: `a ${what} line needs exactly one of itemId or expenseAccount`,
      path: ['itemId'],
    });

const billLine = expenseLine('bill');

/** What a document whose lines make its total carries after its dates: its currency, the total and the branch. */
const documentTotals = {
  ...txnCurrency,
  total: minorUnits,
  branch: idString('branch').optional(),
};

/** What a bill and an invoice (documents that fall due) share between their party and their lines. */
const dueDocument = { txnDate: isoDate, dueDate: isoDate, ...documentTotals };

const billData = z.strictObject({
  vendorId: idString('vendorId'),
  ...dueDocument,
  lines: lineList(billLine),
  /** The AWRA sourceId of the purchase order this bill is for; QuickBooks links the two. */
  purchaseOrderId: idString('purchaseOrderId').optional(),
});

const invoiceData = z.strictObject({ customerId: idString('customerId'), ...dueDocument, lines: lineList(itemLine) });

/** What a payment or a credit note settles: invoices, each with the amount applied to it. */
const invoiceApplications = z
  .array(z.strictObject({ invoiceId: idString('invoiceId'), amount: minorUnits }))
  .max(100, 'at most 100 applications');

/** The bills a bill payment pays, each with the amount applied to it. */
const billApplications = z
  .array(z.strictObject({ billId: idString('billId'), amount: minorUnits }))
  .max(100, 'at most 100 applications');

const paymentData = z.strictObject({
  customerId: idString('customerId'),
  txnDate: isoDate,
  ...txnCurrency,
  amount: minorUnits,
  method: z.enum(PAYMENT_METHODS),
  reference: text('reference', 100).optional(),
  appliedTo: invoiceApplications,
});

const billPaymentData = z.strictObject({
  vendorId: idString('vendorId'),
  txnDate: isoDate,
  ...txnCurrency,
  amount: minorUnits,
  method: z.enum(BILL_PAYMENT_METHODS),
  /** The AWRA account code the bill is paid from (for a card, the card's account). */
  bankAccount: idString('bankAccount'),
  reference: text('reference', 100).optional(),
  appliedTo: billApplications,
});

/** What a credit note, a vendor credit and a refund share: a dated document in one currency whose lines make its total. */
const creditDocument = { txnDate: isoDate, ...documentTotals };

const creditNoteData = z.strictObject({
  customerId: idString('customerId'),
  ...creditDocument,
  lines: lineList(itemLine),
  appliedTo: invoiceApplications.optional(),
});

const vendorCreditData = z.strictObject({ vendorId: idString('vendorId'), ...creditDocument, lines: lineList(expenseLine('vendor credit')) });

const refundData = z.strictObject({
  customerId: idString('customerId'),
  ...creditDocument,
  method: z.enum(ALL_PAYMENT_METHODS),
  /** The AWRA account code the refund is paid out of. */
  bankAccount: idString('bankAccount'),
  lines: lineList(itemLine),
});

export const RECORD_DATA_SCHEMAS = {
  vendor: vendorData,
  customer: customerData,
  item: itemData,
  purchase_order: purchaseOrderData,
  bill: billData,
  invoice: invoiceData,
  payment: paymentData,
  bill_payment: billPaymentData,
  credit_note: creditNoteData,
  vendor_credit: vendorCreditData,
  refund: refundData,
} as const;

export type VendorData = z.infer<typeof vendorData>;
export type CustomerData = z.infer<typeof customerData>;
export type ItemData = z.infer<typeof itemData>;
export type ItemLine = z.infer<typeof itemLine>;
export type PurchaseOrderData = z.infer<typeof purchaseOrderData>;
export type BillLine = z.infer<typeof billLine>;
export type BillData = z.infer<typeof billData>;
export type InvoiceData = z.infer<typeof invoiceData>;
export type PaymentData = z.infer<typeof paymentData>;
export type BillPaymentData = z.infer<typeof billPaymentData>;
export type CreditNoteData = z.infer<typeof creditNoteData>;
export type VendorCreditData = z.infer<typeof vendorCreditData>;
export type RefundData = z.infer<typeof refundData>;

const envelope = {
  tenantId: tenantIdSchema,
  sourceId: idString('sourceId'),
  number: text('number', 50, { required: true }),
  status: z.enum(RECORD_STATUSES),
  version: z.number().int('must be a whole number').min(1, 'must be 1 or more').max(2_147_483_647),
};

export const awraRecordSchema = z.discriminatedUnion('recordType', [
  z.strictObject({ ...envelope, recordType: z.literal('vendor'), data: vendorData }),
  z.strictObject({ ...envelope, recordType: z.literal('customer'), data: customerData }),
  z.strictObject({ ...envelope, recordType: z.literal('item'), data: itemData }),
  z.strictObject({ ...envelope, recordType: z.literal('purchase_order'), data: purchaseOrderData }),
  z.strictObject({ ...envelope, recordType: z.literal('bill'), data: billData }),
  z.strictObject({ ...envelope, recordType: z.literal('invoice'), data: invoiceData }),
  z.strictObject({ ...envelope, recordType: z.literal('payment'), data: paymentData }),
  z.strictObject({ ...envelope, recordType: z.literal('bill_payment'), data: billPaymentData }),
  z.strictObject({ ...envelope, recordType: z.literal('credit_note'), data: creditNoteData }),
  z.strictObject({ ...envelope, recordType: z.literal('vendor_credit'), data: vendorCreditData }),
  z.strictObject({ ...envelope, recordType: z.literal('refund'), data: refundData }),
], { error: (iss) => (iss.code === 'invalid_union' ? `recordType must be one of ${RECORD_TYPES.join(', ')}` : undefined) });

export type AwraRecord = z.infer<typeof awraRecordSchema>;
export type AwraRecordOf<T extends AwraRecord['recordType']> = Extract<AwraRecord, { recordType: T }>;
