import type { ResolvedRef } from '../domain/mapping-gaps.ts';
import { minorToDecimalString } from '../domain/money.ts';
import type { AwraRecord, AwraRecordOf, BillLine, ItemLine } from '../domain/records.ts';
import { PAYMENT_METHOD_LABELS, clearingAccountKey, refKey, requiredReferences } from '../domain/required-mappings.ts';
import type { RefKind } from '../domain/required-mappings.ts';
import type { RecordType } from '../domain/vocabulary.ts';
import { qboQueryLiteral } from './client.ts';

/**
 * AWRA records to QuickBooks Online create payloads (reference §5). This is the only place money becomes decimal:
 * integer minor units go in, JSON numbers with the currency's exact decimals come out.
 */

export type QboEntityName =
  | 'Vendor'
  | 'Customer'
  | 'Item'
  | 'PurchaseOrder'
  | 'Bill'
  | 'Invoice'
  | 'Payment'
  | 'BillPayment'
  | 'CreditMemo'
  | 'VendorCredit'
  | 'RefundReceipt';

export type { ResolvedRef };

/** What the mapper needs to know about the QuickBooks company (same meaning as the readiness context). */
export interface MapperOptions {
  homeCurrency?: string | null;
  /**
   * Whether the company has multicurrency on. CurrencyRef is sent unless this is explicitly false, because an
   * amount without its currency is silently booked in the home currency.
   */
  multicurrency?: boolean;
}

/** A create request body for one QuickBooks entity, to POST to `/v3/company/{realmId}/{entity lower-case}`. */
export interface QboPayload {
  entity: QboEntityName;
  body: Record<string, unknown>;
}

const ENTITY_FOR: Record<RecordType, QboEntityName> = {
  vendor: 'Vendor',
  customer: 'Customer',
  item: 'Item',
  purchase_order: 'PurchaseOrder',
  bill: 'Bill',
  invoice: 'Invoice',
  payment: 'Payment',
  bill_payment: 'BillPayment',
  credit_note: 'CreditMemo',
  vendor_credit: 'VendorCredit',
  refund: 'RefundReceipt',
};

export function qboEntityFor(recordType: RecordType): QboEntityName {
  return ENTITY_FOR[recordType];
}

/** QuickBooks rejects a longer DocNumber (reference §5.4). */
export const QBO_DOC_NUMBER_MAX = 21;

const DOC_NUMBER_HEAD = 14;

/**
 * The DocNumber for an AWRA record number. Numbers that fit are sent unchanged. Longer ones become the first 14
 * characters, "~", and 6 base-36 characters of an FNV-1a hash of the whole number (21 in all): the same number always
 * gives the same DocNumber, so retries and the duplicate lookup agree, and two long numbers with the same beginning
 * still differ. The full number is always in PrivateNote.
 */
export function qboDocNumber(number: string): string {
  const chars = [...number];
  if (chars.length <= QBO_DOC_NUMBER_MAX) return number;
  return `${chars.slice(0, DOC_NUMBER_HEAD).join('')}~${shortHash(number)}`;
}

function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 36 ** 6).toString(36).toUpperCase().padStart(6, '0');
}

/** "AWRA PO-2026-0042 (src po-42 v3)": who in AWRA this QuickBooks entity came from, for people reading QBO. */
export function auditNote(record: AwraRecord): string {
  return `AWRA ${record.number} (src ${record.sourceId} v${record.version})`;
}

/**
 * The QBO query that finds an entity this record may already have created (DESIGN.md §3 step 3): by DocNumber for
 * every other transaction, by PaymentRefNum for payments (QBO payments carry no DocNumber), by DisplayName for vendors
 * and customers, by Name for items.
 */
export function duplicateLookupQuery(record: AwraRecord): { entity: QboEntityName; query: string } {
  const entity = qboEntityFor(record.recordType);
  const where = (field: string, value: string) => ({
    entity,
    query: `select * from ${entity} where ${field} = ${qboQueryLiteral(value)}`,
  });
  switch (record.recordType) {
    case 'vendor':
    case 'customer':
      return where('DisplayName', record.data.displayName);
    case 'item':
      return where('Name', record.data.name);
    case 'payment':
      return where('PaymentRefNum', qboDocNumber(record.number));
    case 'purchase_order':
    case 'bill':
    case 'invoice':
    case 'bill_payment':
    case 'credit_note':
    case 'vendor_credit':
    case 'refund':
      return where('DocNumber', qboDocNumber(record.number));
  }
}

