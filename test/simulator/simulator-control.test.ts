import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/index.ts';
import { simClient, toSimResponse, type SimResponse } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };

let sim: Simulator;

beforeEach(() => {
  sim = createSimulator({ logger: quiet });
});

async function control(method: string, path: string, body?: unknown): Promise<SimResponse> {
  return toSimResponse(
    await sim.app.request(path, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    }),
  );
}

describe('QBO simulator control API', () => {
  it('creates a company with credentials and a seeded chart of accounts, tax codes and payment methods', async () => {
    const res = await control('POST', '/_sim/companies', { homeCurrency: 'KES', closingDate: '2025-12-31', companyName: 'AWRA Kenya' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      realmId: expect.stringMatching(/^\d{16}$/),
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      accessTokenExpiresAt: expect.any(String),
      refreshTokenExpiresAt: expect.any(String),
    });
    const qbo = simClient(sim, res.json);
    const accounts = (await qbo.query('select * from Account maxresults 1000')).json.QueryResponse.Account.map((a: { Name: string }) => a.Name);
    expect(accounts).toEqual(expect.arrayContaining(['Checking', 'Accounts Receivable (A/R)', 'Accounts Payable (A/P)', 'Paystack Clearing', 'M-Pesa Clearing', 'Cost of Goods Sold', 'Inventory Asset', 'VAT Payable']));
    const taxCodes = (await qbo.query('select * from TaxCode')).json.QueryResponse.TaxCode.map((t: { Name: string }) => t.Name);
    expect(taxCodes).toEqual(expect.arrayContaining(['TAX', 'NON', 'VAT 16%', 'Exempt']));
    const methods = (await qbo.query('select * from PaymentMethod')).json.QueryResponse.PaymentMethod.map((m: { Name: string }) => m.Name);
    expect(methods).toEqual(expect.arrayContaining(['Cash', 'Check', 'Credit Card', 'Bank Transfer', 'M-Pesa', 'Paystack']));
    expect((await qbo.query('select count(*) from Class')).json.QueryResponse.totalCount).toBeGreaterThanOrEqual(2);
    expect((await qbo.get('/preferences')).json.Preferences.CurrencyPrefs.HomeCurrency.value).toBe('KES');
  });

  it('validates control bodies and answers 400 with the fields at fault', async () => {
    const res = await control('POST', '/_sim/companies', { closingDate: '31/12/2025' });
    expect(res.status).toBe(400);
    expect(res.json.error.fields.closingDate).toBeDefined();
    expect((await control('POST', '/_sim/faults', { kind: 'explode' })).status).toBe(400);
  });

  it('adds, lists and clears faults, optionally per realm', async () => {
    const a = (await control('POST', '/_sim/companies')).json;
    const b = (await control('POST', '/_sim/companies')).json;
    const added = await control('POST', '/_sim/faults', { realmId: a.realmId, kind: 'http5xx', status: 502, path: 'vendor' });
    await control('POST', '/_sim/faults', { realmId: b.realmId, kind: 'latency', latencyMs: 1 });
    expect(added.json.id).toEqual(expect.any(String));
    expect((await simClient(sim, a).post('/vendor', { DisplayName: 'X' })).status).toBe(502);
    expect((await control('GET', '/_sim/faults')).json.faults).toHaveLength(2);
    expect((await control('DELETE', `/_sim/faults?realmId=${a.realmId}`)).json.cleared).toBe(1);
    expect((await simClient(sim, a).post('/vendor', { DisplayName: 'X' })).status).toBe(200);
    expect((await control('DELETE', '/_sim/faults')).json.cleared).toBe(1);
  });

  it('lists the ledger including inactive entities, filtered by entity, DocNumber and name', async () => {
    const co = (await control('POST', '/_sim/companies')).json;
    const qbo = simClient(sim, co);
    const customer = (await qbo.post('/customer', { DisplayName: 'Ledger Buyer' })).json.Customer;
    const line = [{ DetailType: 'SalesItemLineDetail', Amount: 1, SalesItemLineDetail: { ItemRef: { value: '1' } } }];
    await qbo.post('/invoice', { CustomerRef: { value: customer.Id }, DocNumber: 'L-1', Line: line, PrivateNote: 'AWRA INV-2026-0001' });
    await qbo.post('/invoice?include=allowduplicatedocnum', { CustomerRef: { value: customer.Id }, DocNumber: 'L-1', Line: line });
    const byDoc = await control('GET', `/_sim/ledger?realmId=${co.realmId}&entity=invoice&docNumber=L-1`);
    expect(byDoc.json.entities).toHaveLength(2);
    expect(byDoc.json.entities[0]._entity).toBe('Invoice');
    const byNote = await control('GET', `/_sim/ledger?realmId=${co.realmId}&privateNoteContains=INV-2026-0001`);
    expect(byNote.json.entities).toHaveLength(1);

    const deactivated = await control('POST', `/_sim/entities/customer/${customer.Id}/deactivate?realmId=${co.realmId}`);
    expect(deactivated.json.entity).toMatchObject({ Active: false, DisplayName: 'Ledger Buyer (deleted)' });
    const inactive = await control('GET', `/_sim/ledger?realmId=${co.realmId}&entity=Customer&displayName=${encodeURIComponent('Ledger Buyer (deleted)')}`);
    expect(inactive.json.entities).toHaveLength(1);
    expect((await control('GET', '/_sim/ledger?realmId=nope')).status).toBe(404);
  });

  it('changes the closing date and multicurrency preferences of a company', async () => {
    const co = (await control('POST', '/_sim/companies')).json;
    const res = await control('PUT', `/_sim/companies/${co.realmId}/preferences`, { closingDate: '2026-01-31', multicurrency: true });
    expect(res.json.Preferences.AccountingInfoPrefs.BookCloseDate).toBe('2026-01-31');
    expect(res.json.Preferences.CurrencyPrefs.MultiCurrencyEnabled).toBe(true);
    const prefs = (await simClient(sim, co).get('/preferences')).json.Preferences;
    expect(prefs.SyncToken).toBe('1');
  });

  it('reports per-realm statistics', async () => {
    const co = (await control('POST', '/_sim/companies')).json;
    await simClient(sim, co).get('/preferences');
    await simClient(sim, co).get('/preferences');
    const stats = await control('GET', `/_sim/stats?realmId=${co.realmId}`);
    expect(stats.json).toMatchObject({ realmId: co.realmId, requests: 2, throttled: 0, peakConcurrency: 1, tokenRefreshes: 0 });
  });

  it('creates a company when the default app authorizes before any company exists for it', async () => {
    sim.createCompany({ clientId: 'other-app', clientSecret: 's3cret' });
    const before = sim.companies().length;
    const res = await sim.app.request(
      '/connect/oauth2?client_id=qbo-sim-client&redirect_uri=https%3A%2F%2Fa.example.com%2Fcb&response_type=code&scope=com.intuit.quickbooks.accounting&state=1',
    );
    expect(res.status).toBe(302);
    expect(sim.companies()).toHaveLength(before + 1);
  });

  it('serves a stand-in for QBO web-app deep links showing the entity', async () => {
    const co = (await control('POST', '/_sim/companies')).json;
    const vendor = (await simClient(sim, co).post('/vendor', { DisplayName: 'Linked <Vendor>' })).json.Vendor;
    const page = await sim.app.request(`/_sim/app/vendordetail?nameId=${vendor.Id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Linked &lt;Vendor&gt;');
    expect((await sim.app.request('/_sim/app/bill?txnId=999')).status).toBe(404);
  });

  it('deletes one company with its tokens, faults and replays, keeps the others, and answers 404 for an unknown realm', async () => {
    const gone = (await control('POST', '/_sim/companies')).json;
    const kept = (await control('POST', '/_sim/companies')).json;
    await simClient(sim, gone).post('/vendor?requestid=del-1', { DisplayName: 'Gone Vendor' });
    await control('POST', '/_sim/faults', { realmId: gone.realmId, kind: 'latency', latencyMs: 1 });

    const res = await control('DELETE', `/_sim/companies/${gone.realmId}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ realmId: gone.realmId, grantsRevoked: 1 });
    expect((await control('GET', '/_sim/companies')).json.companies.map((c: { realmId: string }) => c.realmId)).toEqual([kept.realmId]);
    expect((await control('GET', '/_sim/faults')).json.faults).toEqual([]);
    expect(sim.allStats().map((s) => s.realmId)).not.toContain(gone.realmId);
    expect((await control('GET', `/_sim/ledger?realmId=${gone.realmId}`)).status).toBe(404);

    const api = await simClient(sim, gone).get('/preferences');
    expect(api.status).toBe(401);
    const refreshed = await sim.app.request('/oauth2/v1/tokens/bearer', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${gone.clientId}:${gone.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: gone.refreshToken }).toString(),
    });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });

    expect((await simClient(sim, kept).get('/preferences')).status).toBe(200);
    expect((await control('DELETE', `/_sim/companies/${gone.realmId}`)).status).toBe(404);
    expect((await control('DELETE', '/_sim/companies/9341000000000000')).json.error.message).toMatch(/unknown realm/);
  });

  it('forgets everything on reset', async () => {
    const co = (await control('POST', '/_sim/companies')).json;
    await control('POST', '/_sim/reset');
    expect((await simClient(sim, co).get('/preferences')).status).toBe(401);
    expect((await control('GET', '/_sim/companies')).json.companies).toEqual([]);
  });
});

