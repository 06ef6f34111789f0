import { describe, expect, it } from 'vitest';
import {
  applicationRefFrom,
  creditApplications,
  invoiceList,
  isOurCreditApplication,
  keepApplication,
  owesCreditApplication,
} from '../../domain/credit-application.ts';
import { awraRecordSchema, type AwraRecord } from '../../domain/records.ts';
import { awra } from '../fixtures/awra.ts';

const record = (r: unknown): AwraRecord => awraRecordSchema.parse(r);
const applied = record(awra.creditNote('t1', 'cn-1', 'CN-2026-0001', 'cus-1', 'itm-1', { invoiceId: 'inv-1' }));
const unapplied = record(awra.creditNote('t1', 'cn-2', 'CN-2026-0002', 'cus-1', 'itm-1'));
const invoice = record(awra.invoice('t1', 'inv-1', 'INV-2026-0001', 'cus-1', 'itm-1'));
const creditMemo = { entity: 'CreditMemo', qboId: '210' };

/** A QuickBooks Payment with this note, taking credit from CreditMemo `creditMemoId`. */
const payment = (note: string, creditMemoId = '210') => ({
  Id: '301',
  SyncToken: '0',
  PrivateNote: note,
  TotalAmt: 0,
  Line: [
    { Amount: 2500, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] },
    { Amount: 2500, LinkedTxn: [{ TxnId: creditMemoId, TxnType: 'CreditMemo' }] },
  ],
});

describe('credit note applications', () => {
  it('lists the invoices a credit note applies to, and none for a credit note without them or another record', () => {
    expect(creditApplications(applied)).toEqual([{ invoiceId: 'inv-1', amount: 250_000 }]);
    expect(creditApplications(unapplied)).toEqual([]);
    expect(creditApplications(invoice)).toEqual([]);
  });

  it('owes an application while its CreditMemo is in QuickBooks without one, and not once applied or voided', () => {
    expect(owesCreditApplication(applied, creditMemo)).toBe(true);
    expect(owesCreditApplication(applied, null)).toBe(false);
    expect(owesCreditApplication(applied, { ...creditMemo, application: { entity: 'Payment', qboId: '301' } })).toBe(false);
    expect(owesCreditApplication(applied, { ...creditMemo, voided: 'voided' })).toBe(false);
    expect(owesCreditApplication(unapplied, creditMemo)).toBe(false);
    expect(owesCreditApplication(invoice, { entity: 'Invoice', qboId: '130' })).toBe(false);
  });

  it('keeps the application on the reference QuickBooks answers a CreditMemo update with', () => {
    const application = { entity: 'Payment' as const, qboId: '301' };
    expect(keepApplication({ ...creditMemo, syncToken: '3' }, { ...creditMemo, syncToken: '2', application })).toEqual({ ...creditMemo, syncToken: '3', application });
    expect(keepApplication(creditMemo, null)).toEqual(creditMemo);
    expect(keepApplication(creditMemo, { ...creditMemo })).toEqual(creditMemo);
  });

  it('takes as ours a Payment with our audit note (any version) that takes credit from our CreditMemo', () => {
    expect(isOurCreditApplication(applied, '210', payment('AWRA CN-2026-0001 (src cn-1 v1); applies credit note CN-2026-0001 to its invoice'))).toBe(true);
    expect(isOurCreditApplication(applied, '210', payment('AWRA CN-2026-0001 (src cn-1 v3); applies credit note CN-2026-0001 to its invoice'))).toBe(true);
  });

  it('does not take a Payment made by hand, one of another credit note, or one applying another CreditMemo as ours', () => {
    expect(isOurCreditApplication(applied, '210', payment('applied by hand'))).toBe(false);
    expect(isOurCreditApplication(applied, '210', payment('AWRA CN-2026-0011 (src cn-11 v1)'))).toBe(false);
    expect(isOurCreditApplication(applied, '210', payment('AWRA CN-2026-0001 (src cn-1 v1)', '999'))).toBe(false);
    expect(isOurCreditApplication(applied, '210', { Id: '302', PrivateNote: 'AWRA CN-2026-0001 (src cn-1 v1)' })).toBe(false);
  });

  it('reads the application reference from the Payment QuickBooks returned', () => {
    expect(applicationRefFrom(payment('x'), 'https://qbo.example/app/recvpayment?txnId=301')).toEqual({
      entity: 'Payment',
      qboId: '301',
      syncToken: '0',
      url: 'https://qbo.example/app/recvpayment?txnId=301',
    });
    expect(applicationRefFrom({ Id: 5 })).toEqual({ entity: 'Payment', qboId: '5' });
  });

  it('names the invoices in a sentence', () => {
    expect(invoiceList(['INV-1'])).toBe('invoice INV-1');
    expect(invoiceList(['INV-1', 'INV-2'])).toBe('invoices INV-1 and INV-2');
    expect(invoiceList(['INV-1', 'INV-2', 'INV-3'])).toBe('invoices INV-1, INV-2 and INV-3');
    expect(invoiceList([])).toBe('its invoices');
  });
});
