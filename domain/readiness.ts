import type { AwraRecord } from './records.ts';
import type { ReadinessCheck } from './sync.ts';
import { formatMoney } from './money.ts';
import { RECORD_TYPES, RECORD_TYPE_LABELS, isMasterRecordType, type RecordType } from './vocabulary.ts';

/** What the workflow knows about the QuickBooks company when it validates (absent before a connection exists). */
export interface ReadinessContext {
  /** QuickBooks closing date (books closed on or before it), YYYY-MM-DD. */
  closingDate?: string | null;
  homeCurrency?: string | null;
  multicurrency?: boolean;
}

/** Every id a readiness check can have: each has a help article (domain/help.ts), so a new one must be listed here. */
export const READINESS_CHECK_IDS = [
  'eligible',
  'amounts_positive',
  'lines_sum',
  'line_math',
  'due_date',
  'open_period',
  'currency',
  'exchange_rate',
  'applied',
  'inventory_fields',
  'price',
] as const;
export type ReadinessCheckId = (typeof READINESS_CHECK_IDS)[number];

type Check = Omit<ReadinessCheck, 'ok'> & { ok: boolean };

const pass = (id: ReadinessCheckId, label: string, message: string): Check => ({ id, label, ok: true, message });
const fail = (id: ReadinessCheckId, label: string, message: string): Check => ({ id, label, ok: false, message });

/** The record types that sync once `posted` (DESIGN.md §8); master records and purchase orders need `approved`. */
const POSTED_TYPES: ReadonlySet<RecordType> = new Set(
  RECORD_TYPES.filter((t) => !isMasterRecordType(t) && t !== 'purchase_order'),
);

/** Which AWRA status makes a record of this type eligible to sync (DESIGN.md §8). */
export function requiredStatus(record: AwraRecord): 'approved' | 'posted' {
  return POSTED_TYPES.has(record.recordType) ? 'posted' : 'approved';
}

function eligibility(record: AwraRecord): Check {
  const label = 'Approved and eligible';
  const what = RECORD_TYPE_LABELS[record.recordType].toLowerCase();
  if (record.status === 'void') {
    return fail('eligible', label, `This ${what} is void in AWRA, so it will not be sent to QuickBooks.`);
  }
  const needed = requiredStatus(record);
  const ok = needed === 'approved' ? record.status === 'approved' || record.status === 'posted' : record.status === 'posted';
  if (!ok) {
    return fail(
      'eligible',
      label,
      `This ${what} is "${record.status}" in AWRA; it must be ${needed} before it can be sent to QuickBooks.`,
    );
  }
  const active =
    record.recordType === 'item' ? record.data.active !== false
    : record.recordType === 'vendor' || record.recordType === 'customer' ? record.data.active
    : true;
  if (isMasterRecordType(record.recordType)) {
    if (!active) return fail('eligible', label, `This ${what} is inactive in AWRA; only active ${what}s are sent.`);
  }
  return pass('eligible', label, `The ${what} is ${record.status} in AWRA.`);
}

function lineChecks(
  currency: string,
  total: number,
  lines: ReadonlyArray<{ amount: number; qty?: number; unitPrice?: number }>,
): Check[] {
  const checks: Check[] = [];
  const badAmount = lines.findIndex((l) => l.amount <= 0);
  checks.push(
    badAmount >= 0
      ? fail('amounts_positive', 'Amounts are positive', `Line ${badAmount + 1} has an amount of ${formatMoney(lines[badAmount]!.amount, currency)}; every line amount must be more than zero.`)
      : total <= 0
        ? fail('amounts_positive', 'Amounts are positive', `The total is ${formatMoney(total, currency)}; it must be more than zero.`)
        : pass('amounts_positive', 'Amounts are positive', 'Every line amount and the total are more than zero.'),
  );
  const sum = lines.reduce((s, l) => s + l.amount, 0);
  checks.push(
    sum === total
      ? pass('lines_sum', 'Lines add up to the total', `The ${lines.length} line(s) add up to ${formatMoney(total, currency)}.`)
      : fail(
          'lines_sum',
          'Lines add up to the total',
          `The lines add up to ${formatMoney(sum, currency)} but the total says ${formatMoney(total, currency)}; correct the lines or the total in AWRA.`,
        ),
  );
  const mismatch = lines.findIndex(
    (l) => l.qty !== undefined && l.unitPrice !== undefined && Math.abs(Math.round(l.qty * l.unitPrice) - l.amount) > 0,
  );
  checks.push(
    mismatch >= 0
      ? fail(
          'line_math',
          'Quantity × price matches each line',
          `Line ${mismatch + 1}: ${lines[mismatch]!.qty} × ${formatMoney(lines[mismatch]!.unitPrice!, currency)} is ${formatMoney(Math.round(lines[mismatch]!.qty! * lines[mismatch]!.unitPrice!), currency)}, not ${formatMoney(lines[mismatch]!.amount, currency)}.`,
        )
      : pass('line_math', 'Quantity × price matches each line', 'Every line amount equals quantity × unit price.'),
  );
  return checks;
}

