import {
  accountPeriodClosed,
  amountMismatch,
  businessValidation,
  cannotLink,
  duplicateDocNumber,
  invalidReference,
  requiredParam,
} from './errors.ts';
import { checkCurrency, currencyRefFor, refId, roundMoney, type RuleContext } from './rules-common.ts';
import type { CompanyState } from './store.ts';
import type { EntityName, QboObject, ResolvedOptions, TransactionEntity } from './types.ts';

/**
 * Rules for transactions (reference §5.2-5.4): required party and lines, line arithmetic (6070), totals computed by
 * QBO rather than taken from the client, DocNumber length/uniqueness (2050/6140) and auto-numbering, the books
 * closing date (6210), currencies and exchange rates, payments and bill payments settling documents, and bills
 * linking purchase orders. What other transactions say about a document (its Balance, its LinkedTxn, a PO's status)
 * is derived here too, so it never drifts from the transactions that explain it.
 */

type Line = QboObject & { Amount?: number; DetailType?: string };
type Party = 'VendorRef' | 'CustomerRef';

/** The TxnType label QBO uses in messages (6140 names "TxnType=Credit Memo"), the party, and whether it is required. */
const TXN: Record<TransactionEntity, { label: string; party: Party; partyOptional?: boolean }> = {
  PurchaseOrder: { label: 'Purchase Order', party: 'VendorRef' },
  Bill: { label: 'Bill', party: 'VendorRef' },
  Invoice: { label: 'Invoice', party: 'CustomerRef' },
  Payment: { label: 'Payment', party: 'CustomerRef' },
  BillPayment: { label: 'Bill Payment', party: 'VendorRef' },
  CreditMemo: { label: 'Credit Memo', party: 'CustomerRef' },
  VendorCredit: { label: 'Vendor Credit', party: 'VendorRef' },
  // Receipts may be anonymous (reference §5.2 leaves SalesReceipt.CustomerRef optional; RefundReceipt is its mirror).
  RefundReceipt: { label: 'Refund Receipt', party: 'CustomerRef', partyOptional: true },
  SalesReceipt: { label: 'Sales Receipt', party: 'CustomerRef', partyOptional: true },
};

export type SettlementEntity = 'Payment' | 'BillPayment';

/**
 * A payment settles documents of its party through its lines' LinkedTxn: charges (whose Balance it pays down) and
 * credits (whose remaining credit it uses up to pay charges). Payment lines may link Invoices and CreditMemos (the
 * QBO Payment definition: "applied … against multiple Invoices and Credit Memos"), bill payment lines Bills and
 * VendorCredits.
 */
const SETTLEMENTS: Record<SettlementEntity, { charge: TransactionEntity; credit: TransactionEntity; charges: string }> = {
  Payment: { charge: 'Invoice', credit: 'CreditMemo', charges: 'invoices' },
  BillPayment: { charge: 'Bill', credit: 'VendorCredit', charges: 'bills' },
};

/** The payment kind that settles each document. */
export const SETTLED_BY: Partial<Record<TransactionEntity, SettlementEntity>> = {
  Invoice: 'Payment',
  CreditMemo: 'Payment',
  Bill: 'BillPayment',
  VendorCredit: 'BillPayment',
};

function isSettlement(entity: EntityName): entity is SettlementEntity {
  return entity === 'Payment' || entity === 'BillPayment';
}

/** Sales forms numbered by QBO when DocNumber is omitted and custom transaction numbers are off (reference §5.4). */
const SALES_NUMBERED = new Set<TransactionEntity>(['Invoice', 'SalesReceipt', 'CreditMemo', 'RefundReceipt']);

const ITEM_LINES = new Set(['SalesItemLineDetail', 'ItemBasedExpenseLineDetail']);

