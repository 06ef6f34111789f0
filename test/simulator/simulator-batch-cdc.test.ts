import { describe, expect, it } from 'vitest';
import { customerWithInvoice } from '../support/sim-invoice.ts';
import { useClockedSimulator } from './clocked-simulator.ts';

const t = useClockedSimulator();

describe('QBO simulator batch', () => {
  it('runs each item and reports per-item faults inside an HTTP 200', async () => {
    const res = await t.qbo.post('/batch?minorversion=75', {
      BatchItemRequest: [
        { bId: 'b1', operation: 'create', Vendor: { DisplayName: 'Batch Vendor' } },
        { bId: 'b2', operation: 'create', Vendor: { DisplayName: 'Batch Vendor' } },
        { bId: 'b3', Query: "select * from Vendor where DisplayName = 'Batch Vendor'" },
        { bId: 'b4', operation: 'create', Bill: { VendorRef: { value: '9999' }, Line: [] } },
      ],
    });
    expect(res.status).toBe(200);
    const items = res.json.BatchItemResponse;
    expect(items.map((i: { bId: string }) => i.bId)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(items[0].Vendor.DisplayName).toBe('Batch Vendor');
    expect(items[1].Fault).toMatchObject({ type: 'ValidationFault', Error: [{ code: '6240' }] });
    expect(items[2].QueryResponse.Vendor).toHaveLength(1);
    expect(items[3].Fault.Error[0].code).toBe('2020');
    expect(res.json.time).toEqual(expect.any(String));
  });

  it('does not let an item see an entity created earlier in the same batch', async () => {
    const res = await t.qbo.post('/batch', {
      BatchItemRequest: [
        { bId: 'c', operation: 'create', Customer: { DisplayName: 'Fresh Customer' } },
        {
          bId: 'i',
          operation: 'create',
          Invoice: { CustomerRef: { value: '1' }, Line: [{ DetailType: 'SalesItemLineDetail', Amount: 1, SalesItemLineDetail: { ItemRef: { value: '1' } } }] },
        },
      ],
    });
    expect(res.json.BatchItemResponse[0].Customer.Id).toBe('1');
    expect(res.json.BatchItemResponse[1].Fault.Error[0].code).toBe('2500');
  });

  it('updates and deletes in a batch and honours optionsData allowduplicatedocnum', async () => {
    const vendor = (await t.qbo.post('/vendor', { DisplayName: 'V' })).json.Vendor;
    const bill = {
      VendorRef: { value: vendor.Id },
      DocNumber: 'B-1',
      Line: [{ DetailType: 'AccountBasedExpenseLineDetail', Amount: 5, AccountBasedExpenseLineDetail: { AccountRef: { value: '17' } } }],
    };
    const existing = (await t.qbo.post('/bill', bill)).json.Bill;
    const res = await t.qbo.post('/batch', {
      BatchItemRequest: [
        { bId: '1', operation: 'create', Bill: bill },
        { bId: '2', operation: 'create', optionsData: 'allowduplicatedocnum', Bill: bill },
        { bId: '3', operation: 'update', Vendor: { Id: vendor.Id, SyncToken: '0', sparse: true, AcctNum: 'A-9' } },
        { bId: '4', operation: 'delete', Bill: { Id: existing.Id, SyncToken: existing.SyncToken } },
      ],
    });
    const [dup, allowed, updated, deleted] = res.json.BatchItemResponse;
    expect(dup.Fault.Error[0].code).toBe('6140');
    expect(allowed.Bill.DocNumber).toBe('B-1');
    expect(updated.Vendor).toMatchObject({ AcctNum: 'A-9', SyncToken: '1' });
    expect(deleted.Bill).toEqual({ domain: 'QBO', status: 'Deleted', Id: existing.Id });
  });

  it('refuses more than 30 items, an empty batch and a missing bId with HTTP 400', async () => {
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: `q${i}`, Query: 'select * from Vendor' }));
    const tooMany = await t.qbo.post('/batch', { BatchItemRequest: items });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.Fault.Error[0].Detail).toContain('maximum is 30');
    expect((await t.qbo.post('/batch', { BatchItemRequest: items.slice(0, 30) })).status).toBe(200);
    const empty = await t.qbo.post('/batch', { BatchItemRequest: [] });
    expect(empty.json.Fault.Error[0].Detail).toBe('Batch Request is Empty');
    expect((await t.qbo.post('/batch', { BatchItemRequest: [{ Query: 'select * from Vendor' }] })).status).toBe(400);
  });
});

describe('QBO simulator change data capture', () => {
  it('returns entities changed since a time, inactive ones in full and deleted ones as stubs', async () => {
    const { customer, invoice } = await customerWithInvoice(t.qbo, 'Watcher');
    t.now += 10 * 60_000;
    const since = new Date(t.now).toISOString();
    t.now += 1000;
    t.sim.deactivate(t.qbo.realmId, 'Customer', customer.Id);
    await t.qbo.post('/invoice?operation=delete', { Id: invoice.Id, SyncToken: invoice.SyncToken });
    await t.qbo.post('/vendor', { DisplayName: 'Not Asked For' });

    const res = await t.qbo.get(`/cdc?entities=Customer,Invoice,Item&changedSince=${encodeURIComponent(since)}`);
    expect(res.status).toBe(200);
    const [customers, invoices, items] = res.json.CDCResponse[0].QueryResponse;
    expect(customers.Customer).toHaveLength(1);
    expect(customers.Customer[0]).toMatchObject({ Id: customer.Id, Active: false, DisplayName: 'Watcher (deleted)' });
    expect(invoices.Invoice).toEqual([{ domain: 'QBO', status: 'Deleted', Id: invoice.Id, MetaData: { LastUpdatedTime: expect.any(String) } }]);
    expect(items).toEqual({});
  });

  it('refuses a look-back of more than 30 days and requires both parameters', async () => {
    const old = new Date(t.now - 31 * 24 * 3600_000).toISOString();
    expect((await t.qbo.get(`/cdc?entities=Customer&changedSince=${encodeURIComponent(old)}`)).status).toBe(400);
    expect((await t.qbo.get('/cdc?entities=Customer')).json.Fault.Error[0].code).toBe('2020');
  });
});
