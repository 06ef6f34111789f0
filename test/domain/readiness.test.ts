import { describe, expect, it } from 'vitest';
import { awraRecordSchema, type AwraRecord } from '../../domain/records.ts';
import { checkReadiness, isReady } from '../../domain/readiness.ts';
import { awra } from '../fixtures/awra.ts';
import { billRecord, vendorRecord } from '../fixtures/records.ts';

const parse = (r: unknown): AwraRecord => awraRecordSchema.parse(r);
const failed = (r: AwraRecord, ctx = {}) => checkReadiness(r, ctx).filter((c) => !c.ok).map((c) => c.id);

describe('readiness rules', () => {
  it('passes a posted bill whose lines add up', () => {
    const checks = checkReadiness(parse(billRecord()));
    expect(isReady(checks)).toBe(true);
  });

  it('requires bills, invoices and payments to be posted but purchase orders and master records only approved', () => {
    expect(failed(parse(billRecord({ status: 'approved' })))).toEqual(['eligible']);
    expect(failed(parse(vendorRecord()))).toEqual([]);
  });

  it('never syncs a void record', () => {
    const [eligible] = checkReadiness(parse(billRecord({ status: 'void' })));
    expect(eligible?.ok).toBe(false);
    expect(eligible?.message).toContain('void');
  });

  it('explains lines that do not add up to the total in money a clerk reads', () => {
    const checks = checkReadiness(parse(billRecord({ data: { total: 149_999 } })));
    const sum = checks.find((c) => c.id === 'lines_sum');
    expect(sum?.ok).toBe(false);
    expect(sum?.message).toBe('The lines add up to KES 1,500.00 but the total says KES 1,499.99; correct the lines or the total in AWRA.');
  });

  it('rejects zero or negative line amounts and quantity × price mismatches', () => {
    const r = billRecord({
      data: {
        total: 40_000,
        lines: [
          { expenseAccount: '6100', amount: -10_000, taxCategory: 'VAT16' },
          { itemId: 'itm-1', qty: 5, unitPrice: 10_000, amount: 50_000, taxCategory: 'VAT16' },
        ],
      },
    });
    expect(failed(parse(r))).toEqual(['amounts_positive']);
    const math = billRecord({ data: { total: 140_000, lines: [{ itemId: 'i', qty: 3, unitPrice: 50_000, amount: 140_000, taxCategory: 'VAT16' }] } });
    expect(failed(parse(math))).toEqual(['line_math']);
  });

  it('blocks transactions dated on or before the QuickBooks closing date', () => {
    const r = parse(billRecord({ data: { txnDate: '2026-10-31', dueDate: '2026-11-30' } }));
    expect(failed(r, { closingDate: '2026-10-31' })).toEqual(['open_period']);
    expect(failed(r, { closingDate: '2026-10-30' })).toEqual([]);
  });

  it('accepts a foreign currency only when the company has multicurrency on', () => {
    const r = parse(billRecord({ data: { currency: 'USD', exchangeRate: '129.5' } }));
    expect(failed(r, { homeCurrency: 'KES', multicurrency: false })).toEqual(['currency']);
    expect(failed(r, { homeCurrency: 'KES', multicurrency: true })).toEqual([]);
  });

  it('checks that an inventory item has its asset account, quantity and start date', () => {
    const item = parse({
      tenantId: 'acme', recordType: 'item', sourceId: 'itm-1', number: 'SKU-1', status: 'approved', version: 1,
      data: { sku: 'SKU-1', name: 'Printer paper', kind: 'inventory', unitPrice: 50_000, incomeAccount: '4000', expenseAccount: '5000' },
    });
    const check = checkReadiness(item).find((c) => c.id === 'inventory_fields');
    expect(check?.ok).toBe(false);
    expect(check?.message).toBe('An inventory item needs an inventory asset account, the quantity on hand, the inventory start date.');
  });

  it('refuses a payment that applies more than it received', () => {
    const p = parse({
      tenantId: 'acme', recordType: 'payment', sourceId: 'pay-1', number: 'RCPT-1', status: 'posted', version: 1,
      data: { customerId: 'c1', txnDate: '2026-11-05', currency: 'KES', amount: 10_000, method: 'mpesa', appliedTo: [{ invoiceId: 'inv-1', amount: 12_000 }] },
    });
    expect(failed(p)).toEqual(['applied']);
  });

  it('requires bill payments, credit notes, vendor credits and refunds to be posted', () => {
    const records = [
      awra.billPayment('acme', 'bp-1', 'BP-1', 'ven-1', 'bill-1', { status: 'approved' }),
      awra.creditNote('acme', 'cn-1', 'CN-1', 'cus-1', 'itm-1', { status: 'approved' }),
      awra.vendorCredit('acme', 'vc-1', 'VC-1', 'ven-1', { status: 'approved' }),
      awra.refund('acme', 'rf-1', 'RF-1', 'cus-1', 'itm-1', { status: 'approved' }),
    ].map(parse);
    for (const r of records) expect(failed(r)).toEqual(['eligible']);
    expect(checkReadiness(records[0]!)[0]?.message).toBe('This bill payment is "approved" in AWRA; it must be posted before it can be sent to QuickBooks.');
    for (const r of records) expect(failed(parse({ ...r, status: 'posted' }))).toEqual([]);
  });

  it('refuses a bill payment that applies more than it pays, or nothing at all', () => {
    const over = parse(awra.billPayment('acme', 'bp-1', 'BP-1', 'ven-1', 'bill-1', { amount: 100_000 }));
    const overApplied = parse({ ...over, data: { ...over.data, appliedTo: [{ billId: 'bill-1', amount: 100_000 }, { billId: 'bill-2', amount: 20_000 }] } });
    const check = checkReadiness(overApplied).find((c) => c.id === 'applied');
    expect(check).toMatchObject({ ok: false, label: 'Applied amounts fit the bill payment' });
    expect(check?.message).toBe('KES 1,200.00 is applied to bills but the bill payment is only KES 1,000.00.');

    const unapplied = parse({ ...over, data: { ...over.data, appliedTo: [] } });
    expect(checkReadiness(unapplied).find((c) => c.id === 'applied')?.message).toBe(
      'This bill payment is not applied to any bill; QuickBooks records a bill payment only against the bills it pays. Apply it to its bills in AWRA.',
    );
    const zero = parse({ ...over, data: { ...over.data, appliedTo: [{ billId: 'bill-1', amount: 0 }] } });
    expect(checkReadiness(zero).find((c) => c.id === 'applied')?.message).toBe('The amount applied to bill bill-1 must be more than zero.');
  });

  it('refuses a credit note that applies more to invoices than it credits', () => {
    const note = parse(awra.creditNote('acme', 'cn-1', 'CN-1', 'cus-1', 'itm-1', { invoiceId: 'inv-1' }));
    const over = parse({ ...note, data: { ...note.data, appliedTo: [{ invoiceId: 'inv-1', amount: 300_000 }] } });
    expect(failed(over)).toEqual(['applied']);
    expect(checkReadiness(over).find((c) => c.id === 'applied')?.message).toBe('KES 3,000.00 is applied to invoices but the credit note is only KES 2,500.00.');
    const unapplied = parse(awra.creditNote('acme', 'cn-2', 'CN-2', 'cus-1', 'itm-1'));
    expect(checkReadiness(unapplied).map((c) => c.id)).not.toContain('applied');
  });

  it('checks the lines of credit notes, vendor credits and refunds against their totals', () => {
    for (const built of [
      awra.creditNote('acme', 'cn-1', 'CN-1', 'cus-1', 'itm-1'),
      awra.vendorCredit('acme', 'vc-1', 'VC-1', 'ven-1'),
      awra.refund('acme', 'rf-1', 'RF-1', 'cus-1', 'itm-1'),
    ]) {
      const r = parse({ ...built, data: { ...built.data, total: built.data.total + 1 } });
      expect(failed(r)).toEqual(['lines_sum']);
    }
  });

  it('blocks the new transaction types dated on or before the closing date', () => {
    const vc = parse(awra.vendorCredit('acme', 'vc-1', 'VC-1', 'ven-1'));
    expect(failed(vc, { closingDate: '2026-11-14' })).toEqual(['open_period']);
    const bp = parse(awra.billPayment('acme', 'bp-1', 'BP-1', 'ven-1', 'bill-1'));
    expect(failed(bp, { closingDate: '2026-11-30' })).toEqual(['open_period']);
  });

  describe('exchange rate', () => {
    const multi = { homeCurrency: 'KES', multicurrency: true };

    it('asks AWRA for the rate of a foreign-currency transaction in a multicurrency company', () => {
      const r = parse(billRecord({ data: { currency: 'USD' } }));
      expect(failed(r, multi)).toEqual(['exchange_rate']);
      expect(checkReadiness(r, multi).find((c) => c.id === 'exchange_rate')).toEqual({
        id: 'exchange_rate',
        label: 'Exchange rate given',
        ok: false,
        message: 'This bill is in USD but the QuickBooks company keeps its books in KES; AWRA must send the exchange rate (KES per 1 USD) with it.',
      });
    });

    it('accepts a rate above zero and says what it means', () => {
      const r = parse(awra.billPayment('acme', 'bp-1', 'BP-1', 'ven-1', 'bill-1', { currency: 'USD', exchangeRate: '129.5' }));
      expect(failed(r, multi)).toEqual([]);
      expect(checkReadiness(r, multi).find((c) => c.id === 'exchange_rate')?.message).toBe('1 USD = 129.5 KES.');
    });

    it('refuses a rate of zero', () => {
      const r = parse(awra.refund('acme', 'rf-1', 'RF-1', 'cus-1', 'itm-1', { currency: 'USD', exchangeRate: '0.000' }));
      expect(checkReadiness(r, multi).find((c) => c.id === 'exchange_rate')).toMatchObject({
        ok: false,
        message: 'The exchange rate "0.000" cannot be used; it must be a number above zero (KES per 1 USD). Correct it in AWRA.',
      });
    });

    it('needs no rate in the home currency, nor before the company is known, nor where the currency is refused anyway', () => {
      const home = parse(awra.creditNote('acme', 'cn-1', 'CN-1', 'cus-1', 'itm-1'));
      expect(checkReadiness(home, multi).map((c) => c.id)).not.toContain('exchange_rate');
      const foreign = parse(billRecord({ data: { currency: 'USD' } }));
      expect(checkReadiness(foreign).map((c) => c.id)).not.toContain('exchange_rate');
      expect(failed(foreign, { homeCurrency: 'KES', multicurrency: false })).toEqual(['currency']);
    });

    it('applies to every transaction type, payments included', () => {
      const p = parse({
        tenantId: 'acme', recordType: 'payment', sourceId: 'pay-1', number: 'RCPT-1', status: 'posted', version: 1,
        data: { customerId: 'c1', txnDate: '2026-11-05', currency: 'USD', amount: 10_000, method: 'card', appliedTo: [] },
      });
      expect(failed(p, multi)).toEqual(['exchange_rate']);
      const built = awra.purchaseOrder('acme', 'po-1', 'PO-1', 'ven-1', 'itm-1');
      const po = parse({ ...built, data: { ...built.data, currency: 'EUR' } });
      expect(failed(po, multi)).toEqual(['exchange_rate']);
    });
  });
});
