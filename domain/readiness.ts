import type { AwraRecord } from './records.ts';
import type { ReadinessCheck } from './sync.ts';
import { formatMoney } from './money.ts';
import { RECORD_TYPE_LABELS, isMasterRecordType } from './vocabulary.ts';

/** What the workflow knows about the QuickBooks company when it validates (absent before a connection exists). */
export interface ReadinessContext {
  /** QuickBooks closing date (books closed on or before it), YYYY-MM-DD. */
  closingDate?: string | null;
  homeCurrency?: string | null;
  multicurrency?: boolean;
}

type Check = Omit<ReadinessCheck, 'ok'> & { ok: boolean };

const pass = (id: string, label: string, message: string): Check => ({ id, label, ok: true, message });
const fail = (id: string, label: string, message: string): Check => ({ id, label, ok: false, message });

/** Which AWRA status makes a record of this type eligible to sync (DESIGN.md §8). */
export function requiredStatus(record: AwraRecord): 'approved' | 'posted' {
  return record.recordType === 'bill' || record.recordType === 'invoice' || record.recordType === 'payment'
    ? 'posted'
    : 'approved';
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

/**
 * The readiness rules (DESIGN.md §3 step 1): complete, approved or posted, eligible, dated in an open period,
 * in an accepted currency, with lines that add up. Pure, so the workflow can run it deterministically.
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
      checks.push(...lineChecks(record.data.currency, record.data.total, record.data.lines));
      checks.push(...dateChecks(record, ctx));
      checks.push(...currencyCheck(record.data.currency, ctx));
      break;
    case 'payment': {
      const d = record.data;
      const applied = d.appliedTo.reduce((s, a) => s + a.amount, 0);
      checks.push(
        d.amount > 0
          ? pass('amounts_positive', 'Amounts are positive', `Payment of ${formatMoney(d.amount, d.currency)}.`)
          : fail('amounts_positive', 'Amounts are positive', 'The payment amount must be more than zero.'),
      );
      const badApplied = d.appliedTo.findIndex((a) => a.amount <= 0);
      checks.push(
        badApplied >= 0
          ? fail('applied', 'Applied amounts fit the payment', `The amount applied to invoice ${d.appliedTo[badApplied]!.invoiceId} must be more than zero.`)
          : applied > d.amount
            ? fail('applied', 'Applied amounts fit the payment', `${formatMoney(applied, d.currency)} is applied to invoices but the payment is only ${formatMoney(d.amount, d.currency)}.`)
            : pass('applied', 'Applied amounts fit the payment', `${formatMoney(applied, d.currency)} applied to ${d.appliedTo.length} invoice(s).`),
      );
      checks.push(...dateChecks(record, ctx));
      checks.push(...currencyCheck(d.currency, ctx));
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
      return { amount: record.data.total, currency: record.data.currency };
    case 'payment':
      return { amount: record.data.amount, currency: record.data.currency };
    default:
      return null;
  }
}

export function recordTxnDate(record: AwraRecord): string | null {
  return 'txnDate' in record.data ? record.data.txnDate : null;
}