function dateChecks(record: AwraRecord, ctx: ReadinessContext): Check[] {
  if (!('txnDate' in record.data)) return [];
  const checks: Check[] = [];
  const { txnDate } = record.data;
  if ('dueDate' in record.data) {
    checks.push(
      record.data.dueDate >= txnDate
        ? pass('due_date', 'Due date after transaction date', `Due ${record.data.dueDate}.`)
        : fail('due_date', 'Due date after transaction date', `The due date ${record.data.dueDate} is before the transaction date ${txnDate}.`),
    );
  }
  if (ctx.closingDate) {
    checks.push(
      txnDate > ctx.closingDate
        ? pass('open_period', 'Dated in an open period', `${txnDate} is after the QuickBooks closing date ${ctx.closingDate}.`)
        : fail(
            'open_period',
            'Dated in an open period',
            `The transaction date ${txnDate} is on or before the QuickBooks closing date ${ctx.closingDate}; QuickBooks will refuse it. Re-date it in AWRA or ask the controller to reopen the period.`,
          ),
    );
  }
  return checks;
}

function currencyCheck(currency: string | undefined, ctx: ReadinessContext): Check[] {
  if (!currency || !ctx.homeCurrency) return [];
  if (currency === ctx.homeCurrency || ctx.multicurrency) {
    return [pass('currency', 'Currency accepted', `${currency} is accepted by the QuickBooks company.`)];
  }
  return [
    fail(
      'currency',
      'Currency accepted',
      `The record is in ${currency} but the QuickBooks company works only in ${ctx.homeCurrency} (multicurrency is off).`,
    ),
  ];
}

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * A transaction in a foreign currency needs the rate QuickBooks should book it at (DESIGN.md §8): without one,
 * QuickBooks would pick its own rate and the home-currency amounts would differ from AWRA's. Only asked for when the
 * company has multicurrency on; otherwise the currency check already refuses the record.
 */
function exchangeRateCheck(record: AwraRecord, data: { currency: string; exchangeRate?: string | undefined }, ctx: ReadinessContext): Check[] {
  const home = ctx.homeCurrency;
  if (!home || !ctx.multicurrency || data.currency === home) return [];
  const label = 'Exchange rate given';
  const what = RECORD_TYPE_LABELS[record.recordType].toLowerCase();
  const rate = data.exchangeRate;
  if (rate === undefined) {
    return [
      fail(
        'exchange_rate',
        label,
        `This ${what} is in ${data.currency} but the QuickBooks company keeps its books in ${home}; AWRA must send the exchange rate (${home} per 1 ${data.currency}) with it.`,
      ),
    ];
  }
  if (!DECIMAL.test(rate) || !(Number(rate) > 0)) {
    return [
      fail(
        'exchange_rate',
        label,
        `The exchange rate "${rate}" cannot be used; it must be a number above zero (${home} per 1 ${data.currency}). Correct it in AWRA.`,
      ),
    ];
  }
  return [pass('exchange_rate', label, `1 ${data.currency} = ${rate} ${home}.`)];
}

/** The checks every transaction shares: its dates, its currency and, for a foreign currency, its exchange rate. */
function txnChecks(
  record: AwraRecord,
  data: { currency: string; exchangeRate?: string | undefined },
  ctx: ReadinessContext,
): Check[] {
  return [...dateChecks(record, ctx), ...currencyCheck(data.currency, ctx), ...exchangeRateCheck(record, data, ctx)];
}

/**
 * Amounts a payment, bill payment or credit note applies to other documents: each above zero, together no more
 * than the document itself.
 */
function appliedCheck(
  what: string,
  target: 'invoice' | 'bill',
  amount: number,
  currency: string,
  applications: ReadonlyArray<{ id: string; amount: number }>,
): Check {
  const label = `Applied amounts fit the ${what}`;
  const bad = applications.find((a) => a.amount <= 0);
  if (bad) return fail('applied', label, `The amount applied to ${target} ${bad.id} must be more than zero.`);
  const applied = applications.reduce((s, a) => s + a.amount, 0);
  if (applied > amount) {
    return fail('applied', label, `${formatMoney(applied, currency)} is applied to ${target}s but the ${what} is only ${formatMoney(amount, currency)}.`);
  }
  return pass('applied', label, `${formatMoney(applied, currency)} applied to ${applications.length} ${target}(s).`);
}

