import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createHarness, exportHistory, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, 'happy');
});
afterAll(async () => {
  await h?.close();
});

describe('controlled sync of every record type to QuickBooks (simulator)', () => {
  it('syncs masters, then a PO, bill and invoice that use them, then a payment applied to the invoice', async () => {
    const vendor = await submit(h, awra.vendor('happy', 'ven-1', 'Nairobi Office Supplies Ltd'));
    const customer = await submit(h, awra.customer('happy', 'cus-1', 'Savannah Retail Ltd'));
    const item = await submit(h, awra.serviceItem('happy', 'itm-1', 'SVC-MAINT', 'Maintenance visit'));
    const masters = await Promise.all([vendor, customer, item].map((id) => waitFor(h, id, 'synced')));
    for (const m of masters) {
      expect(m.externalRef.qboId).toMatch(/^\d+$/);
      expect(m.attempts).toHaveLength(1);
      expect(m.attempts[0]).toMatchObject({ class: 'accepted', httpStatus: 200 });
      expect(m.attempts[0].requestId).toMatch(/^qsh-/);
      expect(m.attempts[0].intuitTid).toBeTruthy();
    }

    const po = await submit(h, awra.purchaseOrder('happy', 'po-1', 'PO-2026-0042', 'ven-1', 'itm-1'));
    const bill = await submit(h, awra.bill('happy', 'bill-1', 'BILL-2026-0007', 'ven-1'));
    const invoice = await submit(h, awra.invoice('happy', 'inv-1', 'INV-2026-0100', 'cus-1', 'itm-1'));
    const [poChain, billChain, invChain] = await Promise.all([po, bill, invoice].map((id) => waitFor(h, id, 'synced')));
    expect(poChain.externalRef).toMatchObject({ entity: 'PurchaseOrder', docNumber: 'PO-2026-0042' });
    expect(billChain.externalRef).toMatchObject({ entity: 'Bill', docNumber: 'BILL-2026-0007' });
    expect(invChain.mappings.map((m: { kind: string; ok: boolean }) => [m.kind, m.ok])).toEqual(
      expect.arrayContaining([['customer', true], ['item', true], ['tax_code', true]]),
    );

    const payment = await submit(h, awra.payment('happy', 'pay-1', 'RCPT-2026-0001', 'cus-1', 'inv-1'));
    const payChain = await waitFor(h, payment, 'synced');
    expect(payChain.externalRef.entity).toBe('Payment');
    await exportHistory(h, bill, 'bill-synced');
    await exportHistory(h, vendor, 'vendor-synced-resumes-dependents');

    // What QuickBooks now holds: exactly one of each, carrying the AWRA number for traceability.
    const ledger = (entity: string) => h.sim.sim.ledger({ realmId: t.realmId, entity });
    expect(ledger('Bill').filter((b) => b.DocNumber === 'BILL-2026-0007')).toHaveLength(1);
    expect(String(ledger('Bill')[0]!.PrivateNote)).toContain('AWRA BILL-2026-0007');
    expect(ledger('Vendor').filter((v) => v.DisplayName === 'Nairobi Office Supplies Ltd')).toHaveLength(1);
    const qboInvoice = ledger('Invoice').find((i) => i.DocNumber === 'INV-2026-0100')!;
    expect(Number(qboInvoice.Balance)).toBe(0);

    // A synced master record became a mapping.
    const maps = await h.api('GET', '/api/v1/mappings/happy?kind=vendor');
    expect(maps.json.mappings).toEqual([expect.objectContaining({ sourceKey: 'ven-1', qboId: masters[0].externalRef.qboId, updatedBy: 'sync' })]);
  });

  it('blocks a PO on a missing item mapping, and syncs it by itself once the mapping is set through the API', async () => {
    const vendor = await submit(h, awra.vendor('happy', 'ven-2', 'Coast Hardware Ltd'));
    await waitFor(h, vendor, 'synced');
    const po = await submit(h, awra.purchaseOrder('happy', 'po-2', 'PO-2026-0043', 'ven-2', 'itm-legacy'));
    const blocked = await waitFor(h, po, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'mapping', owner: 'admin' });
    const gap = blocked.mappings.find((m: { ok: boolean }) => !m.ok);
    expect(gap).toMatchObject({ kind: 'item', key: 'itm-legacy', problem: 'missing' });
    expect(blocked.actionNeeded).toContain('itm-legacy');

    const set = await h.api('PUT', `/api/v1/mappings/happy/item/itm-legacy`, { qboId: t.qboId('Item', 'Services'), qboName: 'Services' });
    expect(set.status).toBe(200);
    expect(set.json.resumed).toBe(1);
    const synced = await waitFor(h, po, 'synced');
    expect(synced.events.map((e: { kind: string }) => e.kind)).toContain('blocked');
    await exportHistory(h, po, 'po-mapping-blocked-then-set');
  });

  it('holds a bill whose vendor has not synced yet, and continues when the vendor syncs', async () => {
    const bill = await submit(h, awra.bill('happy', 'bill-2', 'BILL-2026-0008', 'ven-late'));
    const blocked = await waitFor(h, bill, 'blocked');
    expect(blocked.failureClass).toBe('mapping');
    expect(blocked.mappings.find((m: { kind: string }) => m.kind === 'vendor')).toMatchObject({ key: 'ven-late', ok: false });

    const vendor = await submit(h, awra.vendor('happy', 'ven-late', 'Late Vendor Ltd'));
    const vendorChain = await waitFor(h, vendor, 'synced');
    const billChain = await waitFor(h, bill, 'synced');
    expect(billChain.mappings.find((m: { kind: string }) => m.kind === 'vendor')).toMatchObject({ ok: true, qboId: vendorChain.externalRef.qboId });
    const qboBill = h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill', docNumber: 'BILL-2026-0008' });
    expect(qboBill).toHaveLength(1);
    expect((qboBill[0]!.VendorRef as { value: string }).value).toBe(vendorChain.externalRef.qboId);
  });

  it('holds a payment until the invoice it pays has synced', async () => {
    const payment = await submit(h, awra.payment('happy', 'pay-2', 'RCPT-2026-0002', 'cus-1', 'inv-2', 'paystack'));
    const blocked = await waitFor(h, payment, 'blocked');
    expect(blocked.mappings.find((m: { kind: string }) => m.kind === 'invoice')).toMatchObject({ key: 'inv-2', ok: false, problem: 'not_synced' });
    const invoice = await submit(h, awra.invoice('happy', 'inv-2', 'INV-2026-0101', 'cus-1', 'itm-1'));
    await waitFor(h, invoice, 'synced');
    await waitFor(h, payment, 'synced');
  });
});

