import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, syncAll, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * Foreign-currency transactions end to end: a KES company with multicurrency on books a USD document at the exchange
 * rate AWRA sent, and a document without one waits for AWRA to send it. The simulator's own rate of the day is set
 * to something else (100), so a rate that was not sent cannot pass for one that was.
 */
let h: Harness;
let t: ConnectedTenant;
const ledger = (entity: string) => h.sim.sim.ledger({ realmId: t.realmId, entity });
const byDocNumber = (entity: string, docNumber: string) => ledger(entity).filter((e) => e.DocNumber === docNumber);

/** A master record of `base`'s, kept in another currency (QuickBooks wants a party's currency to be its documents'). */
const inCurrency = <R extends { data: object }>(base: R, currency: string): R => ({ ...base, data: { ...base.data, currency } });

beforeAll(async () => {
  h = await createHarness({ simulator: { defaultExchangeRate: { USD: 100 } } });
  t = await connectedTenant(h, 'fx', { homeCurrency: 'KES' });
  // Multicurrency is switched on in QuickBooks before anything syncs (QuickBooks cannot switch it off again).
  h.sim.sim.setPreferences(t.realmId, { multicurrency: true });
  await syncAll(
    h,
    inCurrency(awra.vendor('fx', 'ven-usd', 'Pacific Freight Inc'), 'USD'),
    inCurrency(awra.customer('fx', 'cus-usd', 'Lakeside Trading LLC'), 'USD'),
    awra.serviceItem('fx', 'itm-1', 'SVC-MAINT', 'Maintenance visit'),
  );
});
afterAll(async () => {
  await h?.close();
});

describe('exchange rates (simulator, KES company with multicurrency)', () => {
  it('books a USD bill at the rate AWRA sent: QuickBooks keeps that ExchangeRate and the matching home-currency amount', async () => {
    const [bill] = await syncAll(h, awra.bill('fx', 'bill-usd', 'BILL-FX-0001', 'ven-usd', { currency: 'USD', exchangeRate: '129.5' }));

    expect(bill.readiness).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'exchange_rate', ok: true, message: '1 USD = 129.5 KES.' })]));
    const [qboBill] = byDocNumber('Bill', 'BILL-FX-0001');
    expect(String(qboBill!.Id)).toBe(bill.externalRef.qboId);
    expect(qboBill!.CurrencyRef).toMatchObject({ value: 'USD' });
    expect(Number(qboBill!.ExchangeRate)).toBe(129.5);
    expect(Number(qboBill!.TotalAmt)).toBe(1200);
    // A QuickBooks Bill carries no HomeTotalAmt (only sales forms do); its home-currency amount is HomeBalance, which
    // for a bill nothing has paid yet is the whole total: 1,200.00 USD × 129.5 = 155,400.00 KES.
    expect(qboBill!.HomeTotalAmt).toBeUndefined();
    expect(Number(qboBill!.Balance)).toBe(1200);
    expect(Number(qboBill!.HomeBalance)).toBe(155_400);
  });

  it('blocks a USD invoice without a rate on source data with a sentence for the clerk, and syncs the corrected version at its rate', async () => {
    const invoice = inCurrency(awra.invoice('fx', 'inv-usd', 'INV-FX-0001', 'cus-usd', 'itm-1'), 'USD');
    const id = await submit(h, invoice);
    const blocked = await waitFor(h, id, 'blocked');

    expect(blocked).toMatchObject({ failureClass: 'source_data', owner: 'finance' });
    const message = 'This invoice is in USD but the QuickBooks company keeps its books in KES; AWRA must send the exchange rate (KES per 1 USD) with it.';
    expect(blocked.readiness).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'exchange_rate', ok: false, message })]));
    expect(blocked.actionNeeded).toBe(`Correct INV-FX-0001 in AWRA: ${message}`);
    expect(blocked.attempts).toHaveLength(0);
    expect(byDocNumber('Invoice', 'INV-FX-0001')).toHaveLength(0);

    await submit(h, { ...invoice, version: 2, data: { ...invoice.data, exchangeRate: '130.25' } });
    const synced = await waitFor(h, id, 'synced');
    expect(synced.version).toBe(2);
    const [qboInvoice] = byDocNumber('Invoice', 'INV-FX-0001');
    expect(String(qboInvoice!.Id)).toBe(synced.externalRef.qboId);
    expect(qboInvoice!.CurrencyRef).toMatchObject({ value: 'USD' });
    expect(Number(qboInvoice!.ExchangeRate)).toBe(130.25);
    // 7,500.00 USD × 130.25 = 976,875.00 KES.
    expect(Number(qboInvoice!.HomeTotalAmt)).toBe(976_875);
  });
});
