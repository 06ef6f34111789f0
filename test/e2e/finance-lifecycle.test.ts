import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createHarness, exportHistory, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, syncAll, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * The rest of the finance lifecycle through the API, the worker, Temporal and the simulator: bill payments, credit
 * notes, vendor credits, refunds, and a bill that closes its purchase order.
 */
let h: Harness;
let t: ConnectedTenant;
const ledger = (entity: string) => h.sim.sim.ledger({ realmId: t.realmId, entity });

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, 'life');
  // The bank account AWRA pays bills from and refunds customers out of (AWRA account code 1010).
  const bank = await h.api('PUT', '/api/v1/mappings/life/account/1010', { qboId: t.qboId('Account', 'Checking'), qboName: 'Checking' });
  expect(bank.status).toBe(200);
  await syncAll(h, awra.vendor('life', 'ven-1', 'Nairobi Office Supplies Ltd'), awra.customer('life', 'cus-1', 'Savannah Retail Ltd'), awra.serviceItem('life', 'itm-1', 'SVC-MAINT', 'Maintenance visit'));
});
afterAll(async () => {
  await h?.close();
});

describe('bill payments, credits, refunds and PO links (simulator)', () => {
  it('links a bill to its purchase order, so QuickBooks closes the PO, and pays the bill through M-Pesa', async () => {
    const po = await submit(h, awra.purchaseOrder('life', 'po-1', 'PO-2026-0101', 'ven-1', 'itm-1'));
    const poChain = await waitFor(h, po, 'synced');
    const bill = await submit(h, awra.bill('life', 'bill-1', 'BILL-2026-0101', 'ven-1', { purchaseOrderId: 'po-1' }));
    const billChain = await waitFor(h, bill, 'synced');
    expect(billChain.mappings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'purchase_order', key: 'po-1', ok: true, qboId: poChain.externalRef.qboId })]));
    const qboBill = ledger('Bill').find((b) => b.DocNumber === 'BILL-2026-0101')!;
    expect(qboBill.LinkedTxn).toEqual([expect.objectContaining({ TxnId: poChain.externalRef.qboId, TxnType: 'PurchaseOrder' })]);
    expect(ledger('PurchaseOrder').find((p) => p.DocNumber === 'PO-2026-0101')!.POStatus).toBe('Closed');

    const payment = await submit(h, awra.billPayment('life', 'bp-1', 'BP-2026-0001', 'ven-1', 'bill-1', { method: 'mpesa' }));
    const paid = await waitFor(h, payment, 'synced');
    expect(paid.externalRef).toMatchObject({ entity: 'BillPayment' });
    const qboPayment = ledger('BillPayment').find((p) => String(p.Id) === paid.externalRef.qboId)!;
    expect(qboPayment).toMatchObject({ PayType: 'Check', TotalAmt: 1200 });
    expect((qboPayment.CheckPayment as { BankAccountRef: { value: string } }).BankAccountRef.value).toBe(t.qboId('Account', 'Checking'));
    expect(Number(ledger('Bill').find((b) => b.DocNumber === 'BILL-2026-0101')!.Balance)).toBe(0);
    await exportHistory(h, bill, 'bill-linked-to-po-synced');
  });

  it('holds a bill payment until the bill it pays is in QuickBooks, then continues by itself', async () => {
    const payment = await submit(h, awra.billPayment('life', 'bp-2', 'BP-2026-0002', 'ven-1', 'bill-2'));
    const blocked = await waitFor(h, payment, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'mapping' });
    expect(blocked.mappings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'bill', key: 'bill-2', ok: false, problem: 'not_synced' })]));

    const bill = await submit(h, awra.bill('life', 'bill-2', 'BILL-2026-0102', 'ven-1'));
    await waitFor(h, bill, 'synced');
    const paid = await waitFor(h, payment, 'synced');
    expect(paid.externalRef.entity).toBe('BillPayment');
    expect(Number(ledger('Bill').find((b) => b.DocNumber === 'BILL-2026-0102')!.Balance)).toBe(0);
  });

  it('holds a bill whose purchase order has not synced, naming it, and continues when the PO syncs', async () => {
    const bill = await submit(h, awra.bill('life', 'bill-3', 'BILL-2026-0103', 'ven-1', { purchaseOrderId: 'po-late' }));
    const blocked = await waitFor(h, bill, 'blocked');
    expect(blocked.mappings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'purchase_order', key: 'po-late', ok: false })]));
    expect(blocked.actionNeeded).toContain('po-late');
    const po = await submit(h, awra.purchaseOrder('life', 'po-late', 'PO-2026-0102', 'ven-1', 'itm-1'));
    await waitFor(h, po, 'synced');
    await waitFor(h, bill, 'synced');
    expect(ledger('PurchaseOrder').find((p) => p.DocNumber === 'PO-2026-0102')!.POStatus).toBe('Closed');
  });

  it('syncs a credit note, a vendor credit and a customer refund as their QuickBooks entities', async () => {
    const [c, v, r] = await syncAll(
      h,
      awra.creditNote('life', 'cn-1', 'CN-2026-0001', 'cus-1', 'itm-1'),
      awra.vendorCredit('life', 'vc-1', 'VC-2026-0001', 'ven-1'),
      awra.refund('life', 'rf-1', 'RF-2026-0001', 'cus-1', 'itm-1'),
    );
    expect(c.externalRef).toMatchObject({ entity: 'CreditMemo', docNumber: 'CN-2026-0001' });
    expect(v.externalRef).toMatchObject({ entity: 'VendorCredit', docNumber: 'VC-2026-0001' });
    expect(r.externalRef).toMatchObject({ entity: 'RefundReceipt', docNumber: 'RF-2026-0001' });
    const qboRefund = ledger('RefundReceipt').find((x) => String(x.Id) === r.externalRef.qboId)!;
    expect((qboRefund.DepositToAccountRef as { value: string }).value).toBe(t.qboId('Account', 'Checking'));
    expect((qboRefund.PaymentMethodRef as { value: string }).value).toBe(t.qboId('PaymentMethod', 'M-Pesa'));
    expect(ledger('CreditMemo').filter((x) => x.DocNumber === 'CN-2026-0001')).toHaveLength(1);
  });

  it('refuses a bill payment that pays more than it is, with a sentence for the clerk, and sends nothing', async () => {
    const before = ledger('BillPayment').length;
    const record = awra.billPayment('life', 'bp-over', 'BP-2026-0003', 'ven-1', 'bill-1', { amount: 100_000 });
    record.data.appliedTo = [{ billId: 'bill-1', amount: 120_000 }];
    const blocked = await waitFor(h, await submit(h, record), 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'source_data', owner: 'finance' });
    expect(blocked.actionNeeded).toMatch(/applied to bills but the bill payment is only KES 1,000\.00/);
    expect(ledger('BillPayment')).toHaveLength(before);
  });

  it('carries a void over to QuickBooks: an invoice voided, a bill deleted, a purchase order closed', async () => {
    const [invoice, bill, po] = await syncAll(
      h,
      awra.invoice('life', 'inv-v', 'INV-2026-0201', 'cus-1', 'itm-1'),
      awra.bill('life', 'bill-v', 'BILL-2026-0201', 'ven-1'),
      awra.purchaseOrder('life', 'po-v', 'PO-2026-0201', 'ven-1', 'itm-1'),
    );
    await submit(h, { ...awra.invoice('life', 'inv-v', 'INV-2026-0201', 'cus-1', 'itm-1'), version: 2, status: 'void' });
    await submit(h, awra.bill('life', 'bill-v', 'BILL-2026-0201', 'ven-1', { version: 2, status: 'void' }));
    await submit(h, { ...awra.purchaseOrder('life', 'po-v', 'PO-2026-0201', 'ven-1', 'itm-1'), version: 2, status: 'void' });
    const [vi, vb, vp] = await Promise.all([invoice, bill, po].map((c) => waitFor(h, c.workflowId, 'cancelled')));

    expect(vi.externalRef).toMatchObject({ entity: 'Invoice', qboId: invoice.externalRef.qboId, voided: 'voided' });
    const qboInvoice = ledger('Invoice').find((x) => String(x.Id) === invoice.externalRef.qboId)!;
    expect(Number(qboInvoice.TotalAmt)).toBe(0);
    expect(vi.events.at(-1)).toMatchObject({ kind: 'cancelled', message: `INV-2026-0201 was voided in AWRA and QuickBooks Invoice ${invoice.externalRef.qboId} was voided to match.` });
    expect(vi.attempts.at(-1)).toMatchObject({ class: 'accepted', httpStatus: 200 });

    expect(vb.externalRef).toMatchObject({ entity: 'Bill', voided: 'deleted' });
    expect(ledger('Bill').find((x) => String(x.Id) === bill.externalRef.qboId)).toBeUndefined();
    expect(vp.externalRef).toMatchObject({ entity: 'PurchaseOrder', voided: 'closed' });
    expect(ledger('PurchaseOrder').find((x) => String(x.Id) === po.externalRef.qboId)!.POStatus).toBe('Closed');

    // Close readiness counts a voided record as settled, with the sentence of what was done.
    const close = await h.api('GET', '/api/v1/close-readiness?tenantId=life&period=2026-11');
    expect(close.status).toBe(200);
    const row = close.json.records.find((r: { number: string }) => r.number === 'INV-2026-0201');
    expect(row).toMatchObject({ state: 'cancelled', qboId: invoice.externalRef.qboId });
    expect(row.resolution).toContain('voided to match');
    await exportHistory(h, invoice.workflowId, 'invoice-voided-in-quickbooks');
  });

  it('blocks a void QuickBooks refuses in a closed period, naming the closing date, and finishes it on retry once reopened', async () => {
    const [invoice] = await syncAll(h, awra.invoice('life', 'inv-c', 'INV-2026-0202', 'cus-1', 'itm-1'));
    h.sim.sim.setPreferences(t.realmId, { closingDate: '2026-11-30' });
    try {
      await submit(h, { ...awra.invoice('life', 'inv-c', 'INV-2026-0202', 'cus-1', 'itm-1'), version: 2, status: 'void' });
      const blocked = await waitFor(h, invoice.workflowId, 'blocked');
      expect(blocked).toMatchObject({ failureClass: 'provider_rejection', owner: 'finance' });
      expect(blocked.actionNeeded).toContain('books closed through 2026-11-30');
      // The void is evidence of its own, numbered after the push that created the invoice.
      expect(blocked.attempts.map((a: { attemptNo: number; class: string; code: string | null }) => [a.attemptNo, a.class, a.code])).toEqual([
        [1, 'accepted', null],
        [2, 'provider_rejection', '6210'],
      ]);
    } finally {
      h.sim.sim.setPreferences(t.realmId, { closingDate: null });
    }
    const retry = await h.api('POST', `/api/v1/records/${invoice.workflowId}/actions/retry`, {});
    expect(retry.status).toBe(200);
    const done = await waitFor(h, invoice.workflowId, 'cancelled');
    expect(done.externalRef.voided).toBe('voided');
    await exportHistory(h, invoice.workflowId, 'invoice-void-refused-in-closed-period-then-retried');
  });
});