export function isClosed(company: CompanyState, txnDate: unknown): boolean {
  const closing = company.prefs.closingDate;
  return Boolean(closing && typeof txnDate === 'string' && txnDate <= closing);
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function firstAccount(ctx: RuleContext, accountType: string, subType?: string): { value: string; name: string } | undefined {
  const acct = ctx
    .all('Account')
    .find((a) => a.Active !== false && a.AccountType === accountType && (!subType || a.AccountSubType === subType));
  return acct ? { value: String(acct.Id), name: String(acct.Name) } : undefined;
}

function requiredLines(ctx: RuleContext, value: QboObject): Line[] {
  const entity = ctx.def.name as TransactionEntity;
  const lines = Array.isArray(value.Line) ? (value.Line as Line[]) : [];
  // An unapplied Payment is a credit on account; a bill payment names what it pays (reference §5.2).
  if (lines.length === 0 && entity !== 'Payment') throw requiredParam('Line');
  for (const l of lines) {
    if (isSettlement(entity)) {
      if (l.Amount === undefined) throw requiredParam('Line.Amount');
      if (!Array.isArray(l.LinkedTxn) || l.LinkedTxn.length === 0) throw requiredParam('Line.LinkedTxn');
      continue;
    }
    if (!l.DetailType) throw requiredParam('Line.DetailType');
    const type = l.DetailType;
    if (!ctx.def.lineTypes?.includes(type)) {
      throw businessValidation(`${type} lines are not supported on a ${TXN[entity].label}.`, 'Line.DetailType');
    }
    const detailKey = type === 'DescriptionOnly' ? 'DescriptionLineDetail' : type;
    const detail = l[detailKey] as QboObject | undefined;
    if (!detail && type !== 'DescriptionOnly' && type !== 'SubTotalLineDetail') throw requiredParam(`Line.${detailKey}`);
    if (ITEM_LINES.has(type) && !refId(detail?.ItemRef)) throw requiredParam(`Line.${type}.ItemRef`);
    if (type === 'AccountBasedExpenseLineDetail' && !refId(detail?.AccountRef)) throw requiredParam(`Line.${type}.AccountRef`);
    const needsAmount = ITEM_LINES.has(type) || type === 'AccountBasedExpenseLineDetail' || (type === 'DiscountLineDetail' && detail?.PercentBased !== true);
    if (needsAmount && l.Amount === undefined) throw requiredParam('Line.Amount');
  }
  return lines;
}

/** The header fields one kind of transaction cannot go without, beyond its party and lines (reference §5.2). */
function requiredHeader(ctx: RuleContext, value: QboObject): void {
  const entity = ctx.def.name as TransactionEntity;
  if (isSettlement(entity) && value.TotalAmt === undefined) throw requiredParam('TotalAmt');
  if (entity === 'PurchaseOrder' && ctx.opts.purchaseOrderRequiresApAccount && !refId(value.APAccountRef)) throw requiredParam('APAccountRef');
  if (entity === 'RefundReceipt' && ctx.opts.refundReceiptRequiresDepositAccount && !refId(value.DepositToAccountRef)) {
    throw requiredParam('DepositToAccountRef');
  }
  if (entity === 'BillPayment') {
    if (!value.PayType) throw requiredParam('PayType');
    if (value.PayType === 'Check' && !refId((value.CheckPayment as QboObject | undefined)?.BankAccountRef)) {
      throw requiredParam('CheckPayment.BankAccountRef');
    }
    if (value.PayType === 'CreditCard' && !refId((value.CreditCardPayment as QboObject | undefined)?.CCAccountRef)) {
      throw requiredParam('CreditCardPayment.CCAccountRef');
    }
  }
}

/** Qty × UnitPrice must equal Amount (6070); a missing one of the three is derived the way QBO derives it. */
function lineArithmetic(lines: Line[], currency: string): void {
  for (const l of lines) {
    if (!l.DetailType || !ITEM_LINES.has(l.DetailType)) continue;
    const d = l[l.DetailType] as QboObject;
    const amount = Number(l.Amount);
    const qty = d.Qty as number | undefined;
    const price = d.UnitPrice as number | undefined;
    if (qty !== undefined && price !== undefined) {
      if (Math.abs(roundMoney(qty * price, currency) - roundMoney(amount, currency)) >= 0.005) throw amountMismatch(amount);
    } else if (qty !== undefined && qty !== 0) {
      d.UnitPrice = Number((amount / qty).toFixed(7));
    } else if (price !== undefined && price !== 0) {
      d.Qty = Number((amount / price).toFixed(7));
    }
  }
}

function numberLines(lines: Line[], existing: QboObject | undefined): void {
  const used = new Set<string>();
  const oldIds = new Set(((existing?.Line as Line[] | undefined) ?? []).map((l) => String(l.Id)));
  let next = Math.max(0, ...[...oldIds].map(Number).filter(Number.isFinite)) + 1;
  lines.forEach((l, i) => {
    const keep = l.Id !== undefined && oldIds.has(String(l.Id)) && !used.has(String(l.Id));
    if (!keep) l.Id = String(next++);
    used.add(String(l.Id));
    if (l.DetailType !== 'SubTotalLineDetail' && l.DetailType !== 'DescriptionOnly') l.LineNum = i + 1;
  });
}

/** Net of lines, discounts applied, subtotal lines filled in; returns the total before tax. */
function lineTotals(lines: Line[], currency: string): number {
  let total = 0;
  let sinceSubtotal = 0;
  for (const l of lines) {
    const type = l.DetailType;
    if (type === 'SubTotalLineDetail') {
      l.Amount = roundMoney(sinceSubtotal, currency);
      sinceSubtotal = 0;
    } else if (type === 'DiscountLineDetail') {
      const d = l.DiscountLineDetail as QboObject;
      if (d.PercentBased === true) l.Amount = roundMoney((total * Number(d.DiscountPercent ?? 0)) / 100, currency);
      l.Amount = roundMoney(Number(l.Amount ?? 0), currency);
      total -= l.Amount;
    } else if (type === 'DescriptionOnly') {
      if (l.Amount !== undefined) l.Amount = roundMoney(Number(l.Amount), currency);
    } else {
      l.Amount = roundMoney(Number(l.Amount), currency);
      total += l.Amount;
      sinceSubtotal += l.Amount;
    }
  }
  return roundMoney(total, currency);
}

/**
 * Tax: the client's TxnTaxDetail.TotalTax wins (QBO lets non-US companies override it); otherwise tax is computed
 * only for TaxExcluded from each line's tax code rate. TaxInclusive and NotApplicable add nothing to the total.
 */
function taxTotal(ctx: RuleContext, value: QboObject, lines: Line[], currency: string): number {
  const detail = (value.TxnTaxDetail as QboObject | undefined) ?? {};
  if (typeof detail.TotalTax === 'number') return roundMoney(detail.TotalTax, currency);
  if (value.GlobalTaxCalculation !== 'TaxExcluded') return 0;
  let tax = 0;
  for (const l of lines) {
    if (!l.DetailType || l.DetailType === 'SubTotalLineDetail' || l.DetailType === 'DescriptionOnly') continue;
    const d = (l[l.DetailType] as QboObject | undefined) ?? {};
    const code = refId(d.TaxCodeRef);
    const rate = code ? (ctx.company.taxRates[code] ?? 0) : 0;
    const sign = l.DetailType === 'DiscountLineDetail' ? -1 : 1;
    tax += (sign * Number(l.Amount ?? 0) * rate) / 100;
  }
  return roundMoney(tax, currency);
}

function docNumberRules(ctx: RuleContext, value: QboObject): void {
  const entity = ctx.def.name as TransactionEntity;
  const company = ctx.company;
  const fresh = value.DocNumber === undefined && !ctx.existing && !company.prefs.customTxnNumbers;
  if (SALES_NUMBERED.has(entity) && (value.DocNumber === 'AUTO_GENERATE' || fresh)) {
    // One sequence for the sales forms, skipping numbers already taken on any of them.
    const taken = new Set([...SALES_NUMBERED].flatMap((e) => ctx.all(e).map((t) => String(t.DocNumber))));
    let n: number;
    do n = (company.seq.invoiceDocNumber = (company.seq.invoiceDocNumber ?? 1000) + 1);
    while (taken.has(String(n)));
    value.DocNumber = String(n);
  }
  if (value.DocNumber === undefined || value.DocNumber === '') return;
  const doc = String(value.DocNumber);
  const changed = !ctx.existing || ctx.existing.DocNumber !== doc;
  if (!changed || !ctx.opts.uniqueDocNumberEntities.includes(entity) || ctx.include.has('allowduplicatedocnum')) return;
  const clash = ctx.all(entity).find((t) => t.Id !== ctx.existing?.Id && String(t.DocNumber ?? '').toLowerCase() === doc.toLowerCase());
  if (clash) throw duplicateDocNumber(doc, TXN[entity].label, String(clash.Id));
}

/** Sum the lines of a transaction apply to each linked id of one type (an invoice a payment pays, a bill, ...). */
export function lineLinks(txn: QboObject | undefined, txnType: TransactionEntity): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of (txn?.Line as Line[] | undefined) ?? []) {
    for (const link of (l.LinkedTxn as QboObject[] | undefined) ?? []) {
      if (link.TxnType === txnType) out.set(String(link.TxnId), (out.get(String(link.TxnId)) ?? 0) + Number(l.Amount ?? 0));
    }
  }
  return out;
}

