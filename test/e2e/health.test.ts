import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { mappings, qboConnections, qboRefs } from '../../db/schema.ts';
import { signWebhook } from '../../simulator/index.ts';
import { awra } from '../fixtures/awra.ts';
import { createHarness, eventually, WEBHOOK_VERIFIER, type Harness } from '../support/harness.ts';
import { createInQuickBooks } from '../support/qbo-by-hand.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';
import { tenantWithVendor } from '../support/setups.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const health = async (tenantId: string) => {
  const res = await h.api('GET', `/api/v1/mappings/health?tenantId=${tenantId}`);
  expect(res.status).toBe(200);
  return Object.fromEntries(res.json.kinds.map((k: { kind: string }) => [k.kind, k])) as Record<string, any>;
};
const notify = (realmId: string, entities: Array<{ name: string; id: string; operation: string }>, signature?: string) => {
  const body = JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities: entities.map((e) => ({ ...e, lastUpdated: new Date().toISOString() })) } }] });
  return h.app.request('/webhooks/qbo', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature !== '' ? { 'intuit-signature': signature ?? signWebhook(body, WEBHOOK_VERIFIER) } : {}) },
    body,
  });
};
const cachedRef = (tenantId: string, entity: string, qboId: string) =>
  h.db.db.select().from(qboRefs).where(and(eq(qboRefs.tenantId, tenantId), eq(qboRefs.entity, entity), eq(qboRefs.qboId, qboId)));

describe('mapping health', () => {
  let t: ConnectedTenant;
  beforeAll(async () => {
    t = await tenantWithVendor(h, 'maps', 'Thika Motors Ltd');
  });

  it('loads the QuickBooks lists into the reference cache when a tenant connects', async () => {
    const hours = t.qboId('Item', 'Hours');
    const [ref] = await eventually(async () => {
      const rows = await cachedRef('maps', 'Item', hours);
      return rows.length ? rows : undefined;
    }, 'the first full load of the cache');
    expect(ref).toMatchObject({ name: 'Hours', status: 'active', active: true });
  });

  it('refuses a webhook with a bad or missing signature and changes nothing', async () => {
    const bad = await notify(t.realmId, [{ name: 'Item', id: '1', operation: 'Update' }], 'c2lnbmF0dXJl');
    expect(bad.status).toBe(401);
    const missing = await notify(t.realmId, [{ name: 'Item', id: '1', operation: 'Update' }], '');
    expect(missing.status).toBe(401);
  });

  it('flags a mapping stale when its QuickBooks item is deactivated, counts the blast radius, and resumes when remapped', async () => {
    const hours = t.qboId('Item', 'Hours');
    expect((await h.api('PUT', '/api/v1/mappings/maps/item/itm-old', { qboId: hours, qboName: 'Hours' })).status).toBe(200);
    expect((await health('maps')).item.status).toBe('ready');

    // Someone makes the item inactive in QuickBooks; the signed webhook makes us refresh by change data capture.
    h.sim.sim.deactivate(t.realmId, 'Item', hours);
    expect((await notify(t.realmId, [{ name: 'Item', id: hours, operation: 'Update' }])).status).toBe(200);
    await eventually(async () => {
      const [m] = await h.db.db.select().from(mappings).where(and(eq(mappings.tenantId, 'maps'), eq(mappings.kind, 'item'), eq(mappings.sourceKey, 'itm-old')));
      return m?.status === 'stale' ? m : undefined;
    }, 'the mapping to turn stale');
    const [ref] = await cachedRef('maps', 'Item', hours);
    expect(ref).toMatchObject({ active: false, status: 'inactive' });

    // Used by a PO that is not ready yet: review, nothing held.
    const po = await submit(h, { ...awra.purchaseOrder('maps', 'po-1', 'PO-MAPS-1', 'ven-1', 'itm-old'), status: 'submitted' });
    await waitFor(h, po, 'blocked');
    let items = (await health('maps')).item;
    expect(items.status).toBe('review');
    expect(items.counts).toMatchObject({ stale: 1 });

    // Once the PO is approved it is held by the stale mapping: blocked, with the money it holds up.
    await submit(h, { ...awra.purchaseOrder('maps', 'po-1', 'PO-MAPS-1', 'ven-1', 'itm-old'), version: 2 });
    const held = await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    expect(held.mappings.find((m: { kind: string }) => m.kind === 'item')).toMatchObject({ problem: 'stale', ok: false });
    items = (await health('maps')).item;
    expect(items.status).toBe('blocked');
    expect(items.blastRadius).toEqual({ records: 1, amounts: [{ currency: 'KES', amountMinor: 500_000 }] });
    expect(items.message).toBe('Item itm-old is mapped to an unusable QuickBooks entity (QuickBooks Item "Hours (deleted)" is inactive) — blocks 1 record, KES 5,000.00.');

    const remap = await h.api('PUT', '/api/v1/mappings/maps/item/itm-old', { qboId: t.qboId('Item', 'Services'), qboName: 'Services' });
    expect(remap.json.resumed).toBe(1);
    await waitFor(h, po, 'synced');
    expect((await health('maps')).item.status).toBe('ready');
  });

  it('updates the cache from a correctly signed webhook', async () => {
    const vendor = await createInQuickBooks(h, t, 'Vendor', { DisplayName: 'Naivasha Flowers Ltd' });
    expect(await cachedRef('maps', 'Vendor', vendor.Id)).toHaveLength(0);
    const res = await notify(t.realmId, [{ name: 'Vendor', id: vendor.Id, operation: 'Create' }]);
    expect(res.status).toBe(200);
    const [row] = await eventually(async () => {
      const rows = await cachedRef('maps', 'Vendor', vendor.Id);
      return rows.length ? rows : undefined;
    }, 'the webhook to update the cache');
    expect(row!.name).toBe('Naivasha Flowers Ltd');
  });
});

