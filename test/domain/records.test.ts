import { describe, expect, it } from 'vitest';
import { awraRecordSchema } from '../../domain/records.ts';
import { parseSyncWorkflowId, syncWorkflowId } from '../../domain/workflow-id.ts';
import { decimalToMinor, formatMoney, minorToDecimalString } from '../../domain/money.ts';
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
