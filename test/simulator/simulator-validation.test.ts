import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type CompanyCredentials, type Simulator } from '../../simulator/index.ts';
import { simClient, type SimClient, type SimResponse } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };

let sim: Simulator;
let creds: CompanyCredentials;
let qbo: SimClient;

function id(entity: string, name: string): string {
  const found = sim.ledger({ realmId: qbo.realmId, entity }).find((e) => e.Name === name || e.DisplayName === name);
  if (!found) throw new Error(`no ${entity} named ${name}`);
  return String(found.Id);
}

function fault(res: SimResponse): { code: string; Message: string; Detail: string; element: string } {
  expect(res.status, res.text).toBe(400);
  expect(res.json.Fault.type).toBe('ValidationFault');
  return res.json.Fault.Error[0];
}

function invoiceBody(customerId: string, extra: Record<string, unknown> = {}, line: Record<string, unknown> = {}) {
  return {
    CustomerRef: { value: customerId },
    Line: [
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 100,
        SalesItemLineDetail: { ItemRef: { value: id('Item', 'Services') }, Qty: 2, UnitPrice: 50, TaxCodeRef: { value: 'NON' } },
        ...line,
      },
    ],
    ...extra,
  };
}

beforeEach(() => {
  sim = createSimulator({ logger: quiet, clock: () => Date.parse('2026-03-02T17:00:00Z') });
  creds = sim.createCompany({ closingDate: '2025-12-31' });
  qbo = simClient(sim, creds);
});

async function customer(name = 'Buyer Ltd'): Promise<string> {
  const res = await qbo.post('/customer', { DisplayName: name });
  expect(res.status, res.text).toBe(200);
  return res.json.Customer.Id;
}