/**
 * The QBO query that finds the Payments which may be a credit note's application made earlier (an answer lost): the
 * customer's payments on the credit note's date, among which ours carries the audit note and links the CreditMemo
 * (domain/credit-application.ts). By customer and date rather than by PaymentRefNum: the reference does not confirm
 * that PaymentRefNum can be filtered on, while TxnDate and CustomerRef are the filters every QBO client uses.
 */
export function creditApplicationLookupQuery(record: AwraRecordOf<'credit_note'>, refs: ReadonlyMap<string, ResolvedRef>): string {
  const customer = new Refs(record, refs).get('customer', record.data.customerId).value;
  return `select * from Payment where CustomerRef = ${qboQueryLiteral(customer)} and TxnDate = ${qboQueryLiteral(record.data.txnDate)}`;
}

/** Looks up resolved references; a miss is a programming error because the workflow checks mappings first. */
class Refs {
  constructor(
    private readonly record: AwraRecord,
    private readonly refs: ReadonlyMap<string, ResolvedRef>,
  ) {}

  get(kind: RefKind, key: string): { value: string; name?: string } {
    const found = this.refs.get(refKey(kind, key));
    if (!found) throw missingRefsError(this.record, [refKey(kind, key)]);
    return found.name === undefined ? { value: found.qboId } : { value: found.qboId, name: found.name };
  }
}

function missingRefsError(record: AwraRecord, keys: readonly string[]): Error {
  return new Error(
    `cannot build the QuickBooks ${qboEntityFor(record.recordType)} for ${record.recordType} ${record.number}: ` +
      `no QuickBooks reference for ${keys.join(', ')} (the workflow must resolve requiredReferences() before mapping)`,
  );
}

/**
 * The QuickBooks create payload for a record. `refs` holds resolved mappings keyed by refKey(kind, key) for at least
 * every requiredReferences(record); the record must have passed readiness (domain/readiness.ts).
 */
export function toQboPayload(
  record: AwraRecord,
  refs: ReadonlyMap<string, ResolvedRef>,
  opts: MapperOptions = {},
): QboPayload {
  const missing = requiredReferences(record)
    .map((r) => refKey(r.kind, r.key))
    .filter((k) => !refs.has(k));
  if (missing.length > 0) throw missingRefsError(record, missing);

  const r = new Refs(record, refs);
  const entity = qboEntityFor(record.recordType);
  switch (record.recordType) {
    case 'vendor':
    case 'customer':
      return { entity, body: partyBody(record, opts) };
    case 'item':
      return { entity, body: itemBody(record, r, opts) };
    case 'purchase_order':
      return { entity, body: purchaseOrderBody(record, r, opts) };
    case 'bill':
      return { entity, body: billBody(record, r, opts) };
    case 'invoice':
    case 'credit_note':
      return { entity, body: salesBody(record, r, opts) };
    case 'payment':
      return { entity, body: paymentBody(record, r, opts) };
    case 'bill_payment':
      return { entity, body: billPaymentBody(record, r, opts) };
    case 'vendor_credit':
      return { entity, body: purchaseBody(record, r, opts) };
    case 'refund':
      return { entity, body: refundReceiptBody(record, r, opts) };
  }
}

/**
 * Minor units to the JSON number QBO expects. JSON.stringify prints the shortest decimal that round-trips, so 1999
 * KES is sent as 19.99 exactly. Every amount the AWRA schema admits (< 10^15 minor units) survives the trip through
 * a double; the check makes that a guarantee rather than an assumption should the bound ever move.
 */
function money(minor: number, currency: string): number {
  const decimal = minorToDecimalString(minor, currency);
  const n = Number(decimal);
  const exp = decimal.includes('.') ? decimal.length - decimal.indexOf('.') - 1 : 0;
  if (n.toFixed(exp) !== decimal) throw new Error(`amount ${decimal} ${currency} cannot be sent to QuickBooks exactly`);
  return n;
}

function currencyRef(currency: string, opts: MapperOptions): { CurrencyRef?: { value: string } } {
  if (opts.multicurrency !== false) return { CurrencyRef: { value: currency } };
  if (opts.homeCurrency && currency !== opts.homeCurrency) {
    throw new Error(`${currency} cannot be sent to a QuickBooks company that works only in ${opts.homeCurrency}`);
  }
  return {};
}