/** Purchase orders a bill links, in its header LinkedTxn or on its lines (as QBO records a PO received on a bill). */
export function billPurchaseOrders(bill: QboObject | undefined): string[] {
  const links = [...((bill?.LinkedTxn as QboObject[] | undefined) ?? [])];
  for (const l of (bill?.Line as Line[] | undefined) ?? []) links.push(...((l.LinkedTxn as QboObject[] | undefined) ?? []));
  return [...new Set(links.filter((t) => t.TxnType === 'PurchaseOrder').map((t) => String(t.TxnId)))];
}

export interface LinkTarget {
  entity: TransactionEntity;
  id: string;
}

/** The transactions whose derived state depends on this one: what a payment settles, the POs a bill links. */
export function linkTargets(entity: EntityName, txn: QboObject | undefined): LinkTarget[] {
  if (isSettlement(entity)) {
    const { charge, credit } = SETTLEMENTS[entity];
    return [charge, credit].flatMap((e) => [...lineLinks(txn, e).keys()].map((id) => ({ entity: e, id })));
  }
  if (entity === 'Bill') return billPurchaseOrders(txn).map((id) => ({ entity: 'PurchaseOrder', id }));
  return [];
}

/** The document type a settlement line pays or uses: the type of its first link. */
function lineKind(l: Line): unknown {
  return ((l.LinkedTxn as QboObject[] | undefined) ?? [])[0]?.TxnType;
}