describe('QBO simulator persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-sim-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restores companies, entities, tokens and the requestid cache from its snapshot file', async () => {
    const file = join(dir, 'state.json');
    const first = createSimulator({ logger: quiet, persistFile: file });
    const co = first.createCompany();
    const created = await simClient(first, co).post('/vendor?requestid=persist-1', { DisplayName: 'Persistent' });
    await first.close();

    const second = createSimulator({ logger: quiet, persistFile: file });
    const qbo = simClient(second, co);
    const read = await qbo.get(`/vendor/${created.json.Vendor.Id}`);
    expect(read.json.Vendor.DisplayName).toBe('Persistent');
    const replay = await qbo.post('/vendor?requestid=persist-1', { DisplayName: 'Persistent' });
    expect(replay.text).toBe(created.text);
    const next = await qbo.post('/vendor', { DisplayName: 'Second' });
    expect(Number(next.json.Vendor.Id)).toBe(Number(created.json.Vendor.Id) + 1);
  });

  it('keeps a deleted company deleted, and its tokens refused, after a restart from the snapshot', async () => {
    const file = join(dir, 'state.json');
    const first = createSimulator({ logger: quiet, persistFile: file });
    const gone = first.createCompany();
    const kept = first.createCompany();
    first.deleteCompany(gone.realmId);
    await first.close();

    const second = createSimulator({ logger: quiet, persistFile: file });
    expect(second.companies().map((c) => c.realmId)).toEqual([kept.realmId]);
    expect((await simClient(second, gone).get('/preferences')).status).toBe(401);
    expect((await simClient(second, kept).get('/preferences')).status).toBe(200);
  });
});