describe("the product page's mapping example", () => {
  it('shows vendors ready, tax codes review, items blocked by a provider SKU conflict and payment methods ready', async () => {
    const t = await connectedTenant(h, 'page');
    const id = (r: { recordType: string; sourceId: string }) => `qbo-sync:page:${r.recordType}:${r.sourceId}`;
    for (const v of [awra.vendor('page', 'ven-1', 'Kisii Stationers Ltd'), awra.vendor('page', 'ven-2', 'Lamu Boatworks Ltd')]) await submit(h, v);
    const customer = awra.customer('page', 'cus-1', 'Nyeri Coffee Co-op');
    const svc = awra.serviceItem('page', 'itm-1', 'SVC-CONSULT', 'Consulting');
    await submit(h, customer);
    await submit(h, svc);
    for (const r of [customer, svc]) await waitFor(h, id(r), 'synced');
    await waitFor(h, id({ recordType: 'vendor', sourceId: 'ven-1' }), 'synced');
    await waitFor(h, id({ recordType: 'vendor', sourceId: 'ven-2' }), 'synced');

    // Two branch service categories AWRA uses on draft invoices have no tax code yet: review, nothing held.
    for (const [n, cat] of [['1', 'SVC-BR-NAKURU'], ['2', 'SVC-BR-KISUMU']] as const) {
      const inv = awra.invoice('page', `inv-${n}`, `INV-PAGE-${n}`, 'cus-1', 'itm-1');
      await submit(h, { ...inv, status: 'draft', data: { ...inv.data, lines: inv.data.lines.map((l) => ({ ...l, taxCategory: cat })) } });
      await waitFor(h, id(inv), 'blocked');
    }

    // An item whose name QuickBooks already has: the user chose "create anyway" and QuickBooks refused the duplicate.
    await createInQuickBooks(h, t, 'Item', { Name: 'Toner cartridge', Type: 'Service', IncomeAccountRef: { value: t.qboId('Account', 'Services') } });
    const toner = awra.serviceItem('page', 'itm-2', 'SKU-TONER-01', 'Toner cartridge');
    await submit(h, toner);
    await waitFor(h, id(toner), 'blocked', (c) => c.failureClass === 'duplicate_risk');
    expect((await h.api('POST', `/api/v1/records/${encodeURIComponent(id(toner))}/actions/create-anyway`)).status).toBe(200);
    const refused = await waitFor(h, id(toner), 'blocked', (c) => c.failureClass === 'duplicate_risk' && /QuickBooks says this already exists/.test(c.actionNeeded));
    expect(refused.attempts.at(-1).code).toBe('6240');

    // Receipts through Paystack and M-Pesa, both mapped to clearing accounts.
    const inv = awra.invoice('page', 'inv-paid', 'INV-PAGE-9', 'cus-1', 'itm-1');
    await submit(h, inv);
    await waitFor(h, id(inv), 'synced');
    await submit(h, { ...awra.payment('page', 'pay-1', 'RCPT-PAGE-1', 'cus-1', 'inv-paid', 'mpesa'), data: { ...awra.payment('page', 'pay-1', 'RCPT-PAGE-1', 'cus-1', 'inv-paid').data, amount: 250_000, appliedTo: [{ invoiceId: 'inv-paid', amount: 250_000 }] } });
    await submit(h, { ...awra.payment('page', 'pay-2', 'RCPT-PAGE-2', 'cus-1', 'inv-paid', 'paystack'), data: { ...awra.payment('page', 'pay-2', 'RCPT-PAGE-2', 'cus-1', 'inv-paid', 'paystack').data, amount: 250_000, appliedTo: [{ invoiceId: 'inv-paid', amount: 250_000 }] } });
    await waitFor(h, id({ recordType: 'payment', sourceId: 'pay-1' }), 'synced');
    await waitFor(h, id({ recordType: 'payment', sourceId: 'pay-2' }), 'synced');

    const k = await health('page');
    expect(k.vendor).toMatchObject({ status: 'ready', message: 'All 2 active vendors used by AWRA have QuickBooks references.' });
    expect(k.tax_code.status).toBe('review');
    expect(k.tax_code.message).toBe('Two tax categories used by AWRA (SVC-BR-KISUMU, SVC-BR-NAKURU) need a tax code mapping; no record is held yet.');
    expect(k.item.status).toBe('blocked');
    expect(k.item.message).toContain('Duplicate SKU conflict returned by QuickBooks for SKU-TONER-01');
    expect(k.payment_method).toMatchObject({ status: 'ready', message: 'M-Pesa and Paystack receipts mapped to clearing accounts.' });
  });
});

