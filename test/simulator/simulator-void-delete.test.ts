import { describe, expect, it } from 'vitest';
import type { SimResponse } from '../../simulator/testing.ts';
import { useClockedSimulator } from './clocked-simulator.ts';

const t = useClockedSimulator();

function ok(res: SimResponse, entity: string) {
  expect(res.status, res.text).toBe(200);
  return res.json[entity];
}

function code(res: SimResponse): string {
  expect(res.status, res.text).toBe(400);
  return res.json.Fault.Error[0].code;
}

function accountId(name: string): string {
  return String(t.sim.ledger({ realmId: t.qbo.realmId, entity: 'Account', name })[0]!.Id);
}

const salesLine = (amount: number) => ({ DetailType: 'SalesItemLineDetail', Amount: amount, SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: amount } });
const expenseLine = (amount: number) => ({
  DetailType: 'AccountBasedExpenseLineDetail',
  Amount: amount,
  AccountBasedExpenseLineDetail: { AccountRef: { value: accountId('Office Supplies') } },
});

/** One of every transaction the simulator keeps, for a customer and a vendor, dated 2026-02-10. */
async function ledger() {
  const customer = ok(await t.qbo.post('/customer', { DisplayName: 'Lifecycle Buyer' }), 'Customer').Id;
  const vendor = ok(await t.qbo.post('/vendor', { DisplayName: 'Lifecycle Vendor' }), 'Vendor').Id;
  const TxnDate = '2026-02-10';
  const CustomerRef = { value: customer };
  const VendorRef = { value: vendor };
  const checking = { value: accountId('Checking') };
  const invoice = ok(await t.qbo.post('/invoice', { CustomerRef, TxnDate, Line: [salesLine(100)] }), 'Invoice');
  const payment = ok(await t.qbo.post('/payment', { CustomerRef, TxnDate, TotalAmt: 40, Line: [{ Amount: 40, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }] }), 'Payment');
  const creditMemo = ok(await t.qbo.post('/creditmemo', { CustomerRef, TxnDate, Line: [salesLine(10)] }), 'CreditMemo');
  const refundReceipt = ok(await t.qbo.post('/refundreceipt', { CustomerRef, TxnDate, Line: [salesLine(5)], DepositToAccountRef: checking }), 'RefundReceipt');
  const salesReceipt = ok(await t.qbo.post('/salesreceipt', { CustomerRef, TxnDate, Line: [salesLine(20)] }), 'SalesReceipt');
  const purchaseOrder = ok(await t.qbo.post('/purchaseorder', { VendorRef, TxnDate, Line: [expenseLine(70)] }), 'PurchaseOrder');
  const bill = ok(await t.qbo.post('/bill', { VendorRef, TxnDate, Line: [expenseLine(70)] }), 'Bill');
  const billPayment = ok(
    await t.qbo.post('/billpayment', {
      VendorRef,
      TxnDate,
      PayType: 'Check',
      CheckPayment: { BankAccountRef: checking },
      TotalAmt: 70,
      Line: [{ Amount: 70, LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] }],
    }),
    'BillPayment',
  );
  const vendorCredit = ok(await t.qbo.post('/vendorcredit', { VendorRef, TxnDate, Line: [expenseLine(9)] }), 'VendorCredit');
  return { customer, vendor, invoice, payment, creditMemo, refundReceipt, salesReceipt, purchaseOrder, bill, billPayment, vendorCredit };
}

const fresh = async (entity: string, txnId: string) => ok(await t.qbo.get(`/${entity.toLowerCase()}/${txnId}`), entity);

