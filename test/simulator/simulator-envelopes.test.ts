import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/index.ts';
import { simClient, type SimClient } from '../../simulator/testing.ts';
import { customerWithInvoice } from '../support/sim-invoice.ts';

const quiet = { info: () => undefined, warn: () => undefined };
const TID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

let sim: Simulator;
let qbo: SimClient;

beforeEach(() => {
  sim = createSimulator({ logger: quiet, clock: () => Date.parse('2026-03-02T17:00:00Z') });
  qbo = simClient(sim, sim.createCompany());
});

describe('QBO simulator envelopes', () => {
  it('wraps a created entity under its name with a time stamp, string Id and SyncToken and MetaData', async () => {
    const res = await qbo.post('/vendor?minorversion=75', { DisplayName: 'Acme Supplies' });
    expect(res.status).toBe(200);
    expect(res.headers.get('intuit_tid')).toMatch(TID);
    expect(res.json.time).toBe('2026-03-02T10:00:00.000-07:00');
    expect(res.json.Vendor).toMatchObject({
      DisplayName: 'Acme Supplies',
      Active: true,
      Id: expect.any(String),
      SyncToken: '0',
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: '2026-03-02T10:00:00-07:00', LastUpdatedTime: '2026-03-02T10:00:00-07:00' },
    });
  });

  it('reads an entity by id and answers 400 with 610 for an id that does not exist', async () => {
    const created = await qbo.post('/customer', { DisplayName: 'Jane' });
    const read = await qbo.get(`/customer/${created.json.Customer.Id}`);
    expect(read.json.Customer.DisplayName).toBe('Jane');
    const missing = await qbo.get('/customer/9999');
    expect(missing.status).toBe(400);
    expect(missing.json.Fault.Error[0].code).toBe('610');
  });

  it('increments the SyncToken on every update and refuses a stale one with 5010', async () => {
    const created = (await qbo.post('/customer', { DisplayName: 'Jane' })).json.Customer;
    const sparse = await qbo.post('/customer', { Id: created.Id, SyncToken: '0', sparse: true, Notes: 'vip' });
    expect(sparse.json.Customer).toMatchObject({ SyncToken: '1', Notes: 'vip', DisplayName: 'Jane' });
    const stale = await qbo.post('/customer', { Id: created.Id, SyncToken: '0', sparse: true, Notes: 'again' });
    expect(stale.status).toBe(400);
    expect(stale.json.Fault).toMatchObject({ type: 'ValidationFault', Error: [{ code: '5010', Message: 'Stale Object Error' }] });
    const missingToken = await qbo.post('/customer', { Id: created.Id, sparse: true, Notes: 'again' });
    expect(missingToken.json.Fault.Error[0].code).toBe('5010');
  });

  it('clears omitted fields on a full update but keeps them on a sparse one', async () => {
    const created = (await qbo.post('/customer', { DisplayName: 'Jane', Notes: 'first', CompanyName: 'Jane Co' })).json.Customer;
    const sparse = (await qbo.post('/customer', { Id: created.Id, SyncToken: '0', sparse: true, Notes: 'second' })).json.Customer;
    expect(sparse.CompanyName).toBe('Jane Co');
    const full = (await qbo.post('/customer?operation=update', { Id: created.Id, SyncToken: '1', DisplayName: 'Jane' })).json.Customer;
    expect(full.CompanyName).toBeUndefined();
    expect(full.Notes).toBeUndefined();
    expect(full.SyncToken).toBe('2');
  });

  it('answers a query without matches with an empty QueryResponse and no entity key', async () => {
    const res = await qbo.query("SELECT * FROM Vendor WHERE DisplayName = 'Nobody'");
    expect(res.json.QueryResponse).toEqual({});
    expect(res.json.time).toEqual(expect.any(String));
  });

  it('deletes a transaction with the Deleted stub and then reports it as deleted by another user', async () => {
    const { invoice } = await customerWithInvoice(qbo, 'Jane');
    const deleted = await qbo.post('/invoice?operation=delete', { Id: invoice.Id, SyncToken: invoice.SyncToken });
    expect(deleted.json.Invoice).toEqual({ domain: 'QBO', status: 'Deleted', Id: invoice.Id });
    const read = await qbo.get(`/invoice/${invoice.Id}`);
    expect(read.json.Fault.Error[0]).toMatchObject({ code: '610', Detail: 'Object Not Found : Another user has deleted this transaction.' });
  });

  it('refuses to delete a name-list entity because QBO only makes them inactive', async () => {
    const vendor = (await qbo.post('/vendor', { DisplayName: 'V' })).json.Vendor;
    const res = await qbo.post('/vendor?operation=delete', { Id: vendor.Id, SyncToken: vendor.SyncToken });
    expect(res.status).toBe(400);
    expect(res.json.Fault.Error[0]).toMatchObject({ code: '500', Message: 'Unsupported Operation' });
  });

  it('rejects unknown properties, wrong JSON types and malformed JSON with 2010 like QBO', async () => {
    const unknown = await qbo.post('/vendor', { DisplayName: 'V', displayName: 'lower' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Fault.Error[0]).toMatchObject({ code: '2010', Message: 'Request has invalid or unsupported property' });
    expect(unknown.json.Fault.Error[0].Detail).toContain('Unrecognized field "displayName"');

    const wrapped = await qbo.post('/vendor', { Vendor: { DisplayName: 'V' } });
    expect(wrapped.json.Fault.Error[0].Detail).toContain('Unrecognized field "Vendor"');

    const wrongType = await qbo.post('/customer', { DisplayName: { first: 'x' } });
    expect(wrongType.json.Fault.Error[0].Detail).toContain('java.lang.String out of START_OBJECT token');

    const badNumber = await qbo.post('/item', { Name: 'X', Type: 'Service', UnitPrice: 'ten', IncomeAccountRef: { value: '14' } });
    expect(badNumber.json.Fault.Error[0].Detail).toContain("java.math.BigDecimal from String value 'ten'");

    const refAsString = await qbo.post('/bill', { VendorRef: '5', Line: [] });
    expect(refAsString.json.Fault.Error[0].code).toBe('2010');

    const malformed = await qbo.call('POST', '/vendor', '{"DisplayName":');
    expect(malformed.json.Fault.Error[0]).toMatchObject({ code: '2010' });
  });

  it('accepts every property QBO’s schema has, even those it has no rule for, and keeps them', async () => {
    const res = await qbo.post('/vendor', {
      DisplayName: 'Schema Vendor',
      Notes: 'AWRA V-1 (src v1 v1)',
      OtherContactInfo: [{ Type: 'TelephoneNumber', Telephone: { FreeFormNumber: '0700 000000' } }],
      CreditLimit: '2500.00',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.Vendor).toMatchObject({ Notes: 'AWRA V-1 (src v1 v1)', CreditLimit: 2500 });
    const notAnArray = await qbo.post('/vendor', { DisplayName: 'Other', OtherContactInfo: { Type: 'TelephoneNumber' } });
    expect(notAnArray.json.Fault.Error[0].Detail).toContain('java.util.ArrayList out of START_OBJECT token');
  });

  it('accepts numeric strings for amounts as QBO does and returns them as numbers', async () => {
    const res = await qbo.post('/item', { Name: 'Consulting', Type: 'Service', UnitPrice: '150.50', IncomeAccountRef: { value: '14' } });
    expect(res.status).toBe(200);
    expect(res.json.Item.UnitPrice).toBe(150.5);
    expect(res.json.Item.IncomeAccountRef).toEqual({ value: '14', name: 'Services' });
  });

  it('treats URIs as case-sensitive and unknown resources as an unsupported operation', async () => {
    const res = await qbo.post('/Vendor', { DisplayName: 'V' });
    expect(res.status).toBe(400);
    expect(res.json.Fault.Error[0].code).toBe('500');
    expect(res.json.Fault.Error[0].Detail).toContain('Could not find resource for relative : /Vendor');
  });

  it('serves Preferences with currency and closing-date settings, and CompanyInfo for the realm', async () => {
    const closed = simClient(sim, sim.createCompany({ homeCurrency: 'KES', closingDate: '2025-12-31', multicurrency: true }));
    const prefs = await closed.get('/preferences');
    expect(prefs.json.Preferences.CurrencyPrefs).toEqual({ MultiCurrencyEnabled: true, HomeCurrency: { value: 'KES' } });
    expect(prefs.json.Preferences.AccountingInfoPrefs.BookCloseDate).toBe('2025-12-31');
    const info = await closed.get(`/companyinfo/${closed.realmId}`);
    expect(info.json.CompanyInfo).toMatchObject({ Id: '1', Country: 'KE' });
    const viaQuery = await closed.query('select * from CompanyInfo');
    expect(viaQuery.json.QueryResponse.CompanyInfo).toHaveLength(1);
  });

  it('accepts any minorversion, including ones below 75', async () => {
    const res = await qbo.get('/preferences?minorversion=4');
    expect(res.status).toBe(200);
  });

  it('fills reference names from the referenced entities and leaves tax codes unnamed', async () => {
    const vendor = (await qbo.post('/vendor', { DisplayName: 'Paper Co' })).json.Vendor;
    const bill = await qbo.post('/bill', {
      VendorRef: { value: vendor.Id, name: 'whatever the client says' },
      Line: [
        {
          DetailType: 'AccountBasedExpenseLineDetail',
          Amount: 12.5,
          AccountBasedExpenseLineDetail: { AccountRef: { value: '17' }, TaxCodeRef: { value: 'NON', name: 'x' } },
        },
      ],
    });
    expect(bill.status).toBe(200);
    expect(bill.json.Bill.VendorRef).toEqual({ value: vendor.Id, name: 'Paper Co' });
    expect(bill.json.Bill.Line[0].AccountBasedExpenseLineDetail.TaxCodeRef).toEqual({ value: 'NON' });
    expect(bill.json.Bill).toMatchObject({ TotalAmt: 12.5, Balance: 12.5, APAccountRef: { name: 'Accounts Payable (A/P)' } });
  });
});
