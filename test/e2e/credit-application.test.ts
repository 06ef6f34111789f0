import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, signIn } from '../support/console.ts';
import { createHarness, exportHistory, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, syncAll, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * A credit note applied to invoices, through the API, the worker, Temporal and the simulator: its CreditMemo, then
 * the Payment of zero that applies it (QuickBooks' way), evidence for both, a lost answer never applied twice, a
 * refusal retried without sending the CreditMemo again, and AWRA's void undoing both.
 */
let h: Harness;
let t: ConnectedTenant;
let customerQboId: string;
const ledger = (entity: string) => h.sim.sim.ledger({ realmId: t.realmId, entity });
const byId = (entity: string, id: string) => ledger(entity).find((e) => String(e.Id) === id)!;
/** The Payments that carry this credit note's audit note: its applications. */
const applicationsOf = (sourceId: string) => ledger('Payment').filter((p) => String(p.PrivateNote ?? '').includes(`(src ${sourceId} v`));
type Attempt = { attemptNo: number; class: string; code: string | null };
const attemptsOf = (chain: { attempts: Attempt[] }) => chain.attempts.map((a) => [a.attemptNo, a.class, a.code]);

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, 'cred');
  const [customer] = await syncAll(h, awra.customer('cred', 'cus-1', 'Savannah Retail Ltd'), awra.serviceItem('cred', 'itm-1', 'SVC-MAINT', 'Maintenance visit'));
  customerQboId = customer.externalRef.qboId;
});
afterAll(async () => {
  await h?.close();
});