/** Charges paid and credits used by a payment's lines; what it applies in cash is their difference. */
function settlementTotals(entity: SettlementEntity, txn: QboObject): { charged: number; credited: number } {
  let charged = 0;
  let credited = 0;
  for (const l of (txn.Line as Line[] | undefined) ?? []) {
    if (lineKind(l) === SETTLEMENTS[entity].credit) credited += Number(l.Amount ?? 0);
    else charged += Number(l.Amount ?? 0);
  }
  return { charged, credited };
}

/** What a payment leaves unapplied: stored as UnappliedAmt on a Payment, a credit with the vendor for a BillPayment. */
export function unappliedAmount(entity: SettlementEntity, txn: QboObject): number {
  const { charged, credited } = settlementTotals(entity, txn);
  return Number(txn.TotalAmt ?? 0) - (charged - credited);
}

function settlementRules(ctx: RuleContext, value: QboObject, lines: Line[], currency: string): void {
  const entity = ctx.def.name as SettlementEntity;
  const { charge, credit, charges } = SETTLEMENTS[entity];
  const { label, party } = TXN[entity];
  const partyLabel = party === 'VendorRef' ? 'vendor' : 'customer';
  const total = roundMoney(Number(value.TotalAmt), currency);
  if (total < 0) throw businessValidation(`A ${label.toLowerCase()} amount cannot be negative.`, 'TotalAmt');
  value.TotalAmt = total;
  const partyId = refId(value[party]);
  let charged = 0;
  let credited = 0;
  for (const l of lines) {
    l.Amount = roundMoney(Number(l.Amount), currency);
    for (const link of l.LinkedTxn as QboObject[]) {
      if (!link.TxnId) throw requiredParam('Line.LinkedTxn.TxnId');
      if (link.TxnType !== charge && link.TxnType !== credit) {
        throw invalidReference('Line.LinkedTxn.TxnType', `Line.LinkedTxn.TxnType ${String(link.TxnType)}`);
      }
      const type = link.TxnType === charge ? charge : credit;
      const id = String(link.TxnId);
      const doc = ctx.lookup(type, id);
      if (!doc) {
        throw invalidReference(
          'Line.LinkedTxn.TxnId',
          `${type} assigned to this transaction has been deleted. Before you can modify this transaction, you must remove the deleted ${type} (TxnId=${id}).`,
        );
      }
      if (refId(doc[party]) !== partyId) throw cannotLink(`${type} ${id} belongs to a different ${partyLabel} than this ${label.toLowerCase()}.`);
      if (refId(doc.CurrencyRef) !== currency) {
        throw businessValidation(`The ${label.toLowerCase()} currency ${currency} does not match the currency of ${type} ${id}.`, 'CurrencyRef');
      }
      const open = roundMoney(Number(doc.Balance ?? 0) + (lineLinks(ctx.existing, type).get(id) ?? 0), currency);
      if (l.Amount > open + 0.0001) {
        throw businessValidation(`The amount applied to ${type} ${id} (${l.Amount}) is more than its open balance (${open}).`, 'Line.Amount');
      }
    }
    if (lineKind(l) === credit) credited += l.Amount;
    else charged += l.Amount;
  }
  charged = roundMoney(charged, currency);
  credited = roundMoney(credited, currency);
  if (credited > charged + 0.0001) {
    throw businessValidation(`The credits applied (${credited}) are more than the ${charges} they pay (${charged}).`, 'Line.Amount');
  }
  const applied = roundMoney(charged - credited, currency);
  if (applied > total + 0.0001) {
    throw businessValidation(`The amount applied to ${charges} (${applied}) is more than the ${label.toLowerCase()} amount (${total}).`, 'Line.Amount');
  }
  if (entity === 'Payment') {
    value.UnappliedAmt = roundMoney(total - applied, currency);
    value.DepositToAccountRef ??= firstAccount(ctx, 'Other Current Asset', 'UndepositedFunds');
    value.ARAccountRef ??= firstAccount(ctx, 'Accounts Receivable');
    value.ProcessPayment = value.ProcessPayment === true;
  } else {
    payingAccountRules(ctx, value);
    value.APAccountRef ??= firstAccount(ctx, 'Accounts Payable');
  }
}