describe('QBO simulator void', () => {
  it('voids invoices, payments, bill payments, credit memos and both receipts: amounts 0, "Voided", a new SyncToken', async () => {
    const all = await ledger();
    const voidable = { Invoice: all.invoice, Payment: all.payment, BillPayment: all.billPayment, CreditMemo: all.creditMemo, RefundReceipt: all.refundReceipt, SalesReceipt: all.salesReceipt };
    for (const [entity, created] of Object.entries(voidable)) {
      const current = await fresh(entity, created.Id);
      const voided = ok(await t.qbo.post(`/${entity.toLowerCase()}?operation=void`, { Id: current.Id, SyncToken: current.SyncToken }), entity);
      expect(voided, entity).toMatchObject({ Id: current.Id, TotalAmt: 0, PrivateNote: 'Voided', SyncToken: String(Number(current.SyncToken) + 1) });
      expect((await fresh(entity, created.Id)).TotalAmt, entity).toBe(0);
    }
    expect((await fresh('Invoice', all.invoice.Id)).Line[0]).toMatchObject({ Amount: 0, SalesItemLineDetail: { Qty: 0 } });
    expect(await fresh('CreditMemo', all.creditMemo.Id)).toMatchObject({ Balance: 0, RemainingCredit: 0 });
    // The voided bill payment no longer pays the bill.
    expect(await fresh('Bill', all.bill.Id)).toMatchObject({ Balance: 70 });
    expect((await fresh('Bill', all.bill.Id)).LinkedTxn).toBeUndefined();
  });

  it('voids through operation=update&include=void with a sparse body, as SDKs send it, and in a batch', async () => {
    const all = await ledger();
    const res = ok(await t.qbo.post('/billpayment?operation=update&include=void', { Id: all.billPayment.Id, SyncToken: '0', sparse: true }), 'BillPayment');
    expect(res).toMatchObject({ TotalAmt: 0, Line: [], SyncToken: '1' });
    const batch = await t.qbo.post('/batch', {
      BatchItemRequest: [
        { bId: 'v', operation: 'update', optionsData: 'void', SalesReceipt: { Id: all.salesReceipt.Id, SyncToken: '0' } },
        { bId: 'd', operation: 'delete', VendorCredit: { Id: all.vendorCredit.Id, SyncToken: '0' } },
      ],
    });
    const [voided, deleted] = batch.json.BatchItemResponse;
    expect(voided.SalesReceipt).toMatchObject({ TotalAmt: 0, PrivateNote: 'Voided' });
    expect(deleted.VendorCredit).toEqual({ domain: 'QBO', status: 'Deleted', Id: all.vendorCredit.Id });
  });

  it('refuses to void bills, vendor credits and purchase orders, and credit memos when configured out', async () => {
    const all = await ledger();
    for (const [entity, txn] of [['bill', all.bill], ['vendorcredit', all.vendorCredit], ['purchaseorder', all.purchaseOrder]] as const) {
      const res = await t.qbo.post(`/${entity}?operation=void`, { Id: txn.Id, SyncToken: txn.SyncToken });
      expect(code(res), entity).toBe('500');
    }
    t.restart({ voidableEntities: ['Invoice', 'Payment', 'SalesReceipt', 'BillPayment'] });
    const { creditMemo } = await ledger();
    expect(code(await t.qbo.post('/creditmemo?operation=void', { Id: creditMemo.Id, SyncToken: creditMemo.SyncToken }))).toBe('500');
  });

  it('refuses a stale SyncToken with 5010 and a closed period with 6210', async () => {
    const all = await ledger();
    const invoice = await fresh('Invoice', all.invoice.Id);
    expect(code(await t.qbo.post('/invoice?operation=void', { Id: invoice.Id, SyncToken: '0' }))).toBe('5010');
    expect(code(await t.qbo.post('/refundreceipt?operation=void', { Id: all.refundReceipt.Id }))).toBe('5010');
    t.sim.setPreferences(t.qbo.realmId, { closingDate: '2026-02-28' });
    expect(code(await t.qbo.post('/invoice?operation=void', { Id: invoice.Id, SyncToken: invoice.SyncToken }))).toBe('6210');
    expect(code(await t.qbo.post('/creditmemo?operation=void', { Id: all.creditMemo.Id, SyncToken: '0' }))).toBe('6210');
  });

  it('replays a void sent again with the same requestid instead of voiding twice', async () => {
    const { salesReceipt } = await ledger();
    const first = await t.qbo.post('/salesreceipt?operation=void&requestid=void-1', { Id: salesReceipt.Id, SyncToken: '0' });
    const again = await t.qbo.post('/salesreceipt?operation=void&requestid=void-1', { Id: salesReceipt.Id, SyncToken: '0' });
    expect(again.text).toBe(first.text);
    expect((await fresh('SalesReceipt', salesReceipt.Id)).SyncToken).toBe('1');
  });
});

