import { describe, expect, it } from 'vitest';
import { awraRecordSchema, type AwraRecord } from '../../domain/records.ts';
import { checkReadiness, isReady } from '../../domain/readiness.ts';
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
    const r = parse(billRecord({ data: { currency: 'USD' } }));
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
});