/** A check is drawn on a bank account and a card payment charged to a credit card account. */
function payingAccountRules(ctx: RuleContext, value: QboObject): void {
  const check = value.PayType === 'Check';
  const element = check ? 'CheckPayment.BankAccountRef' : 'CreditCardPayment.CCAccountRef';
  const accountType = check ? 'Bank' : 'Credit Card';
  const holder = ((check ? value.CheckPayment : value.CreditCardPayment) as QboObject | undefined) ?? {};
  const id = refId(check ? holder.BankAccountRef : holder.CCAccountRef);
  const account = id ? ctx.lookup('Account', id) : undefined;
  if (account && account.AccountType !== accountType) {
    throw businessValidation(
      `A ${String(value.PayType)} bill payment is paid from a ${accountType} account; ${String(account.Name)} is ${String(account.AccountType)}.`,
      element,
    );
  }
}

/** A bill may link purchase orders of its own vendor that exist (QBO reports the PO as received on the bill). */
function purchaseOrderLinkRules(ctx: RuleContext, value: QboObject): void {
  const headerLinks = ((value.LinkedTxn as QboObject[] | undefined) ?? []).filter((t) => t.TxnType === 'PurchaseOrder');
  const lineLinked = ((value.Line as Line[] | undefined) ?? []).flatMap((l) =>
    ((l.LinkedTxn as QboObject[] | undefined) ?? []).filter((t) => t.TxnType === 'PurchaseOrder'),
  );
  const vendorId = refId(value.VendorRef);
  for (const [element, link] of [...headerLinks.map((t) => ['LinkedTxn', t] as const), ...lineLinked.map((t) => ['Line.LinkedTxn', t] as const)]) {
    if (!link.TxnId) throw requiredParam(`${element}.TxnId`);
    const id = String(link.TxnId);
    const po = ctx.lookup('PurchaseOrder', id);
    if (!po) {
      throw invalidReference(
        `${element}.TxnId`,
        `PurchaseOrder assigned to this transaction has been deleted. Before you can modify this transaction, you must remove the deleted PurchaseOrder (TxnId=${id}).`,
      );
    }
    if (refId(po.VendorRef) !== vendorId) throw cannotLink(`Purchase Order ${id} belongs to a different vendor than this bill.`, element);
  }
}