/**
 * The rate QuickBooks books a foreign-currency transaction at (home-currency units per one unit of the currency,
 * DESIGN.md §8). Sent only to a multicurrency company for a currency other than its home one: anywhere else the
 * rate is 1 by definition and QuickBooks has no use for it. Readiness blocks a foreign record without a rate first; a
 * record mapped without one leaves QuickBooks to pick its own.
 */
function exchangeRateField(
  data: { currency: string; exchangeRate?: string | undefined },
  opts: MapperOptions,
): { ExchangeRate?: number } {
  if (opts.multicurrency === false || !opts.homeCurrency || data.currency === opts.homeCurrency) return {};
  if (data.exchangeRate === undefined) return {};
  const rate = Number(data.exchangeRate);
  if (!(rate > 0)) throw new Error(`exchange rate "${data.exchangeRate}" is not a rate above zero; readiness must block it before mapping`);
  return { ExchangeRate: rate };
}

/** Optional contact fields QBO wraps in objects; omitted rather than sent empty. */
function contact(d: { email?: string | undefined; phone?: string | undefined }): Record<string, unknown> {
  return {
    ...(d.email ? { PrimaryEmailAddr: { Address: d.email } } : {}),
    ...(d.phone ? { PrimaryPhone: { FreeFormNumber: d.phone } } : {}),
  };
}

/** Vendors and customers map alike, the audit note in QBO's Notes; only a vendor carries a tax identifier. */
function partyBody(record: AwraRecordOf<'vendor' | 'customer'>, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    DisplayName: d.displayName,
    Active: d.active,
    ...contact(d),
    ...(record.recordType === 'vendor' && record.data.taxNumber ? { TaxIdentifier: record.data.taxNumber } : {}),
    ...currencyRef(d.currency, opts),
    Notes: auditNote(record),
  };
}

const ITEM_TYPES = { inventory: 'Inventory', service: 'Service', non_inventory: 'NonInventory' } as const;

/**
 * QBO items have no notes field, so the AWRA SKU (in `Sku`) is what ties an item back to AWRA. Items carry no
 * CurrencyRef: their prices are in the home currency, which is also how AWRA prices them when `currency` is absent.
 */
function itemBody(record: AwraRecordOf<'item'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  const priceCurrency = d.currency ?? opts.homeCurrency ?? undefined;
  const body: Record<string, unknown> = {
    Name: d.name,
    Sku: d.sku,
    Type: ITEM_TYPES[d.kind],
    Active: d.active ?? true,
    // Without a known currency the common two-decimal exponent is the only sensible reading of the price.
    UnitPrice: money(d.unitPrice, priceCurrency ?? 'XXX'),
    IncomeAccountRef: r.get('account', d.incomeAccount),
    ExpenseAccountRef: r.get('account', d.expenseAccount),
  };
  if (d.kind === 'inventory') {
    if (!d.assetAccount || d.qtyOnHand === undefined || !d.inventoryStartDate) {
      throw new Error(
        `item ${record.number} is an inventory item without an asset account, quantity on hand or start date; ` +
          'readiness must block it before mapping',
      );
    }
    body.TrackQtyOnHand = true;
    body.QtyOnHand = d.qtyOnHand;
    body.InvStartDate = d.inventoryStartDate;
    body.AssetAccountRef = r.get('account', d.assetAccount);
  }
  if (d.taxCategory) body.SalesTaxCodeRef = r.get('tax_code', d.taxCategory);
  return body;
}

/**
 * The header fields every transaction with a number shares: its dates, DocNumber, the audit note, the currency and
 * its exchange rate.
 */
function txnHeader(
  record: AwraRecord & { data: { currency: string; exchangeRate?: string | undefined; txnDate: string; dueDate?: string } },
  opts: MapperOptions,
  note = auditNote(record),
): Record<string, unknown> {
  const d = record.data;
  return {
    TxnDate: d.txnDate,
    ...(d.dueDate !== undefined ? { DueDate: d.dueDate } : {}),
    DocNumber: qboDocNumber(record.number),
    PrivateNote: note,
    ...currencyRef(d.currency, opts),
    ...exchangeRateField(d, opts),
  };
}

/** The audit note, and the provider's own reference (an M-Pesa code, a cheque number) when AWRA has one. */
function noteWithReference(record: AwraRecordOf<'payment' | 'bill_payment'>): string {
  const { method, reference } = record.data;
  return reference ? `${auditNote(record)}; ${PAYMENT_METHOD_LABELS[method]} reference ${reference}` : auditNote(record);
}

