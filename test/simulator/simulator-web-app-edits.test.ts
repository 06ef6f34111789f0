import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/index.ts';
import { simClient, toSimResponse, type SimClient, type SimResponse } from '../../simulator/testing.ts';

/**
 * The control endpoints that let a test act as a person in the QuickBooks web app: editing, voiding and deleting an
 * entity behind the API client's back, with the SyncToken, CDC and webhook consequences of a real edit.
 */

const quiet = { info: () => undefined, warn: () => undefined };
const VERIFIER = 'web-app-edits-verifier';

let now: number;
let sim: Simulator;
let qbo: SimClient;
let captured: { body: string; signature: string }[];

beforeEach(() => {
  now = Date.parse('2026-03-02T17:00:00Z');
  captured = [];
  sim = createSimulator({
    logger: quiet,
    clock: () => now,
    webhookUrl: 'https://hooks.example.com/qbo',
    webhookVerifierToken: VERIFIER,
    webhookFetch: async (_input, init) => {
      captured.push({ body: String(init?.body), signature: new Headers(init?.headers).get('intuit-signature') ?? '' });
      return new Response(null, { status: 200 });
    },
  });
  qbo = simClient(sim, sim.createCompany());
});

async function control(path: string, body?: unknown): Promise<SimResponse> {
  return toSimResponse(
    await sim.app.request(path, {
      method: 'POST',
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    }),
  );
}

/** The webhook events delivered since the last call, as "Entity:id:Operation". */
async function notified(): Promise<string[]> {
  await sim.webhooksIdle();
  const events = captured.flatMap((d) => {
    expect(d.signature).toBe(createHmac('sha256', VERIFIER).update(d.body).digest('base64'));
    return JSON.parse(d.body).eventNotifications[0].dataChangeEvent.entities.map((e: { name: string; id: string; operation: string }) => `${e.name}:${e.id}:${e.operation}`);
  });
  captured.length = 0;
  return events;
}

async function invoiceFor(name: string) {
  const customer = (await qbo.post('/customer', { DisplayName: name })).json.Customer;
  const line = { DetailType: 'SalesItemLineDetail', Amount: 50, SalesItemLineDetail: { ItemRef: { value: '1' } } };
  const invoice = (await qbo.post('/invoice', { CustomerRef: { value: customer.Id }, Line: [line] })).json.Invoice;
  return { customer, invoice };
}

/** An invoice, its creation already notified, then voided or deleted in the web app a second after `since`. */
async function invoiceChangedInApp(buyer: string, action: 'void' | 'delete') {
  const { invoice } = await invoiceFor(buyer);
  await notified();
  const since = new Date(now).toISOString();
  now += 1000;
  const res = await control(`/_sim/companies/${qbo.realmId}/entities/invoice/${invoice.Id}/${action}`);
  expect(res.status, res.text).toBe(200);
  return { invoice, since, changed: res.json.entity };
}

async function changedSince(since: string, entities: string): Promise<Record<string, unknown[]>[]> {
  const res = await qbo.get(`/cdc?entities=${entities}&changedSince=${encodeURIComponent(since)}`);
  expect(res.status, res.text).toBe(200);
  return res.json.CDCResponse[0].QueryResponse;
}