/** Home-currency units per unit of a foreign currency when the client sends no ExchangeRate. */
function defaultExchangeRate(opts: ResolvedOptions, currency: string): number {
  const d = opts.defaultExchangeRate;
  return typeof d === 'number' ? d : (d[currency] ?? 1);
}

export function transactionRules(ctx: RuleContext, value: QboObject): QboObject {
  const entity = ctx.def.name as TransactionEntity;
  const { party, partyOptional, label } = TXN[entity];
  if (!partyOptional && !refId(value[party])) throw requiredParam(party);
  requiredHeader(ctx, value);
  const lines = requiredLines(ctx, value);

  value.TxnDate ??= ctx.today;
  if (isClosed(ctx.company, value.TxnDate)) throw accountPeriodClosed();

  ctx.checkRefs(value);
  for (const l of lines) {
    const itemId = l.DetailType && ITEM_LINES.has(l.DetailType) ? refId((l[l.DetailType] as QboObject).ItemRef) : undefined;
    const item = itemId ? ctx.lookup('Item', itemId) : undefined;
    if (item?.Type === 'Category') throw invalidReference(`Line.${l.DetailType}.ItemRef`, 'Categories cannot be used in transactions.');
  }
  if (entity === 'Bill') purchaseOrderLinkRules(ctx, value);

  const partyEntity = party === 'VendorRef' ? 'Vendor' : 'Customer';
  const partyId = refId(value[party]);
  const partyObj = partyId ? ctx.lookup(partyEntity, partyId) : undefined;
  const partyCurrency = refId(partyObj?.CurrencyRef) ?? ctx.company.prefs.homeCurrency;
  const currency = refId(value.CurrencyRef) ?? partyCurrency;
  value.CurrencyRef = currencyRefFor(currency);
  checkCurrency(ctx, currency, `This ${label.toLowerCase()}`);
  if (partyObj && currency !== partyCurrency) {
    throw businessValidation(
      `The currency of the transaction (${currency}) must match the currency of the ${partyEntity.toLowerCase()} (${partyCurrency}).`,
      'CurrencyRef',
    );
  }
  const home = currency === ctx.company.prefs.homeCurrency;
  if (home) {
    value.ExchangeRate = 1;
  } else {
    // QBO applies its own rate of the day when none is sent; the simulator's is an option.
    const rate = Number(value.ExchangeRate ?? defaultExchangeRate(ctx.opts, currency));
    if (!(rate > 0)) throw businessValidation(`The exchange rate for ${currency} must be greater than 0.`, 'ExchangeRate');
    value.ExchangeRate = rate;
  }

  docNumberRules(ctx, value);
  numberLines(lines, ctx.existing);

  if (isSettlement(entity)) {
    settlementRules(ctx, value, lines, currency);
  } else {
    lineArithmetic(lines, currency);
    const net = lineTotals(lines, currency);
    const tax = taxTotal(ctx, value, lines, currency);
    value.TxnTaxDetail = { ...((value.TxnTaxDetail as QboObject | undefined) ?? {}), TotalTax: tax };
    value.TotalAmt = roundMoney(value.GlobalTaxCalculation === 'TaxInclusive' ? net : net + tax, currency);
    const termId = refId(value.SalesTermRef) ?? refId(partyObj?.SalesTermRef) ?? refId(partyObj?.TermRef);
    const term = termId ? ctx.lookup('Term', termId) : undefined;
    // Only what is owed falls due; the other forms accept a DueDate but QBO fills none in.
    if (entity === 'Invoice' || entity === 'Bill') value.DueDate ??= addDays(String(value.TxnDate), Number(term?.DueDays ?? 0));
    if (party === 'VendorRef') value.APAccountRef ??= firstAccount(ctx, 'Accounts Payable');
    if (ctx.def.fields.PrintStatus) value.PrintStatus ??= 'NotSet';
    if (ctx.def.fields.EmailStatus) value.EmailStatus ??= 'NotSet';
    if (ctx.def.fields.ApplyTaxAfterDiscount) value.ApplyTaxAfterDiscount = value.ApplyTaxAfterDiscount === true;
    switch (entity) {
      case 'PurchaseOrder':
        purchaseOrderStatusRules(ctx, value);
        break;
      case 'Invoice':
        value.Deposit = roundMoney(Number(value.Deposit ?? 0), currency);
        // Payments are subtracted by derivedState, which owns the payment links.
        value.Balance = roundMoney(Number(value.TotalAmt) - Number(value.Deposit), currency);
        break;
      case 'CreditMemo':
        value.Balance = value.TotalAmt;
        value.RemainingCredit = value.TotalAmt;
        break;
      case 'Bill':
      case 'VendorCredit':
        value.Balance = value.TotalAmt;
        break;
      case 'SalesReceipt':
      case 'RefundReceipt':
        // Paid (or refunded) on the spot: nothing stays open.
        value.Balance = 0;
        value.DepositToAccountRef ??= firstAccount(ctx, 'Other Current Asset', 'UndepositedFunds');
        break;
    }
  }
  // Home-currency amounts only on the entities whose schema has them.
  if (!home && ctx.def.fields.HomeTotalAmt) {
    value.HomeTotalAmt = roundMoney(Number(value.TotalAmt) * Number(value.ExchangeRate), ctx.company.prefs.homeCurrency);
  }
  if (!home && ctx.def.fields.HomeBalance && value.Balance !== undefined) {
    value.HomeBalance = roundMoney(Number(value.Balance) * Number(value.ExchangeRate), ctx.company.prefs.homeCurrency);
  }
  return value;
}