/** Tax code and class go on the line detail in QBO; the class comes from the line's category or the record's branch. */
function lineDimensions(
  r: Refs,
  line: { taxCategory: string; category?: string | undefined },
  branch: string | undefined,
): Record<string, unknown> {
  const category = line.category ?? branch;
  return {
    TaxCodeRef: r.get('tax_code', line.taxCategory),
    ...(category ? { ClassRef: r.get('category', category) } : {}),
  };
}

/** One transaction line: its number, description and amount, then the detail object that DetailType names. */
function txnLine(
  i: number,
  line: { description?: string | undefined; amount: number },
  currency: string,
  detailType: 'ItemBasedExpenseLineDetail' | 'AccountBasedExpenseLineDetail' | 'SalesItemLineDetail',
  detail: Record<string, unknown>,
): Record<string, unknown> {
  return {
    LineNum: i + 1,
    ...(line.description ? { Description: line.description } : {}),
    Amount: money(line.amount, currency),
    DetailType: detailType,
    [detailType]: detail,
  };
}

function itemExpenseLine(
  r: Refs,
  line: ItemLine | BillLine,
  itemId: string,
  i: number,
  currency: string,
  branch: string | undefined,
): Record<string, unknown> {
  return txnLine(i, line, currency, 'ItemBasedExpenseLineDetail', {
    ItemRef: r.get('item', itemId),
    ...(line.qty !== undefined ? { Qty: line.qty } : {}),
    ...(line.unitPrice !== undefined ? { UnitPrice: money(line.unitPrice, currency) } : {}),
    ...lineDimensions(r, line, branch),
  });
}

function purchaseOrderBody(record: AwraRecordOf<'purchase_order'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    VendorRef: r.get('vendor', d.vendorId),
    ...txnHeader(record, opts),
    Line: d.lines.map((line, i) => itemExpenseLine(r, line, line.itemId, i, d.currency, d.branch)),
  };
}

/** Purchase lines (bill, vendor credit): item-based when the line names an item, account-based otherwise. */
function purchaseLines(
  record: AwraRecord,
  r: Refs,
  lines: readonly BillLine[],
  currency: string,
  branch: string | undefined,
): Array<Record<string, unknown>> {
  return lines.map((line, i) => {
    if (line.itemId) return itemExpenseLine(r, line, line.itemId, i, currency, branch);
    if (!line.expenseAccount) throw new Error(`${record.recordType} ${record.number} line ${i + 1} has neither an item nor an expense account`);
    return txnLine(i, line, currency, 'AccountBasedExpenseLineDetail', {
      AccountRef: r.get('account', line.expenseAccount),
      ...lineDimensions(r, line, branch),
    });
  });
}

/** Sales lines (invoice, credit memo, refund receipt): an item, its quantity and price, tax code and class. */
function salesLines(r: Refs, lines: readonly ItemLine[], currency: string, branch: string | undefined): Array<Record<string, unknown>> {
  return lines.map((line, i) =>
    txnLine(i, line, currency, 'SalesItemLineDetail', {
      ItemRef: r.get('item', line.itemId),
      Qty: line.qty,
      UnitPrice: money(line.unitPrice, currency),
      ...lineDimensions(r, line, branch),
    }),
  );
}

/** A bill or a vendor credit: the vendor, the header, then its purchase lines. */
function purchaseBody(record: AwraRecordOf<'bill' | 'vendor_credit'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    VendorRef: r.get('vendor', d.vendorId),
    ...txnHeader(record, opts),
    Line: purchaseLines(record, r, d.lines, d.currency, d.branch),
  };
}

/** A bill names the purchase order it is for by the PO's QuickBooks id, so QuickBooks shows the two linked. */
function billBody(record: AwraRecordOf<'bill'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    ...purchaseBody(record, r, opts),
    ...(d.purchaseOrderId ? { LinkedTxn: [{ TxnId: r.get('purchase_order', d.purchaseOrderId).value, TxnType: 'PurchaseOrder' }] } : {}),
  };
}

/**
 * An invoice, or a credit note as a QBO CreditMemo (an invoice's shape without a due date; its applications are a
 * separate Payment): the customer, the header, then its sales lines.
 */
function salesBody(record: AwraRecordOf<'invoice' | 'credit_note'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    CustomerRef: r.get('customer', d.customerId),
    ...txnHeader(record, opts),
    Line: salesLines(r, d.lines, d.currency, d.branch),
  };
}