describe('QBO simulator delete', () => {
  it('deletes every kind of transaction: the Deleted stub, then 610 "Another user has deleted this transaction."', async () => {
    const all = await ledger();
    const kinds = {
      VendorCredit: all.vendorCredit,
      BillPayment: all.billPayment,
      Bill: all.bill,
      PurchaseOrder: all.purchaseOrder,
      SalesReceipt: all.salesReceipt,
      RefundReceipt: all.refundReceipt,
      CreditMemo: all.creditMemo,
      Payment: all.payment,
      Invoice: all.invoice,
    };
    for (const [entity, created] of Object.entries(kinds)) {
      const current = await fresh(entity, created.Id);
      const deleted = await t.qbo.post(`/${entity.toLowerCase()}?operation=delete`, { Id: current.Id, SyncToken: current.SyncToken });
      expect(ok(deleted, entity), entity).toEqual({ domain: 'QBO', status: 'Deleted', Id: current.Id });
      const read = await t.qbo.get(`/${entity.toLowerCase()}/${current.Id}`);
      expect(read.json.Fault.Error[0], entity).toMatchObject({ code: '610', Detail: 'Object Not Found : Another user has deleted this transaction.' });
    }
    expect(t.sim.ledger({ realmId: t.qbo.realmId }).filter((e) => e._entity !== 'Customer' && e._entity !== 'Vendor' && e.TxnDate)).toEqual([]);
  });

  it('leaves the bill payment of a deleted bill in place, unlinked, and reopens bills when their payment goes', async () => {
    const all = await ledger();
    ok(await t.qbo.post('/billpayment?operation=delete', { Id: all.billPayment.Id, SyncToken: '0' }), 'BillPayment');
    expect(await fresh('Bill', all.bill.Id)).toMatchObject({ Balance: 70, SyncToken: '2' });

    const { vendor, bill } = all;
    const checking = { value: accountId('Checking') };
    const second = ok(
      await t.qbo.post('/billpayment', {
        VendorRef: { value: vendor },
        PayType: 'Check',
        CheckPayment: { BankAccountRef: checking },
        TotalAmt: 30,
        Line: [{ Amount: 30, LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] }],
      }),
      'BillPayment',
    );
    const current = await fresh('Bill', bill.Id);
    ok(await t.qbo.post('/bill?operation=delete', { Id: bill.Id, SyncToken: current.SyncToken }), 'Bill');
    expect(await fresh('BillPayment', second.Id)).toMatchObject({ Line: [], TotalAmt: 30, SyncToken: '1' });
    expect(ok(await t.qbo.get(`/vendor/${vendor}`), 'Vendor').Balance).toBe(-39);
  });

  it('refuses a stale SyncToken with 5010 and a closed period with 6210, and name lists with 500', async () => {
    const all = await ledger();
    expect(code(await t.qbo.post('/bill?operation=delete', { Id: all.bill.Id, SyncToken: '0' }))).toBe('5010');
    t.sim.setPreferences(t.qbo.realmId, { closingDate: '2026-02-10' });
    expect(code(await t.qbo.post('/purchaseorder?operation=delete', { Id: all.purchaseOrder.Id, SyncToken: '0' }))).toBe('6210');
    expect(code(await t.qbo.post('/vendorcredit?operation=delete', { Id: all.vendorCredit.Id, SyncToken: '0' }))).toBe('6210');
    expect(code(await t.qbo.post('/vendor?operation=delete', { Id: all.vendor, SyncToken: '0' }))).toBe('500');
  });

  it('takes a deleted purchase order off the bills that linked it', async () => {
    const all = await ledger();
    const linked = ok(
      await t.qbo.post('/bill', { VendorRef: { value: all.vendor }, Line: [expenseLine(70)], LinkedTxn: [{ TxnId: all.purchaseOrder.Id, TxnType: 'PurchaseOrder' }] }),
      'Bill',
    );
    const po = await fresh('PurchaseOrder', all.purchaseOrder.Id);
    ok(await t.qbo.post('/purchaseorder?operation=delete', { Id: po.Id, SyncToken: po.SyncToken }), 'PurchaseOrder');
    const after = await fresh('Bill', linked.Id);
    expect(after.SyncToken).toBe('1');
    expect(after.LinkedTxn).toBeUndefined();
  });
});

describe('QBO simulator change data capture of transactions', () => {
  it('lists updates, voids and deletions of transactions since the given time, and nothing older', async () => {
    const all = await ledger();
    t.now += 60_000;
    const since = new Date(t.now).toISOString();
    t.now += 1000;
    const po = await fresh('PurchaseOrder', all.purchaseOrder.Id);
    ok(await t.qbo.post('/purchaseorder', { Id: po.Id, SyncToken: po.SyncToken, sparse: true, POStatus: 'Closed' }), 'PurchaseOrder');
    ok(await t.qbo.post('/billpayment?operation=void', { Id: all.billPayment.Id, SyncToken: '0' }), 'BillPayment');
    ok(await t.qbo.post('/vendorcredit?operation=delete', { Id: all.vendorCredit.Id, SyncToken: '0' }), 'VendorCredit');

    const res = await t.qbo.get(`/cdc?entities=PurchaseOrder,BillPayment,Bill,VendorCredit,Invoice,CreditMemo&changedSince=${encodeURIComponent(since)}`);
    expect(res.status, res.text).toBe(200);
    const [pos, billPayments, bills, vendorCredits, invoices, creditMemos] = res.json.CDCResponse[0].QueryResponse;
    expect(pos.PurchaseOrder).toEqual([expect.objectContaining({ Id: po.Id, POStatus: 'Closed', SyncToken: '1' })]);
    expect(billPayments.BillPayment).toEqual([expect.objectContaining({ Id: all.billPayment.Id, TotalAmt: 0, PrivateNote: 'Voided' })]);
    // The bill the voided payment had paid changed too: its balance is open again.
    expect(bills.Bill).toEqual([expect.objectContaining({ Id: all.bill.Id, Balance: 70 })]);
    expect(vendorCredits.VendorCredit).toEqual([{ domain: 'QBO', status: 'Deleted', Id: all.vendorCredit.Id, MetaData: { LastUpdatedTime: expect.any(String) } }]);
    expect(invoices).toEqual({});
    expect(creditMemos).toEqual({});
  });
});