/**
 * A client closing a PO itself (`POStatus: "Closed"`, sparse or full) closes it manually; a close that a bill link
 * already explains is not a manual one, so it reopens when the bill goes. derivedState decides the status shown.
 */
function purchaseOrderStatusRules(ctx: RuleContext, value: QboObject): void {
  const id = ctx.existing?.Id === undefined ? undefined : String(ctx.existing.Id);
  const explained = Boolean(id) && ctx.opts.purchaseOrderCloseOnBillLink && ctx.all('Bill').some((b) => billPurchaseOrders(b).includes(id!));
  value.ManuallyClosed = value.POStatus === 'Closed' && (ctx.existing?.ManuallyClosed === true || !explained);
  value.POStatus ??= 'Open';
}

/** Entities whose stored state other transactions change: settled documents and purchase orders. */
export function hasDerivedState(entity: EntityName): boolean {
  return entity === 'PurchaseOrder' || SETTLED_BY[entity as TransactionEntity] !== undefined;
}

/**
 * What other transactions say about a document, re-derived from them: for a settled document its Balance (and
 * RemainingCredit, HomeBalance) and the payment links in its LinkedTxn; for a purchase order the bills that link it
 * and, with purchaseOrderCloseOnBillLink, its POStatus. Links of other kinds the client sent are kept.
 */
export function derivedState(company: CompanyState, opts: ResolvedOptions, entity: TransactionEntity, doc: QboObject): QboObject {
  const id = String(doc.Id);
  const own = (doc.LinkedTxn as QboObject[] | undefined) ?? [];
  const out: QboObject = { ...doc };
  const setLinks = (kind: string, links: QboObject[]): void => {
    const all = [...own.filter((l) => l.TxnType !== kind), ...links];
    if (all.length) out.LinkedTxn = all;
    else delete out.LinkedTxn;
  };
  if (entity === 'PurchaseOrder') {
    const bills = Object.values(company.entities.Bill).filter((b) => billPurchaseOrders(b).includes(id));
    setLinks('Bill', bills.map((b) => ({ TxnId: String(b.Id), TxnType: 'Bill' })));
    const closedByBill = opts.purchaseOrderCloseOnBillLink && bills.length > 0;
    out.POStatus = closedByBill || doc.ManuallyClosed === true ? 'Closed' : 'Open';
    return out;
  }
  const by = SETTLED_BY[entity];
  if (!by) return out;
  const currency = refId(doc.CurrencyRef) ?? company.prefs.homeCurrency;
  let used = 0;
  const links: QboObject[] = [];
  for (const payment of Object.values(company.entities[by])) {
    const amount = lineLinks(payment, entity).get(id);
    if (amount === undefined) continue;
    used += amount;
    links.push({ TxnId: String(payment.Id), TxnType: by });
  }
  setLinks(by, links);
  out.Balance = roundMoney(Number(doc.TotalAmt ?? 0) - Number(doc.Deposit ?? 0) - used, currency);
  if (entity === 'CreditMemo') out.RemainingCredit = out.Balance;
  if (out.HomeBalance !== undefined) out.HomeBalance = roundMoney(Number(out.Balance) * Number(doc.ExchangeRate ?? 1), company.prefs.homeCurrency);
  return out;
}