describe('authorization health', () => {
  it('refreshes exactly once for 50 concurrent syncs that meet an expired access token, with no invalid_grant', async () => {
    const t = await connectedTenant(h, 'burst');
    const before = h.sim.sim.stats(t.realmId).tokenRefreshes;
    h.sim.sim.expireAccessTokens(t.realmId);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(h, awra.vendor('burst', `ven-${i}`, `Burst Vendor ${i}`))));
    for (const wf of ids) await waitFor(h, wf, 'synced', () => true, 90_000);
    expect(h.sim.sim.stats(t.realmId).tokenRefreshes - before).toBe(1);
    const conn = await h.api('GET', '/api/v1/connections/burst');
    expect(conn.json.status).toBe('healthy');
    expect(conn.json.lastError).toBeNull();
    const [row] = await h.db.db.select().from(qboConnections).where(eq(qboConnections.tenantId, 'burst'));
    // Encrypted at rest: never the token QuickBooks handed out.
    expect(row!.accessToken).toMatch(/^v2:/);
    expect(row!.accessToken).not.toContain(await h.accessToken('burst'));
  });

  it('pauses a realm whose refresh token was revoked and resumes its records after reconnecting through OAuth', async () => {
    const t = await connectedTenant(h, 'reauth');
    h.sim.sim.revokeRefreshTokens(t.realmId, true);
    const ids = await Promise.all(['a', 'b', 'c'].map((s) => submit(h, awra.vendor('reauth', `ven-${s}`, `Reauth Vendor ${s}`))));
    for (const wf of ids) await waitFor(h, wf, 'blocked', (c) => c.failureClass === 'authorization' && c.owner === 'admin');
    expect((await h.api('GET', '/api/v1/connections/reauth')).json.status).toBe('needs_reauth');

    // An admin reconnects: authorize (state bound to this client by a cookie), QuickBooks redirects back with a code.
    const start = await h.app.request('/api/v1/connections/reauth/authorize', { method: 'POST', headers: { authorization: `Bearer ${h.apiKey}` } });
    expect(start.status).toBe(200);
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('realmId')).toBe(t.realmId);

    const forged = await h.app.request(`/connections/callback${back.search}`, { headers: { cookie: 'qsh_oauth=someone-else' } });
    expect(forged.status).toBe(403);
    const done = await h.app.request(`/connections/callback${back.search}`, { headers: { cookie } });
    expect(done.status).toBe(302);
    const replay = await h.app.request(`/connections/callback${back.search}`, { headers: { cookie } });
    expect(replay.status).toBe(403);

    for (const wf of ids) await waitFor(h, wf, 'synced');
    expect((await h.api('GET', '/api/v1/connections/reauth')).json.status).toBe('healthy');
  });
});