describe('a newer version of a record already in QuickBooks', () => {
  it('updates the same QuickBooks entity instead of creating another', async () => {
    const vendor = await submit(h, awra.vendor('happy', 'ven-upd', 'Upd Supplies Ltd'));
    await waitFor(h, vendor, 'synced');
    const bill = await submit(h, awra.bill('happy', 'bill-upd', 'BILL-2026-0077', 'ven-upd'));
    const first = await waitFor(h, bill, 'synced');
    const amended = awra.bill('happy', 'bill-upd', 'BILL-2026-0077', 'ven-upd', { version: 2, total: 180_000 });
    await submit(h, { ...amended, data: { ...amended.data, lines: [{ expenseAccount: '6100', description: 'November rent (amended)', amount: 180_000, taxCategory: 'VAT16' }] } });
    const second = await waitFor(h, bill, 'synced', (c) => c.version === 2);
    expect(second.externalRef.qboId).toBe(first.externalRef.qboId);
    expect(second.events.at(-1).message).toBe(`QuickBooks updated Bill ${first.externalRef.qboId} to version 2 of BILL-2026-0077.`);
    const inQbo = h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill', docNumber: 'BILL-2026-0077' });
    expect(inQbo).toHaveLength(1);
    expect(Number(inQbo[0]!.TotalAmt)).toBe(1800);
    expect(String(inQbo[0]!.SyncToken)).toBe('1');
  });
});
