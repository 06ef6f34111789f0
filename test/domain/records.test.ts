import { describe, expect, it } from 'vitest';
import { awraRecordSchema } from '../../domain/records.ts';
import { parseSyncWorkflowId, syncWorkflowId } from '../../domain/workflow-id.ts';
import { decimalToMinor, formatMoney, minorToDecimalString } from '../../domain/money.ts';
import { awra } from '../fixtures/awra.ts';
import { billRecord } from '../fixtures/records.ts';

describe('the AWRA record contract', () => {
  it('accepts a well-formed bill', () => {
    expect(awraRecordSchema.safeParse(billRecord()).success).toBe(true);
  });

  it('names every field that is wrong', () => {
    const r = awraRecordSchema.safeParse({ ...billRecord(), version: 0, data: { ...billRecord().data, currency: 'kes', extra: 1 } });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['version', 'data.currency', 'data']));
  });

  it('refuses an unknown record type with the list of known ones', () => {
    const r = awraRecordSchema.safeParse({ ...billRecord(), recordType: 'journal' });
    expect(r.error?.issues[0]?.message).toContain('purchase_order');
  });

  it('requires a bill line to name exactly one of an item or an expense account', () => {
    const r = awraRecordSchema.safeParse(billRecord({ data: { lines: [{ amount: 1, taxCategory: 'x' }] } }));
    expect(r.error?.issues[0]?.message).toBe('a bill line needs exactly one of itemId or expenseAccount');
  });
});

describe('workflow ids', () => {
  it('round-trips a record reference, even with a colon in the source id', () => {
    const id = syncWorkflowId({ tenantId: 'acme', recordType: 'purchase_order', sourceId: 'po:42' });
    expect(id).toBe('qbo-sync:acme:purchase_order:po:42');
    expect(parseSyncWorkflowId(id)).toEqual({ tenantId: 'acme', recordType: 'purchase_order', sourceId: 'po:42' });
    expect(parseSyncWorkflowId('qbo-sync:acme:journal:1')).toBeUndefined();
  });
});

describe('money', () => {
  it('converts minor units to exact decimal strings by currency exponent', () => {
    expect(minorToDecimalString(1999, 'KES')).toBe('19.99');
    expect(minorToDecimalString(-5, 'USD')).toBe('-0.05');
    expect(minorToDecimalString(1500, 'UGX')).toBe('1500');
    expect(minorToDecimalString(1234, 'KWD')).toBe('1.234');
  });

  it('reads QuickBooks decimals back without floating-point drift', () => {
    expect(decimalToMinor(19.99, 'KES')).toBe(1999);
    expect(decimalToMinor('0.1', 'USD')).toBe(10);
    expect(decimalToMinor(1.005, 'USD')).toBe(101);
  });

  it('formats money for people', () => {
    expect(formatMoney(48_000_000, 'KES')).toBe('KES 480,000.00');
  });
});

describe('the AWRA record contract for bill payments, credit notes, vendor credits and refunds', () => {
  const paths = (r: unknown) => {
    const parsed = awraRecordSchema.safeParse(r);
    expect(parsed.success).toBe(false);
    return Object.fromEntries(parsed.error!.issues.map((i) => [i.path.join('.'), i.message]));
  };

  it('accepts each new type with every field DESIGN.md §8 lists', () => {
    for (const r of [
      awra.billPayment('acme', 'bp-1', 'BP-1', 'ven-1', 'bill-1', { method: 'cheque' }),
      awra.creditNote('acme', 'cn-1', 'CN-1', 'cus-1', 'itm-1', { invoiceId: 'inv-1' }),
      awra.creditNote('acme', 'cn-2', 'CN-2', 'cus-1', 'itm-1'),
      awra.vendorCredit('acme', 'vc-1', 'VC-1', 'ven-1'),
      awra.refund('acme', 'rf-1', 'RF-1', 'cus-1', 'itm-1', { method: 'paystack' }),
      awra.bill('acme', 'bill-2', 'BILL-2', 'ven-1', { purchaseOrderId: 'po-1', currency: 'USD', exchangeRate: '129.5' }),
    ]) {
      const parsed = awraRecordSchema.safeParse(r);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it('lists the new types among the known ones', () => {
    const r = awraRecordSchema.safeParse({ ...billRecord(), recordType: 'journal' });
    expect(r.error?.issues[0]?.message).toBe(
      'recordType must be one of vendor, customer, item, purchase_order, bill, invoice, payment, bill_payment, credit_note, vendor_credit, refund',
    );
  });

  it('refuses a bill payment by Paystack, without the account it is paid from, or applied to an invoice', () => {
    const good = awra.billPayment('acme', 'bp-1', 'BP-1', 'ven-1', 'bill-1');
    const { bankAccount: _omitted, ...withoutAccount } = good.data;
    expect(paths({ ...good, data: { ...withoutAccount, method: 'paystack', appliedTo: [{ invoiceId: 'inv-1', amount: 1 }] } })).toEqual({
      'data.method': expect.stringContaining('cheque'),
      'data.bankAccount': 'bankAccount is required',
      'data.appliedTo.0.billId': 'billId is required',
      'data.appliedTo.0': expect.stringContaining('invoiceId'),
    });
  });

  it('refuses a credit note without lines and a refund with a decimal amount', () => {
    const note = awra.creditNote('acme', 'cn-1', 'CN-1', 'cus-1', 'itm-1');
    expect(paths({ ...note, data: { ...note.data, lines: [] } })).toEqual({ 'data.lines': 'needs at least one line' });
    const refund = awra.refund('acme', 'rf-1', 'RF-1', 'cus-1', 'itm-1');
    expect(paths({ ...refund, data: { ...refund.data, total: 2500.5 } })).toEqual({
      'data.total': 'must be a whole number of minor units (e.g. 1050 for 10.50)',
    });
  });

  it('requires a vendor credit line to name exactly one of an item or an expense account', () => {
    const vc = awra.vendorCredit('acme', 'vc-1', 'VC-1', 'ven-1');
    expect(paths({ ...vc, data: { ...vc.data, lines: [{ itemId: 'itm-1', expenseAccount: '6100', amount: 20_000, taxCategory: 'VAT16' }] } })).toEqual({
      'data.lines.0.itemId': 'a vendor credit line needs exactly one of itemId or expenseAccount',
    });
  });

  it('takes an exchange rate only as a decimal string', () => {
    const bill = billRecord();
    const rate = (exchangeRate: unknown) => paths({ ...bill, data: { ...bill.data, currency: 'USD', exchangeRate } })['data.exchangeRate'];
    expect(rate(129.5)).toBe('must be a decimal string such as "129.5" (home-currency units per one unit of currency)');
    expect(rate('1,295.00')).toBe('must be a decimal string such as "129.5" (home-currency units per one unit of currency)');
    expect(rate('-1')).toBe('must be a decimal string such as "129.5" (home-currency units per one unit of currency)');
    expect(rate('1.0000000000000001')).toBe('has more than 15 significant digits');
    expect(awraRecordSchema.safeParse({ ...bill, data: { ...bill.data, currency: 'USD', exchangeRate: '0.0077220077' } }).success).toBe(true);
  });

  it('refuses a purchase order id with spaces on a bill', () => {
    expect(paths(billRecord({ data: { purchaseOrderId: 'po 1' } }))).toEqual({ 'data.purchaseOrderId': 'purchaseOrderId must not contain spaces' });
  });
});
