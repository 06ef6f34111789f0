import { describe, expect, it } from 'vitest';
import { awraRecordSchema, type AwraRecordOf } from '../../domain/records.ts';
import { creditApplicationLookupQuery } from '../../qbo/mappers.ts';
import { awra } from '../fixtures/awra.ts';

describe('the search for an earlier credit application', () => {
  const cn = awraRecordSchema.parse(awra.creditNote('t1', 'cn-1', 'CN-2026-0001', 'cus-1', 'itm-1', { invoiceId: 'inv-1' })) as AwraRecordOf<'credit_note'>;

  it("asks for the customer's payments on the credit note's date", () => {
    const refs = new Map([['customer:cus-1', { qboId: '58' }]]);
    expect(creditApplicationLookupQuery(cn, refs)).toBe("select * from Payment where CustomerRef = '58' and TxnDate = '2026-11-12'");
  });

  it('quotes what it puts in the query', () => {
    const refs = new Map([['customer:cus-1', { qboId: "5'8" }]]);
    expect(creditApplicationLookupQuery(cn, refs)).toBe("select * from Payment where CustomerRef = '5\\'8' and TxnDate = '2026-11-12'");
  });

  it('cannot be built without the customer resolved (the workflow resolves mappings first)', () => {
    expect(() => creditApplicationLookupQuery(cn, new Map())).toThrow(/no QuickBooks reference for customer:cus-1/);
  });
});
