import type { AwraRecord } from './records.ts';
import { RECORD_TYPE_LABELS, type AnyPaymentMethod, type MappingKind, type PaymentMethod } from './vocabulary.ts';

/**
 * Which QuickBooks references a record's payload needs before it can be sent (DESIGN.md §3 step 2), keyed the way the
 * mapping API keys them (DESIGN.md §8). qbo/mappers.ts looks up exactly these keys, so a record that passes this
 * check cannot fail mapping for a missing reference.
 */

/**
 * Transactions another record refers to by their QuickBooks id, so they must have synced (or been linked) first: a
 * payment's or credit note's invoices, a bill payment's bills, a bill's purchase order. Each kind is also the record
 * type of the dependency.
 */
export const TXN_DEPENDENCY_KINDS = ['invoice', 'bill', 'purchase_order'] as const;
export type TxnDependencyKind = (typeof TXN_DEPENDENCY_KINDS)[number];

export function isTxnDependencyKind(kind: string): kind is TxnDependencyKind {
  return (TXN_DEPENDENCY_KINDS as readonly string[]).includes(kind);
}

/** A mapping kind, or a transaction the record depends on. */
export type RefKind = MappingKind | TxnDependencyKind;

/** One reference a record needs, with a sentence that tells a finance clerk why. */
export interface RequiredRef {
  kind: RefKind;
  /** The AWRA-side key: an account code, tax category, category or branch, payment method, or a source id. */
  key: string;
  reason: string;
}

/** The key under which a resolved reference is stored and looked up, e.g. `tax_code:VAT16`. */
export function refKey(kind: RefKind, key: string): string {
  return `${kind}:${key}`;
}

/** The account a payment method deposits to is an account mapping under this key (DESIGN.md §8). */
export function clearingAccountKey(method: PaymentMethod): string {
  return `clearing:${method}`;
}

/** How people name the payment methods, in sentences and in QuickBooks notes. */
export const PAYMENT_METHOD_LABELS: Record<AnyPaymentMethod, string> = {
  paystack: 'Paystack',
  mpesa: 'M-Pesa',
  bank_transfer: 'Bank transfer',
  cash: 'Cash',
  card: 'Card',
  cheque: 'Cheque',
};

/** Collects refs in first-seen order; repeated kind+key pairs gather their line numbers into one sentence. */
class RefCollector {
  private readonly refs = new Map<string, { kind: RefKind; key: string; lines: number[]; describe: (where: string) => string }>();

  add(kind: RefKind, key: string, describe: (where: string) => string, line?: number): void {
    const id = refKey(kind, key);
    const existing = this.refs.get(id);
    if (existing) {
      if (line !== undefined && !existing.lines.includes(line)) existing.lines.push(line);
      return;
    }
    this.refs.set(id, { kind, key, lines: line === undefined ? [] : [line], describe });
  }

  list(): RequiredRef[] {
    return [...this.refs.values()].map(({ kind, key, lines, describe }) => ({
      kind,
      key,
      reason: describe(linesPhrase(lines)),
    }));
  }
}