/**
 * A payment after a document it linked was deleted or voided: the lines linking it go, and if what is left no
 * longer balances (a credit that funded an invoice is gone, or an invoice a credit was used on), the other side is
 * cut back from the last line so the payment still applies no more than it holds.
 */
export function withoutLink(entity: SettlementEntity, txn: QboObject, target: LinkTarget, currency: string): QboObject {
  const links = (l: Line): QboObject[] => (l.LinkedTxn as QboObject[] | undefined) ?? [];
  const lines = ((txn.Line as Line[] | undefined) ?? [])
    .filter((l) => !links(l).some((t) => t.TxnType === target.entity && String(t.TxnId) === target.id))
    .map((l) => ({ ...l }));
  const out: QboObject = { ...txn, Line: lines };
  const { credit } = SETTLEMENTS[entity];
  const { charged, credited } = settlementTotals(entity, out);
  const cut = (isCredit: boolean, excess: number): void => {
    for (const l of [...lines].reverse()) {
      if (excess <= 0.0001) break;
      if ((lineKind(l) === credit) !== isCredit) continue;
      const take = Math.min(Number(l.Amount ?? 0), excess);
      l.Amount = roundMoney(Number(l.Amount ?? 0) - take, currency);
      excess -= take;
    }
  };
  if (credited > charged) cut(true, credited - charged);
  else if (charged - credited > Number(txn.TotalAmt ?? 0)) cut(false, charged - credited - Number(txn.TotalAmt ?? 0));
  out.Line = lines.filter((l) => Number(l.Amount ?? 0) > 0);
  if (entity === 'Payment') out.UnappliedAmt = roundMoney(unappliedAmount(entity, out), currency);
  return out;
}

/** A bill after a purchase order it linked was deleted: the PO links go from its header and its lines. */
export function billWithoutPurchaseOrder(bill: QboObject, poId: string): QboObject {
  const keep = (t: QboObject): boolean => !(t.TxnType === 'PurchaseOrder' && String(t.TxnId) === poId);
  const out: QboObject = { ...bill };
  const header = ((bill.LinkedTxn as QboObject[] | undefined) ?? []).filter(keep);
  if (header.length) out.LinkedTxn = header;
  else delete out.LinkedTxn;
  out.Line = ((bill.Line as Line[] | undefined) ?? []).map((l) => {
    if (!l.LinkedTxn) return l;
    const linked = (l.LinkedTxn as QboObject[]).filter(keep);
    const copy: Line = { ...l, LinkedTxn: linked };
    if (!linked.length) delete copy.LinkedTxn;
    return copy;
  });
  return out;
}

/**
 * A voided transaction (reference §6.3): it stays, with zero amounts and "Voided" as its private note. A payment
 * loses its lines, so whatever it settled is open again; a sales form keeps its lines at zero.
 */
export function voidedTransaction(entity: TransactionEntity, txn: QboObject): QboObject {
  const voided = structuredClone(txn);
  if (isSettlement(entity)) {
    voided.Line = [];
    if (entity === 'Payment') voided.UnappliedAmt = 0;
  } else {
    for (const l of (voided.Line as Line[] | undefined) ?? []) {
      l.Amount = 0;
      const d = l.SalesItemLineDetail as QboObject | undefined;
      if (d) d.Qty = 0;
    }
    voided.TxnTaxDetail = { TotalTax: 0 };
    for (const key of ['Balance', 'RemainingCredit', 'Deposit', 'HomeBalance']) if (voided[key] !== undefined) voided[key] = 0;
  }
  voided.TotalAmt = 0;
  if (voided.HomeTotalAmt !== undefined) voided.HomeTotalAmt = 0;
  voided.PrivateNote = 'Voided';
  return voided;
}