/**
 * The readiness rules (DESIGN.md §3 step 1): complete, approved or posted, eligible, dated in an open period,
 * in an accepted currency (with its exchange rate when foreign), with lines that add up and applications that fit. Pure, so the workflow can run it deterministically.
 */
export function checkReadiness(record: AwraRecord, ctx: ReadinessContext = {}): ReadinessCheck[] {
  const checks: Check[] = [eligibility(record)];
  switch (record.recordType) {
    case 'vendor':
    case 'customer':
      checks.push(...currencyCheck(record.data.currency, ctx));
      break;
    case 'item': {
      const d = record.data;
      if (d.kind === 'inventory') {
        const missing = [
          !d.assetAccount && 'an inventory asset account',
          d.qtyOnHand === undefined && 'the quantity on hand',
          !d.inventoryStartDate && 'the inventory start date',
        ].filter(Boolean);
        checks.push(
          missing.length
            ? fail('inventory_fields', 'Inventory details complete', `An inventory item needs ${missing.join(', ')}.`)
            : pass('inventory_fields', 'Inventory details complete', 'Asset account, quantity and start date are set.'),
        );
      }
      checks.push(
        d.unitPrice >= 0
          ? pass('price', 'Price is valid', `Unit price ${d.unitPrice}.`)
          : fail('price', 'Price is valid', 'The unit price must not be negative.'),
      );
      break;
    }
    case 'purchase_order':
    case 'bill':
    case 'invoice':
    case 'credit_note':
    case 'vendor_credit':
    case 'refund':
      checks.push(...lineChecks(record.data.currency, record.data.total, record.data.lines));
      if (record.recordType === 'credit_note' && record.data.appliedTo) {
        const { total, currency, appliedTo } = record.data;
        checks.push(appliedCheck('credit note', 'invoice', total, currency, appliedTo.map((a) => ({ id: a.invoiceId, amount: a.amount }))));
      }
      checks.push(...txnChecks(record, record.data, ctx));
      break;
    case 'payment': {
      const d = record.data;
      checks.push(
        d.amount > 0
          ? pass('amounts_positive', 'Amounts are positive', `Payment of ${formatMoney(d.amount, d.currency)}.`)
          : fail('amounts_positive', 'Amounts are positive', 'The payment amount must be more than zero.'),
      );
      checks.push(appliedCheck('payment', 'invoice', d.amount, d.currency, d.appliedTo.map((a) => ({ id: a.invoiceId, amount: a.amount }))));
      checks.push(...txnChecks(record, d, ctx));
      break;
    }
    case 'bill_payment': {
      const d = record.data;
      checks.push(
        d.amount > 0
          ? pass('amounts_positive', 'Amounts are positive', `Bill payment of ${formatMoney(d.amount, d.currency)}.`)
          : fail('amounts_positive', 'Amounts are positive', 'The bill payment amount must be more than zero.'),
      );
      // QuickBooks records a bill payment only through the bills it pays (reference §5.2: Line with LinkedTxn).
      checks.push(
        d.appliedTo.length === 0
          ? fail('applied', 'Applied amounts fit the bill payment', 'This bill payment is not applied to any bill; QuickBooks records a bill payment only against the bills it pays. Apply it to its bills in AWRA.')
          : appliedCheck('bill payment', 'bill', d.amount, d.currency, d.appliedTo.map((a) => ({ id: a.billId, amount: a.amount }))),
      );
      checks.push(...txnChecks(record, d, ctx));
      break;
    }
  }
  return checks;
}

export function isReady(checks: readonly ReadinessCheck[]): boolean {
  return checks.every((c) => c.ok);
}

/** The main amount of a record, for blast radius and close readiness (null for master records). */
export function recordAmount(record: AwraRecord): { amount: number; currency: string } | null {
  switch (record.recordType) {
    case 'purchase_order':
    case 'bill':
    case 'invoice':
    case 'credit_note':
    case 'vendor_credit':
    case 'refund':
      return { amount: record.data.total, currency: record.data.currency };
    case 'payment':
    case 'bill_payment':
      return { amount: record.data.amount, currency: record.data.currency };
    default:
      return null;
  }
}

export function recordTxnDate(record: AwraRecord): string | null {
  return 'txnDate' in record.data ? record.data.txnDate : null;
}