/** "on line 2", "on lines 1 and 3", "on lines 1, 2 and 4". */
function linesPhrase(lines: readonly number[]): string {
  if (lines.length === 0) return '';
  if (lines.length === 1) return `on line ${lines[0]}`;
  return `on lines ${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
}

interface TxnLine {
  itemId?: string | undefined;
  expenseAccount?: string | undefined;
  taxCategory: string;
  category?: string | undefined;
}

/** A transaction this record points at by its QuickBooks id; `why` finishes "… must be synced to QuickBooks …". */
function txnRef(c: RefCollector, kind: TxnDependencyKind, id: string, why: string): void {
  c.add(kind, id, () => `${RECORD_TYPE_LABELS[kind]} ${id} must be synced to QuickBooks ${why}.`);
}

/** The vendor or customer a record is with has to exist in QuickBooks before the record can name it. */
function partyRef(c: RefCollector, kind: 'vendor' | 'customer', id: string): void {
  const who = kind === 'vendor' ? 'Vendor' : 'Customer';
  c.add(kind, id, () => `${who} ${id} must be synced to QuickBooks (or linked to an existing QuickBooks ${kind}) first.`);
}

/** The payment method a payment or refund names has to be mapped to one of QuickBooks' payment methods. */
function paymentMethodRef(c: RefCollector, method: AnyPaymentMethod): void {
  c.add('payment_method', method, () => `Payment method ${PAYMENT_METHOD_LABELS[method]} needs a QuickBooks payment method.`);
}

function lineRefs(c: RefCollector, lines: readonly TxnLine[], branch: string | undefined): void {
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.itemId) {
      const id = line.itemId;
      c.add('item', id, (w) => `Item ${id} ${w} needs a QuickBooks item (sync or link the item first).`, n);
    }
    if (line.expenseAccount) {
      const code = line.expenseAccount;
      c.add('account', code, (w) => `Expense account ${code} ${w} needs a QuickBooks account.`, n);
    }
    const tax = line.taxCategory;
    c.add('tax_code', tax, (w) => `Tax category ${tax} ${w} needs a QuickBooks tax code.`, n);
    const category = line.category ?? branch;
    if (category) {
      const what = line.category ? 'Category' : 'Branch';
      c.add('category', category, (w) => `${what} ${category} ${w} needs a QuickBooks class.`, n);
    }
  });
}

/**
 * Every QuickBooks reference the record's payload needs, de-duplicated by kind and key, in the order the payload uses
 * them. Vendors and customers need none: they are the references other records need.
 */
export function requiredReferences(record: AwraRecord): RequiredRef[] {
  const c = new RefCollector();
  switch (record.recordType) {
    case 'vendor':
    case 'customer':
      break;
    case 'item': {
      const d = record.data;
      const accounts: Array<[string | undefined, string]> = [
        [d.incomeAccount, 'income account'],
        [d.expenseAccount, d.kind === 'inventory' ? 'cost of goods sold account' : 'expense account'],
        [d.assetAccount, 'inventory asset account'],
      ];
      for (const [code, label] of accounts) {
        if (code) c.add('account', code, () => `The item's ${label} ${code} needs a QuickBooks account.`);
      }
      const tax = d.taxCategory;
      if (tax) c.add('tax_code', tax, () => `The item's tax category ${tax} needs a QuickBooks tax code.`);
      break;
    }
    case 'purchase_order':
    case 'vendor_credit':
      partyRef(c, 'vendor', record.data.vendorId);
      lineRefs(c, record.data.lines, record.data.branch);
      break;
    case 'bill': {
      const d = record.data;
      partyRef(c, 'vendor', d.vendorId);
      if (d.purchaseOrderId) {
        txnRef(c, 'purchase_order', d.purchaseOrderId, '(or linked to an existing QuickBooks purchase order) before this bill can be linked to it');
      }
      lineRefs(c, d.lines, d.branch);
      break;
    }
    case 'invoice':
      partyRef(c, 'customer', record.data.customerId);
      lineRefs(c, record.data.lines, record.data.branch);
      break;
    case 'payment': {
      const d = record.data;
      const label = PAYMENT_METHOD_LABELS[d.method];
      partyRef(c, 'customer', d.customerId);
      paymentMethodRef(c, d.method);
      c.add(
        'account',
        clearingAccountKey(d.method),
        () => `${label} receipts need a QuickBooks clearing account to deposit to (account ${clearingAccountKey(d.method)}).`,
      );
      for (const applied of d.appliedTo) {
        txnRef(c, 'invoice', applied.invoiceId, 'before this payment can be applied to it');
      }
      break;
    }
    case 'bill_payment': {
      // QuickBooks' BillPayment has no payment method field: the method only decides between a cheque-style
      // payment from a bank account and a card payment (qbo/mappers.ts), so it needs no payment method mapping.
      const d = record.data;
      const code = d.bankAccount;
      partyRef(c, 'vendor', d.vendorId);
      c.add(
        'account',
        code,
        () =>
          d.method === 'card'
            ? `Card account ${code} that this bill payment is charged to needs a QuickBooks credit card account.`
            : `Bank account ${code} that this bill payment is paid from needs a QuickBooks bank account.`,
      );
      for (const applied of d.appliedTo) {
        txnRef(c, 'bill', applied.billId, 'before this bill payment can be applied to it');
      }
      break;
    }
    case 'credit_note': {
      const d = record.data;
      partyRef(c, 'customer', d.customerId);
      lineRefs(c, d.lines, d.branch);
      for (const applied of d.appliedTo ?? []) {
        txnRef(c, 'invoice', applied.invoiceId, 'before this credit note can be applied to it');
      }
      break;
    }
    case 'refund': {
      const d = record.data;
      const code = d.bankAccount;
      partyRef(c, 'customer', d.customerId);
      lineRefs(c, d.lines, d.branch);
      paymentMethodRef(c, d.method);
      c.add('account', code, () => `Bank account ${code} that this refund is paid from needs a QuickBooks bank account.`);
      break;
    }
  }
  return c.list();
}