describe('QBO simulator web-app edits (control API)', () => {
  it('updates an entity like a person would: SyncToken and LastUpdatedTime move, the client meets 5010, CDC and a webhook follow', async () => {
    const { invoice } = await invoiceFor('Edited Buyer');
    await notified();
    now += 5 * 60_000;
    const since = new Date(now).toISOString();
    now += 1000;

    const res = await control(`/_sim/companies/${qbo.realmId}/entities/invoice/${invoice.Id}/update`, { PrivateNote: 'changed in QBO', DueDate: '2026-04-30' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.entity).toMatchObject({ Id: invoice.Id, SyncToken: '1', PrivateNote: 'changed in QBO', DueDate: '2026-04-30', TotalAmt: 50 });
    expect(res.json.entity.MetaData.LastUpdatedTime).not.toBe(invoice.MetaData.LastUpdatedTime);
    expect(res.json.entity.MetaData.CreateTime).toBe(invoice.MetaData.CreateTime);

    const stale = await qbo.post('/invoice', { Id: invoice.Id, SyncToken: invoice.SyncToken, sparse: true, PrivateNote: 'from the sync' });
    expect(stale.json.Fault.Error[0].code).toBe('5010');
    expect(await notified()).toEqual([`Invoice:${invoice.Id}:Update`]);
    const [invoices] = await changedSince(since, 'Invoice');
    expect(invoices!.Invoice).toEqual([expect.objectContaining({ Id: invoice.Id, SyncToken: '1', PrivateNote: 'changed in QBO' })]);
  });

  it('edits a name-list entity too, with the same validation as the API', async () => {
    const vendor = (await qbo.post('/vendor', { DisplayName: 'Renamed Vendor' })).json.Vendor;
    const renamed = await control(`/_sim/companies/${qbo.realmId}/entities/Vendor/${vendor.Id}/update`, { DisplayName: 'Vendor Renamed In QBO' });
    expect(renamed.json.entity).toMatchObject({ DisplayName: 'Vendor Renamed In QBO', SyncToken: '1' });
    const refused = await control(`/_sim/companies/${qbo.realmId}/entities/vendor/${vendor.Id}/update`, { TermRef: { value: '999' } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.fault).toMatchObject({ type: 'ValidationFault', Error: [{ code: '2500', element: 'TermRef' }] });
  });

  it('voids a transaction: amounts 0, shown in CDC as changed, notified as Void', async () => {
    const { invoice, since, changed } = await invoiceChangedInApp('Voided Buyer', 'void');
    expect(changed).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: 'Voided', SyncToken: '1' });
    expect(await notified()).toEqual([`Invoice:${invoice.Id}:Void`]);
    const [invoices] = await changedSince(since, 'Invoice');
    expect(invoices!.Invoice).toEqual([expect.objectContaining({ Id: invoice.Id, TotalAmt: 0 })]);

    const vendor = (await qbo.post('/vendor', { DisplayName: 'Unvoidable' })).json.Vendor;
    const refused = await control(`/_sim/companies/${qbo.realmId}/entities/vendor/${vendor.Id}/void`);
    expect(refused.status).toBe(400);
    expect(refused.json.error.fault.Error[0].code).toBe('500');
  });

  it('deletes a transaction: the Deleted stub, 610 on read, a Deleted stub in CDC, notified as Delete', async () => {
    const { invoice, since, changed } = await invoiceChangedInApp('Deleted Buyer', 'delete');
    expect(changed).toEqual({ domain: 'QBO', status: 'Deleted', Id: invoice.Id });
    expect(await notified()).toEqual([`Invoice:${invoice.Id}:Delete`]);
    expect((await qbo.get(`/invoice/${invoice.Id}`)).json.Fault.Error[0].code).toBe('610');
    const [invoices] = await changedSince(since, 'Invoice');
    expect(invoices!.Invoice).toEqual([{ domain: 'QBO', status: 'Deleted', Id: invoice.Id, MetaData: { LastUpdatedTime: expect.any(String) } }]);
  });

  it('answers 404 for an unknown realm, entity or id, and 400 when the edit breaks a QBO rule', async () => {
    const { invoice } = await invoiceFor('Edge Buyer');
    expect((await control(`/_sim/companies/9341000000000000/entities/invoice/${invoice.Id}/void`)).status).toBe(404);
    expect((await control(`/_sim/companies/${qbo.realmId}/entities/widget/1/delete`)).status).toBe(404);
    expect((await control(`/_sim/companies/${qbo.realmId}/entities/invoice/9999/update`, { PrivateNote: 'x' })).status).toBe(404);
    sim.setPreferences(qbo.realmId, { closingDate: '2026-12-31' });
    const closed = await control(`/_sim/companies/${qbo.realmId}/entities/invoice/${invoice.Id}/delete`);
    expect(closed.status).toBe(400);
    expect(closed.json.error.fault.Error[0]).toMatchObject({ code: '6210', Message: 'Account Period Closed' });
    expect((await control(`/_sim/companies/${qbo.realmId}/entities/invoice/${invoice.Id}/update`, ['not', 'an', 'object'])).status).toBe(400);
  });
});