describe('QBO simulator validation', () => {
  it('refuses an invoice without lines with 2020 naming the missing parameter', async () => {
    const f = fault(await qbo.post('/invoice', { CustomerRef: { value: await customer() } }));
    expect(f).toMatchObject({
      code: '2020',
      Message: 'Required param missing, need to supply the required value for the API',
      Detail: 'Required parameter Line is missing in the request',
      element: 'Line',
    });
  });

  it('refuses a bill without VendorRef and a line without its ItemRef with 2020', async () => {
    expect(fault(await qbo.post('/bill', { Line: [] })).element).toBe('VendorRef');
    const c = await customer();
    const f = fault(await qbo.post('/invoice', { CustomerRef: { value: c }, Line: [{ DetailType: 'SalesItemLineDetail', Amount: 1, SalesItemLineDetail: {} }] }));
    expect(f).toMatchObject({ code: '2020', element: 'Line.SalesItemLineDetail.ItemRef' });
  });

  it('answers 2500 Invalid Reference Id for a reference to an id that does not exist', async () => {
    const f = fault(await qbo.post('/invoice', invoiceBody(await customer(), {}, { SalesItemLineDetail: { ItemRef: { value: '999' } } })));
    expect(f).toMatchObject({ code: '2500', Message: 'Invalid Reference Id', element: 'Line.SalesItemLineDetail.ItemRef' });
  });

  it('answers 2500 when the id of another entity type is used, since ids are per entity', async () => {
    const c = await customer();
    await qbo.post('/vendor', { DisplayName: 'Vendor One' });
    const second = (await qbo.post('/vendor', { DisplayName: 'Vendor Two' })).json.Vendor;
    expect(second.Id).not.toBe(c);
    expect(fault(await qbo.post('/invoice', invoiceBody(second.Id))).code).toBe('2500');
  });

  it('answers 610 when a transaction references an inactive customer, which is renamed "(deleted)"', async () => {
    const c = await customer('Old Customer');
    const deactivated = sim.deactivate(qbo.realmId, 'Customer', c);
    expect(deactivated).toMatchObject({ Active: false, DisplayName: 'Old Customer (deleted)' });
    const f = fault(await qbo.post('/invoice', invoiceBody(c)));
    expect(f).toMatchObject({ code: '610', Message: 'Object Not Found', element: 'CustomerRef' });
    expect(f.Detail).toContain('has been made inactive');
  });

  it('frees the name of a deactivated entity so it can be created again', async () => {
    const c = await customer('Reused Name');
    await qbo.post('/customer', { Id: c, SyncToken: '0', sparse: true, Active: false });
    const again = await qbo.post('/customer', { DisplayName: 'Reused Name' });
    expect(again.status).toBe(200);
  });

  it('can answer inactive references with 2500 instead when configured', async () => {
    sim = createSimulator({ logger: quiet, inactiveReferenceCode: '2500' });
    qbo = simClient(sim, sim.createCompany());
    const c = await customer();
    sim.deactivate(qbo.realmId, 'customer', c);
    const f = fault(await qbo.post('/invoice', invoiceBody(c)));
    expect(f.code).toBe('2500');
    expect(f.Detail).toContain('made inactive');
  });

  it('refuses a line whose Amount is not Qty times UnitPrice with 6070', async () => {
    const f = fault(await qbo.post('/invoice', invoiceBody(await customer(), {}, { Amount: 58 })));
    expect(f).toMatchObject({ code: '6070', element: 'Line.Amount', Detail: 'Amount is not equal to UnitPrice * Qty. Supplied value:58' });
  });

  it('ignores the TotalAmt a client sends and computes it from the lines', async () => {
    const res = await qbo.post('/invoice', { ...invoiceBody(await customer()), TotalAmt: 5 });
    expect(res.json.Invoice).toMatchObject({ TotalAmt: 100, Balance: 100 });
  });

  it('computes tax from the line tax codes only for TaxExcluded transactions', async () => {
    const c = await customer();
    const vat = id('TaxCode', 'VAT 16%');
    const excluded = await qbo.post('/invoice', invoiceBody(c, { GlobalTaxCalculation: 'TaxExcluded' }, { SalesItemLineDetail: { ItemRef: { value: '1' }, TaxCodeRef: { value: vat } } }));
    expect(excluded.json.Invoice).toMatchObject({ TotalAmt: 116, TxnTaxDetail: { TotalTax: 16 } });
    const inclusive = await qbo.post('/invoice', invoiceBody(c, { GlobalTaxCalculation: 'TaxInclusive' }, { SalesItemLineDetail: { ItemRef: { value: '1' }, TaxCodeRef: { value: vat } } }));
    expect(inclusive.json.Invoice.TotalAmt).toBe(100);
  });

  it('refuses a second vendor or customer with the same display name with 6240', async () => {
    await customer('Shared Name');
    const f = fault(await qbo.post('/vendor', { DisplayName: 'shared name' }));
    expect(f).toMatchObject({ code: '6240', Message: 'Duplicate Name Exists Error' });
    expect(f.Detail).toContain('Another customer is already using this name');
  });

  it('refuses a second item with the same Name with 6240', async () => {
    const body = { Name: 'Widget', Type: 'Service', IncomeAccountRef: { value: id('Account', 'Services') } };
    expect((await qbo.post('/item', body)).status).toBe(200);
    expect(fault(await qbo.post('/item', body)).code).toBe('6240');
  });

  it('refuses a duplicate DocNumber of the same transaction type with 6140 unless include=allowduplicatedocnum', async () => {
    const c = await customer();
    expect((await qbo.post('/invoice', invoiceBody(c, { DocNumber: 'INV-100' }))).status).toBe(200);
    const f = fault(await qbo.post('/invoice', invoiceBody(c, { DocNumber: 'INV-100' })));
    expect(f.code).toBe('6140');
    expect(f.Detail).toContain('DocNumber=INV-100 is assigned to TxnType=Invoice');
    const allowed = await qbo.post('/invoice?include=allowduplicatedocnum', invoiceBody(c, { DocNumber: 'INV-100' }));
    expect(allowed.status).toBe(200);
    expect(sim.ledger({ realmId: qbo.realmId, entity: 'Invoice', docNumber: 'INV-100' })).toHaveLength(2);
  });

  it('refuses a DocNumber longer than 21 characters with 2050', async () => {
    const f = fault(await qbo.post('/invoice', invoiceBody(await customer(), { DocNumber: 'X'.repeat(22) })));
    expect(f).toMatchObject({ code: '2050', element: 'DocNumber' });
    expect(f.Detail).toContain('Max:21 supported. Supplied length:22');
  });

  it('numbers invoices itself when DocNumber is omitted or AUTO_GENERATE', async () => {
    const c = await customer();
    const first = (await qbo.post('/invoice', invoiceBody(c))).json.Invoice;
    const second = (await qbo.post('/invoice', invoiceBody(c, { DocNumber: 'AUTO_GENERATE' }))).json.Invoice;
    expect([first.DocNumber, second.DocNumber]).toEqual(['1001', '1002']);
  });

  it('refuses a transaction dated on or before the closing date with 6210', async () => {
    const f = fault(await qbo.post('/invoice', invoiceBody(await customer(), { TxnDate: '2025-12-31' })));
    expect(f).toMatchObject({ code: '6210', Message: 'Account Period Closed' });
    expect((await qbo.post('/invoice', invoiceBody(await customer('Other'), { TxnDate: '2026-01-01' }))).status).toBe(200);
  });

  it('refuses changes to a transaction once its period is closed', async () => {
    const invoice = (await qbo.post('/invoice', invoiceBody(await customer(), { TxnDate: '2026-02-01' }))).json.Invoice;
    sim.setPreferences(qbo.realmId, { closingDate: '2026-02-28' });
    const f = fault(await qbo.post('/invoice?operation=delete', { Id: invoice.Id, SyncToken: invoice.SyncToken }));
    expect(f.code).toBe('6210');
  });

  it('refuses a foreign currency while multicurrency is off and a currency other than the party’s when it is on', async () => {
    const c = await customer();
    const f = fault(await qbo.post('/invoice', invoiceBody(c, { CurrencyRef: { value: 'KES' } })));
    expect(f).toMatchObject({ code: '6000', element: 'CurrencyRef' });
    expect(fault(await qbo.post('/vendor', { DisplayName: 'Kenyan Vendor', CurrencyRef: { value: 'KES' } })).code).toBe('6000');

    const multi = simClient(sim, sim.createCompany({ multicurrency: true }));
    const kes = (await multi.post('/customer', { DisplayName: 'Nairobi Buyer', CurrencyRef: { value: 'KES' } })).json.Customer;
    expect(kes.CurrencyRef).toEqual({ value: 'KES', name: 'Kenyan Shilling' });
    const inUsd = await multi.post('/invoice', { ...invoiceBody(kes.Id), CurrencyRef: { value: 'USD' } });
    expect(fault(inUsd).code).toBe('6000');
    const inKes = await multi.post('/invoice', { ...invoiceBody(kes.Id), ExchangeRate: 0.0077 });
    expect(inKes.json.Invoice).toMatchObject({ CurrencyRef: { value: 'KES' }, TotalAmt: 100, HomeTotalAmt: 0.77 });
  });

  it('reduces the invoice balance by applied payments and refuses to apply more than the open balance', async () => {
    const c = await customer();
    const invoice = (await qbo.post('/invoice', invoiceBody(c))).json.Invoice;
    const link = (amount: number) => ({ Amount: amount, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] });
    const paid = await qbo.post('/payment', { CustomerRef: { value: c }, TotalAmt: 70, Line: [link(60)], PaymentMethodRef: { value: id('PaymentMethod', 'M-Pesa') } });
    expect(paid.json.Payment).toMatchObject({ TotalAmt: 70, UnappliedAmt: 10, DepositToAccountRef: { name: 'Undeposited Funds' } });
    const after = (await qbo.get(`/invoice/${invoice.Id}`)).json.Invoice;
    expect(after).toMatchObject({ Balance: 40, SyncToken: '1', LinkedTxn: [{ TxnId: paid.json.Payment.Id, TxnType: 'Payment' }] });

    const tooMuch = fault(await qbo.post('/payment', { CustomerRef: { value: c }, TotalAmt: 50, Line: [link(50)] }));
    expect(tooMuch).toMatchObject({ code: '6000', element: 'Line.Amount' });
    const overApplied = fault(await qbo.post('/payment', { CustomerRef: { value: c }, TotalAmt: 10, Line: [link(20)] }));
    expect(overApplied.code).toBe('6000');

    const other = await customer('Someone Else');
    expect(fault(await qbo.post('/payment', { CustomerRef: { value: other }, TotalAmt: 10, Line: [link(10)] })).code).toBe('620');

    await qbo.post('/payment?operation=delete', { Id: paid.json.Payment.Id, SyncToken: paid.json.Payment.SyncToken });
    expect((await qbo.get(`/invoice/${invoice.Id}`)).json.Invoice.Balance).toBe(100);
  });

  it('keeps the payment links and balance of a paid invoice through a full update that omits them', async () => {
    const c = await customer();
    const invoice = (await qbo.post('/invoice', invoiceBody(c))).json.Invoice;
    await qbo.post('/payment', { CustomerRef: { value: c }, TotalAmt: 30, Line: [{ Amount: 30, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }] });
    const paid = (await qbo.get(`/invoice/${invoice.Id}`)).json.Invoice;
    const updated = await qbo.post('/invoice', { ...invoiceBody(c), Id: paid.Id, SyncToken: paid.SyncToken, PrivateNote: 'edited' });
    expect(updated.json.Invoice).toMatchObject({ SyncToken: '2', Balance: 70, PrivateNote: 'edited', LinkedTxn: [{ TxnType: 'Payment' }] });
  });

  it('refuses items on AR/AP accounts with 6430 and categories in transactions with 2500', async () => {
    const ar = id('Account', 'Accounts Receivable (A/R)');
    expect(fault(await qbo.post('/item', { Name: 'Bad', Type: 'Service', IncomeAccountRef: { value: ar } })).code).toBe('6430');
    const category = (await qbo.post('/item', { Name: 'Hardware', Type: 'Category' })).json.Item;
    const f = fault(await qbo.post('/invoice', invoiceBody(await customer(), {}, { SalesItemLineDetail: { ItemRef: { value: category.Id } } })));
    expect(f).toMatchObject({ code: '2500', Detail: 'Invalid Reference Id : Categories cannot be used in transactions.' });
  });

  it('requires the inventory fields for an inventory item', async () => {
    const f = fault(
      await qbo.post('/item', {
        Name: 'Paint',
        Type: 'Inventory',
        IncomeAccountRef: { value: id('Account', 'Sales of Product Income') },
        ExpenseAccountRef: { value: id('Account', 'Cost of Goods Sold') },
        AssetAccountRef: { value: id('Account', 'Inventory Asset') },
        QtyOnHand: 10,
      }),
    );
    expect(f).toMatchObject({ code: '2020', element: 'InvStartDate' });
  });

  it('refuses creating tax codes through the entity endpoint', async () => {
    expect(fault(await qbo.post('/taxcode', { Name: 'New VAT' })).code).toBe('500');
  });

  it('treats the company credentials as belonging to one realm only', async () => {
    const other = sim.createCompany();
    const res = await simClient(sim, { realmId: other.realmId, accessToken: creds.accessToken }).get('/preferences');
    expect(res.status).toBe(403);
    expect(res.json.fault.error[0].code).toBe('3100');
  });
});