describe('credit notes applied to invoices (simulator)', () => {
  it('applies a credit note to its synced invoice: the invoice balance drops by the credit and the credit memo is used up', async () => {
    const [invoice] = await syncAll(h, awra.invoice('cred', 'inv-1', 'INV-2026-0301', 'cus-1', 'itm-1'));
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(7500);

    const id = await submit(h, awra.creditNote('cred', 'cn-1', 'CN-2026-0301', 'cus-1', 'itm-1', { invoiceId: 'inv-1' }));
    const synced = await waitFor(h, id, 'synced');

    const { externalRef: ref } = synced;
    expect(ref).toMatchObject({ entity: 'CreditMemo', docNumber: 'CN-2026-0301', application: { entity: 'Payment' } });
    expect(ref.application.url).toContain(`recvpayment?txnId=${ref.application.qboId}`);
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(5000);
    expect(Number(byId('CreditMemo', ref.qboId).RemainingCredit)).toBe(0);
    const payment = byId('Payment', ref.application.qboId);
    expect(Number(payment.TotalAmt)).toBe(0);
    expect(applicationsOf('cn-1')).toHaveLength(1);

    // The CreditMemo and its application are two writes, two attempts with their own requestids.
    expect(attemptsOf(synced)).toEqual([
      [1, 'accepted', null],
      [2, 'accepted', null],
    ]);
    expect(synced.attempts[0].requestId).not.toBe(synced.attempts[1].requestId);
    expect(synced.events.at(-1)).toMatchObject({
      kind: 'synced',
      message: `Credit note CN-2026-0301 applied in QuickBooks to invoice INV-2026-0301 (Payment ${ref.application.qboId}).`,
    });
    expect(synced.events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['push', 'accepted', 'credit_apply', 'synced']));

    // The record page names the application Payment, with its link into QuickBooks.
    const finance = await signIn(h.app, await createConsoleUser(h, 'finance'));
    const html = await (await finance.get(`/records/${encodeURIComponent(id)}`)).text();
    expect(html).toContain(`Applied to its invoices by QuickBooks Payment ${ref.application.qboId}`);
    expect(html).toContain(`Open Payment ${ref.application.qboId} in QuickBooks`);
    expect(html).toContain(`recvpayment?txnId=${ref.application.qboId}`);
    await exportHistory(h, id, 'credit-note-applied');
  });

  it('holds a credit note whose invoice has not synced, naming it, and applies it when the invoice syncs', async () => {
    const id = await submit(h, awra.creditNote('cred', 'cn-2', 'CN-2026-0302', 'cus-1', 'itm-1', { invoiceId: 'inv-2' }));
    const blocked = await waitFor(h, id, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'mapping' });
    expect(blocked.mappings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'invoice', key: 'inv-2', ok: false, problem: 'not_synced' })]));
    expect(ledger('CreditMemo').filter((c) => c.DocNumber === 'CN-2026-0302')).toHaveLength(0);

    const [invoice] = await syncAll(h, awra.invoice('cred', 'inv-2', 'INV-2026-0302', 'cus-1', 'itm-1'));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.externalRef.application).toMatchObject({ entity: 'Payment' });
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(5000);
    expect(Number(byId('CreditMemo', synced.externalRef.qboId).RemainingCredit)).toBe(0);
  });

  it('adopts an application whose answer was lost instead of applying the credit twice', async () => {
    const [invoice] = await syncAll(h, awra.invoice('cred', 'inv-3', 'INV-2026-0303', 'cus-1', 'itm-1'));
    // Only the application is a POST to /payment: the CreditMemo goes to /creditmemo, the searches to /query.
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'drop_after_commit', path: '/payment', method: 'POST', count: 1 });
    const id = await submit(h, awra.creditNote('cred', 'cn-3', 'CN-2026-0303', 'cus-1', 'itm-1', { invoiceId: 'inv-3' }));
    const synced = await waitFor(h, id, 'synced');

    expect(attemptsOf(synced)).toEqual([
      [1, 'accepted', null],
      [2, 'outcome_uncertain', null],
    ]);
    expect(synced.attempts[1]).toMatchObject({ httpStatus: 0 });
    expect(applicationsOf('cn-3')).toHaveLength(1);
    expect(synced.externalRef.application.qboId).toBe(String(applicationsOf('cn-3')[0]!.Id));
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(5000);
    expect(synced.events.at(-1).message).toContain('by an earlier attempt whose answer was lost; adopted it instead of applying it twice');
  });

  it('blocks an application QuickBooks refuses, with a sentence for the clerk, and a retry applies it without sending the credit memo again', async () => {
    const [invoice] = await syncAll(h, awra.invoice('cred', 'inv-4', 'INV-2026-0304', 'cus-1', 'itm-1'));
    // Someone recorded the customer's payment of the whole invoice in QuickBooks by hand: nothing is left to credit.
    const paid = h.sim.sim.createAsUser(t.realmId, 'Payment', {
      CustomerRef: { value: customerQboId },
      TotalAmt: 7500,
      Line: [{ Amount: 7500, LinkedTxn: [{ TxnId: invoice.externalRef.qboId, TxnType: 'Invoice' }] }],
    });
    const id = await submit(h, awra.creditNote('cred', 'cn-4', 'CN-2026-0304', 'cus-1', 'itm-1', { invoiceId: 'inv-4' }));
    const blocked = await waitFor(h, id, 'blocked');

    const creditMemoId = blocked.externalRef.qboId;
    expect(blocked).toMatchObject({ failureClass: 'provider_rejection', owner: 'finance', externalRef: { entity: 'CreditMemo' } });
    expect(blocked.actionNeeded).toContain(`CN-2026-0304 is in QuickBooks as CreditMemo ${creditMemoId}, but QuickBooks refused to apply it to its invoices: QuickBooks error 6000`);
    expect(blocked.actionNeeded).toContain('then retry');
    expect(attemptsOf(blocked)).toEqual([
      [1, 'accepted', null],
      [2, 'provider_rejection', '6000'],
    ]);

    h.sim.sim.voidAsUser(t.realmId, 'Payment', String(paid.Id));
    const retry = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/retry`, {});
    expect(retry.status).toBe(200);
    const synced = await waitFor(h, id, 'synced');

    expect(synced.externalRef).toMatchObject({ entity: 'CreditMemo', qboId: creditMemoId, application: { entity: 'Payment' } });
    expect(ledger('CreditMemo').filter((c) => c.DocNumber === 'CN-2026-0304')).toHaveLength(1);
    // The retry is one more attempt, the application's: the CreditMemo was neither created nor updated again.
    expect(attemptsOf(synced)).toEqual([
      [1, 'accepted', null],
      [2, 'provider_rejection', '6000'],
      [3, 'accepted', null],
    ]);
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(5000);
    await exportHistory(h, id, 'credit-application-refused-then-retried');
  });

  it('voids an applied credit note in QuickBooks: its application Payment first, then the credit memo', async () => {
    const [invoice] = await syncAll(h, awra.invoice('cred', 'inv-5', 'INV-2026-0305', 'cus-1', 'itm-1'));
    const [credit] = await syncAll(h, awra.creditNote('cred', 'cn-5', 'CN-2026-0305', 'cus-1', 'itm-1', { invoiceId: 'inv-5' }));
    const paymentId = credit.externalRef.application.qboId;
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(5000);

    await submit(h, awra.creditNote('cred', 'cn-5', 'CN-2026-0305', 'cus-1', 'itm-1', { invoiceId: 'inv-5', version: 2, status: 'void' }));
    const voided = await waitFor(h, credit.workflowId, 'cancelled');

    expect(voided.externalRef).toMatchObject({ entity: 'CreditMemo', qboId: credit.externalRef.qboId, voided: 'voided', application: { qboId: paymentId, voided: 'voided' } });
    expect(byId('Payment', paymentId)).toMatchObject({ PrivateNote: 'Voided' });
    expect(Number(byId('Payment', paymentId).TotalAmt)).toBe(0);
    expect(Number(byId('CreditMemo', credit.externalRef.qboId).TotalAmt)).toBe(0);
    expect(Number(byId('Invoice', invoice.externalRef.qboId).Balance)).toBe(7500);
    expect(attemptsOf(voided)).toEqual([
      [1, 'accepted', null],
      [2, 'accepted', null],
      [3, 'accepted', null],
      [4, 'accepted', null],
    ]);
    const messages = voided.events.map((e: { message: string }) => e.message);
    const paymentFirst = messages.findIndex((m: string) => m.startsWith(`QuickBooks voided Payment ${paymentId}`));
    const memoAfter = messages.findIndex((m: string) => m === `CN-2026-0305 was voided in AWRA and QuickBooks CreditMemo ${credit.externalRef.qboId} was voided to match.`);
    expect(paymentFirst).toBeGreaterThan(-1);
    expect(memoAfter).toBeGreaterThan(paymentFirst);

    const finance = await signIn(h.app, await createConsoleUser(h, 'finance'));
    const html = await (await finance.get(`/records/${encodeURIComponent(credit.workflowId)}`)).text();
    expect(html).toContain(`Applied to its invoices by QuickBooks Payment ${paymentId}, voided to match.`);
    await exportHistory(h, credit.workflowId, 'credit-note-applied-then-voided');
  });
});
