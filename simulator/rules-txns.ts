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
import type { QboObject, TransactionEntity } from './types.ts';

/**
 * Rules for transactions (reference §5.2-5.4): required party and lines, line arithmetic (6070), totals computed by
 * QBO rather than taken from the client, DocNumber length/uniqueness (2050/6140) and auto-numbering, the books
 * closing date (6210), currencies, and payments applied against invoice balances.
 */

type Line = QboObject & { Amount?: number; DetailType?: string };

const TXN_TYPE_LABEL: Record<TransactionEntity, string> = {
  PurchaseOrder: 'Purchase Order',
  Bill: 'Bill',
  Invoice: 'Invoice',
  Payment: 'Payment',
};

const PARTY: Record<TransactionEntity, 'VendorRef' | 'CustomerRef'> = {
  PurchaseOrder: 'VendorRef',
  Bill: 'VendorRef',
  Invoice: 'CustomerRef',
  Payment: 'CustomerRef',
};

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
  if (lines.length === 0 && entity !== 'Payment') throw requiredParam('Line');
  for (const l of lines) {
    if (entity === 'Payment') {
      if (l.Amount === undefined) throw requiredParam('Line.Amount');
      if (!Array.isArray(l.LinkedTxn) || l.LinkedTxn.length === 0) throw requiredParam('Line.LinkedTxn');
      continue;
    }
    if (!l.DetailType) throw requiredParam('Line.DetailType');
    const type = l.DetailType;
    if (!ctx.def.lineTypes?.includes(type)) {
      throw businessValidation(`${type} lines are not supported on a ${TXN_TYPE_LABEL[entity]}.`, 'Line.DetailType');
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
  if (entity === 'Invoice' && (value.DocNumber === 'AUTO_GENERATE' || (value.DocNumber === undefined && !ctx.existing && !company.prefs.customTxnNumbers))) {
    const taken = new Set(ctx.all('Invoice').map((i) => String(i.DocNumber)));
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
  if (clash) throw duplicateDocNumber(doc, TXN_TYPE_LABEL[entity], String(clash.Id));
}

/** Sum a payment applies to each invoice id. */
export function paymentApplications(payment: QboObject | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of (payment?.Line as Line[] | undefined) ?? []) {
    for (const link of (l.LinkedTxn as QboObject[] | undefined) ?? []) {
      if (link.TxnType === 'Invoice') out.set(String(link.TxnId), (out.get(String(link.TxnId)) ?? 0) + Number(l.Amount ?? 0));
    }
  }
  return out;
}

function paymentRules(ctx: RuleContext, value: QboObject, lines: Line[], currency: string): void {
  const total = roundMoney(Number(value.TotalAmt), currency);
  if (total < 0) throw businessValidation('A payment amount cannot be negative.', 'TotalAmt');
  value.TotalAmt = total;
  const customerId = refId(value.CustomerRef);
  const previous = paymentApplications(ctx.existing);
  let applied = 0;
  for (const l of lines) {
    l.Amount = roundMoney(Number(l.Amount), currency);
    for (const link of l.LinkedTxn as QboObject[]) {
      if (!link.TxnId) throw requiredParam('Line.LinkedTxn.TxnId');
      if (link.TxnType !== 'Invoice') throw invalidReference('Line.LinkedTxn.TxnType', `Line.LinkedTxn.TxnType ${String(link.TxnType)}`);
      const invoice = ctx.lookup('Invoice', String(link.TxnId));
      if (!invoice) {
        throw invalidReference(
          'Line.LinkedTxn.TxnId',
          `Invoice assigned to this transaction has been deleted. Before you can modify this transaction, you must remove the deleted Invoice (TxnId=${String(link.TxnId)}).`,
        );
      }
      if (refId(invoice.CustomerRef) !== customerId) {
        throw cannotLink(`Invoice ${String(invoice.Id)} belongs to a different customer than this payment.`);
      }
      if (refId(invoice.CurrencyRef) !== currency) {
        throw businessValidation(`The payment currency ${currency} does not match the currency of Invoice ${String(invoice.Id)}.`, 'CurrencyRef');
      }
      const open = roundMoney(Number(invoice.Balance ?? 0) + (previous.get(String(invoice.Id)) ?? 0), currency);
      if (l.Amount > open + 0.0001) {
        throw businessValidation(
          `The amount applied to Invoice ${String(invoice.Id)} (${l.Amount}) is more than its open balance (${open}).`,
          'Line.Amount',
        );
      }
    }
    applied += l.Amount;
  }
  applied = roundMoney(applied, currency);
  if (applied > total + 0.0001) {
    throw businessValidation(`The amount applied to invoices (${applied}) is more than the payment amount (${total}).`, 'Line.Amount');
  }
  value.UnappliedAmt = roundMoney(total - applied, currency);
  value.DepositToAccountRef ??= firstAccount(ctx, 'Other Current Asset', 'UndepositedFunds');
  value.ARAccountRef ??= firstAccount(ctx, 'Accounts Receivable');
  value.ProcessPayment = value.ProcessPayment === true;
}

export function transactionRules(ctx: RuleContext, value: QboObject): QboObject {
  const entity = ctx.def.name as TransactionEntity;
  const party = PARTY[entity];
  if (!refId(value[party])) throw requiredParam(party);
  if (entity === 'Payment' && value.TotalAmt === undefined) throw requiredParam('TotalAmt');
  if (entity === 'PurchaseOrder' && ctx.opts.purchaseOrderRequiresApAccount && !refId(value.APAccountRef)) throw requiredParam('APAccountRef');
  const lines = requiredLines(ctx, value);

  value.TxnDate ??= ctx.today;
  if (isClosed(ctx.company, value.TxnDate)) throw accountPeriodClosed();

  ctx.checkRefs(value);
  for (const l of lines) {
    const itemId = l.DetailType && ITEM_LINES.has(l.DetailType) ? refId((l[l.DetailType] as QboObject).ItemRef) : undefined;
    const item = itemId ? ctx.lookup('Item', itemId) : undefined;
    if (item?.Type === 'Category') throw invalidReference(`Line.${l.DetailType}.ItemRef`, 'Categories cannot be used in transactions.');
  }

  const partyEntity = party === 'VendorRef' ? 'Vendor' : 'Customer';
  const partyObj = ctx.lookup(partyEntity, refId(value[party])!);
  const partyCurrency = refId(partyObj?.CurrencyRef) ?? ctx.company.prefs.homeCurrency;
  const currency = refId(value.CurrencyRef) ?? partyCurrency;
  value.CurrencyRef = currencyRefFor(currency);
  checkCurrency(ctx, currency, `This ${TXN_TYPE_LABEL[entity].toLowerCase()}`);
  if (currency !== partyCurrency) {
    throw businessValidation(
      `The currency of the transaction (${currency}) must match the currency of the ${partyEntity.toLowerCase()} (${partyCurrency}).`,
      'CurrencyRef',
    );
  }
  const home = currency === ctx.company.prefs.homeCurrency;
  value.ExchangeRate = home ? 1 : Number(value.ExchangeRate ?? 1);

  docNumberRules(ctx, value);
  numberLines(lines, ctx.existing);

  if (entity === 'Payment') {
    paymentRules(ctx, value, lines, currency);
  } else {
    lineArithmetic(lines, currency);
    const net = lineTotals(lines, currency);
    const tax = taxTotal(ctx, value, lines, currency);
    value.TxnTaxDetail = { ...((value.TxnTaxDetail as QboObject | undefined) ?? {}), TotalTax: tax };
    value.TotalAmt = roundMoney(value.GlobalTaxCalculation === 'TaxInclusive' ? net : net + tax, currency);
    const termId = refId(value.SalesTermRef) ?? refId(partyObj?.SalesTermRef) ?? refId(partyObj?.TermRef);
    const term = termId ? ctx.lookup('Term', termId) : undefined;
    if (entity !== 'PurchaseOrder') value.DueDate ??= addDays(String(value.TxnDate), Number(term?.DueDays ?? 0));
    if (entity === 'Bill' || entity === 'PurchaseOrder') value.APAccountRef ??= firstAccount(ctx, 'Accounts Payable');
    if (entity === 'PurchaseOrder') value.POStatus ??= 'Open';
    if (entity === 'Bill') value.Balance = value.TotalAmt;
    if (entity === 'Invoice') {
      value.Deposit = roundMoney(Number(value.Deposit ?? 0), currency);
      // Payments are subtracted by the engine (invoicePaymentState), which owns the payment links.
      value.Balance = roundMoney(Number(value.TotalAmt) - Number(value.Deposit), currency);
      value.PrintStatus ??= 'NotSet';
      value.EmailStatus ??= 'NotSet';
      value.ApplyTaxAfterDiscount = value.ApplyTaxAfterDiscount === true;
    }
  }
  // Home-currency amounts only on the entities whose schema has them (invoices and bills).
  if (!home && ctx.def.fields.HomeTotalAmt) {
    value.HomeTotalAmt = roundMoney(Number(value.TotalAmt) * Number(value.ExchangeRate), ctx.company.prefs.homeCurrency);
  }
  if (!home && ctx.def.fields.HomeBalance && value.Balance !== undefined) {
    value.HomeBalance = roundMoney(Number(value.Balance) * Number(value.ExchangeRate), ctx.company.prefs.homeCurrency);
  }
  return value;
}

/**
 * Re-derives an invoice's Balance and payment links from the payments that exist; called after any payment write
 * so balances never drift from the payments that explain them.
 */
export function invoicePaymentState(company: CompanyState, invoice: QboObject): { Balance: number; LinkedTxn: QboObject[] } {
  const currency = refId(invoice.CurrencyRef) ?? company.prefs.homeCurrency;
  let paid = 0;
  const links: QboObject[] = [];
  for (const payment of Object.values(company.entities.Payment)) {
    const amount = paymentApplications(payment).get(String(invoice.Id));
    if (amount === undefined) continue;
    paid += amount;
    links.push({ TxnId: String(payment.Id), TxnType: 'Payment' });
  }
  const others = ((invoice.LinkedTxn as QboObject[] | undefined) ?? []).filter((l) => l.TxnType !== 'Payment');
  return {
    Balance: roundMoney(Number(invoice.TotalAmt ?? 0) - Number(invoice.Deposit ?? 0) - paid, currency),
    LinkedTxn: [...others, ...links],
  };
}