/**
 * QBO payments have no DocNumber; PaymentRefNum ("Reference no." in QBO) carries the AWRA number under the same
 * 21-character rule, and the provider's own reference (an M-Pesa code, say) goes in the private note.
 */
function paymentBody(record: AwraRecordOf<'payment'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    CustomerRef: r.get('customer', d.customerId),
    TxnDate: d.txnDate,
    TotalAmt: money(d.amount, d.currency),
    PaymentRefNum: qboDocNumber(record.number),
    PrivateNote: noteWithReference(record),
    ...currencyRef(d.currency, opts),
    ...exchangeRateField(d, opts),
    PaymentMethodRef: r.get('payment_method', d.method),
    DepositToAccountRef: r.get('account', clearingAccountKey(d.method)),
    ...(d.appliedTo.length > 0
      ? {
          Line: d.appliedTo.map((a) => ({
            Amount: money(a.amount, d.currency),
            LinkedTxn: [{ TxnId: r.get('invoice', a.invoiceId).value, TxnType: 'Invoice' }],
          })),
        }
      : {}),
  };
}

/**
 * A bill payment leaves a bank account as a cheque-style payment (QBO PayType `Check`, whatever the rail: transfer,
 * M-Pesa, cheque, cash) or is charged to a card account (`CreditCard`). QBO's BillPayment has no payment method field;
 * the AWRA number is the DocNumber and the provider's reference goes in the private note, as for payments.
 */
function billPaymentBody(record: AwraRecordOf<'bill_payment'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  const account = r.get('account', d.bankAccount);
  return {
    VendorRef: r.get('vendor', d.vendorId),
    ...txnHeader(record, opts, noteWithReference(record)),
    TotalAmt: money(d.amount, d.currency),
    ...(d.method === 'card'
      ? { PayType: 'CreditCard', CreditCardPayment: { CCAccountRef: account } }
      : { PayType: 'Check', CheckPayment: { BankAccountRef: account } }),
    Line: d.appliedTo.map((a) => ({
      Amount: money(a.amount, d.currency),
      LinkedTxn: [{ TxnId: r.get('bill', a.billId).value, TxnType: 'Bill' }],
    })),
  };
}

/** A refund is a QBO RefundReceipt: sales lines, paid out of the bank account AWRA names, by its payment method. */
function refundReceiptBody(record: AwraRecordOf<'refund'>, r: Refs, opts: MapperOptions): Record<string, unknown> {
  const d = record.data;
  return {
    CustomerRef: r.get('customer', d.customerId),
    ...txnHeader(record, opts),
    PaymentMethodRef: r.get('payment_method', d.method),
    DepositToAccountRef: r.get('account', d.bankAccount),
    Line: salesLines(r, d.lines, d.currency, d.branch),
  };
}

/**
 * QuickBooks applies a credit memo to invoices through a Payment of zero that links both (a CreditMemo carries no
 * links of its own): a line per invoice for the amount applied to it, and one line taking the same total from the
 * credit memo. Sent after the CreditMemo exists, with its QuickBooks id; null when the credit note applies to nothing.
 * PaymentRefNum is the credit note's number, so a lost answer can be found again the way payments are.
 */
export function creditApplicationPayload(
  record: AwraRecordOf<'credit_note'>,
  creditMemoId: string,
  refs: ReadonlyMap<string, ResolvedRef>,
  opts: MapperOptions = {},
): QboPayload | null {
  const d = record.data;
  const applied = d.appliedTo ?? [];
  if (applied.length === 0) return null;
  const r = new Refs(record, refs);
  const total = applied.reduce((s, a) => s + a.amount, 0);
  return {
    entity: 'Payment',
    body: {
      CustomerRef: r.get('customer', d.customerId),
      TxnDate: d.txnDate,
      TotalAmt: 0,
      PaymentRefNum: qboDocNumber(record.number),
      PrivateNote: `${auditNote(record)}; applies credit note ${record.number} to ${applied.length === 1 ? 'its invoice' : 'its invoices'}`,
      ...currencyRef(d.currency, opts),
      ...exchangeRateField(d, opts),
      Line: [
        ...applied.map((a) => ({
          Amount: money(a.amount, d.currency),
          LinkedTxn: [{ TxnId: r.get('invoice', a.invoiceId).value, TxnType: 'Invoice' }],
        })),
        { Amount: money(total, d.currency), LinkedTxn: [{ TxnId: creditMemoId, TxnType: 'CreditMemo' }] },
      ],
    },
  };
}
