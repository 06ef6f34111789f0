import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevApiKey, generateApiKey, hashApiKey, TOUCH_EVERY_MS } from '../../db/queries/api-keys.ts';
import { apiKeys, auditEvents } from '../../db/schema.ts';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, signIn, type ConsoleClient } from '../support/console.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { apiAs, keyFor } from '../support/principals.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

const suffix = randomBytes(3).toString('hex');
const T1 = `keys-${suffix}`;
const T2 = `keys-${suffix}-b`;
const KEY_FORMAT = /^qsh_[A-Za-z0-9_-]{32}$/;

let h: Harness;
let t1: ConnectedTenant;
/** A record of T2, which T1's keys must not see. */
let otherRecord: string;
/** A blocked record of T1 for the actions. */
let blockedRecord: string;

const keyCount = async () => (await h.db.db.select({ id: apiKeys.id }).from(apiKeys)).length;
const rowOf = async (id: number) => (await h.db.db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]!;
const path = (workflowId: string) => `/api/v1/records/${encodeURIComponent(workflowId)}`;

beforeAll(async () => {
  h = await createHarness();
  t1 = await connectedTenant(h, T1);
  expect((await h.api('POST', '/api/v1/tenants', { tenantId: T2, name: 'Bravo Ltd', homeCurrency: 'KES' })).status).toBe(201);
  otherRecord = await submit(h, awra.vendor(T2, 'ven-b', 'Bravo Supplies'));
  blockedRecord = await submit(h, awra.bill(T1, 'bill-keys', 'BILL-KEYS-1', 'ven-x', { total: 999 }));
  await waitFor(h, blockedRecord, 'blocked');
});
afterAll(async () => {
  await h?.close();
});

describe('API keys through the JSON API', () => {
  it('creates a key shown once, lists it without its secret, and revokes it idempotently with an audit trail', async () => {
    const created = await h.app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '  AWRA ERP production  ', role: 'awra', tenantId: T1 }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const body = (await created.json()) as { id: number; key: string; prefix: string; name: string; role: string; tenantId: string };
    expect(body).toEqual({ id: expect.any(Number), key: expect.stringMatching(KEY_FORMAT), prefix: body.key.slice(0, 12), name: 'AWRA ERP production', role: 'awra', tenantId: T1 });
    expect((await apiAs(h, body.key)('GET', path(blockedRecord))).status).toBe(200);

    const list = await h.api('GET', '/api/v1/api-keys');
    expect(list.status).toBe(200);
    const listed = list.json.apiKeys.find((k: { id: number }) => k.id === body.id);
    expect(listed).toEqual({
      id: body.id, name: 'AWRA ERP production', prefix: body.prefix, role: 'awra', tenantId: T1, createdBy: 'api-key:test-admin', dev: false,
      createdAt: expect.any(String), lastUsedAt: expect.any(String), revokedAt: null,
    });
    const text = JSON.stringify(list.json);
    expect(text).not.toContain(body.key);
    expect(text).not.toContain(hashApiKey(body.key));

    expect((await h.api('DELETE', `/api/v1/api-keys/${body.id}`)).status).toBe(204);
    expect((await h.api('DELETE', `/api/v1/api-keys/${body.id}`)).status).toBe(204);
    expect((await apiAs(h, body.key)('GET', path(blockedRecord))).status).toBe(401);
    expect((await h.api('GET', '/api/v1/api-keys')).json.apiKeys.find((k: { id: number }) => k.id === body.id).revokedAt).toEqual(expect.any(String));

    const audit = await h.db.db.select().from(auditEvents).where(inArray(auditEvents.action, ['apikey.create', 'apikey.revoke']));
    const mine = audit.filter((a) => (a.detail as { id?: number } | null)?.id === body.id);
    expect(mine.map((a) => [a.action, a.actor, a.target, a.tenantId])).toEqual([
      ['apikey.create', 'api-key:test-admin', body.prefix, T1],
      ['apikey.revoke', 'api-key:test-admin', body.prefix, T1],
    ]);
    expect(JSON.stringify(audit)).not.toContain(body.key);
  });

  it('refuses bad input with 400 or 404 and stores nothing', async () => {
    const before = await keyCount();
    const bad: Array<[unknown, number, string]> = [
      [{ name: 'x', role: 'root' }, 400, 'role'],
      [{ name: '', role: 'awra', tenantId: T1 }, 400, 'name'],
      [{ name: 'x'.repeat(101), role: 'awra', tenantId: T1 }, 400, 'name'],
      [{ name: 'bad\u0000name', role: 'awra', tenantId: T1 }, 400, 'name'],
      [{ name: 'bad\ud800', role: 'awra', tenantId: T1 }, 400, 'name'],
      [{ name: 42, role: 'awra', tenantId: T1 }, 400, 'name'],
      [{ name: 'x', role: 'awra', tenantId: T1, keyHash: 'mine' }, 400, '(body)'],
      [{ name: 'x', role: 'awra', tenantId: '' }, 400, 'tenantId'],
      [{ role: 'awra' }, 400, 'name'],
      [[], 400, '(body)'],
      [null, 400, '(body)'],
    ];
    for (const [body, status, field] of bad) {
      const res = await h.api('POST', '/api/v1/api-keys', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json.error.code, JSON.stringify(body)).toBe('invalid_api_key');
      expect(Object.keys(res.json.error.fields), JSON.stringify(body)).toContain(field);
    }
    const unknown = await h.api('POST', '/api/v1/api-keys', { name: 'x', role: 'awra', tenantId: 'no-such-tenant' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('No tenant "no-such-tenant".');
    expect((await h.api('POST', '/api/v1/api-keys', '{"name": "x",')).json.error.code).toBe('invalid_json');
    expect((await h.api('POST', '/api/v1/api-keys', 'name=x', { 'content-type': 'text/plain' })).status).toBe(415);
    for (const id of ['0', '-1', 'abc', '1e3', '1.5', '99999999999999999999', '%20', 'constructor', '123456789012345']) {
      const res = await h.api('DELETE', `/api/v1/api-keys/${id}`);
      expect(res.status, id).toBe(404);
    }
    expect(await keyCount()).toBe(before);
  });

  it("lets a tenant-scoped admin manage only its tenant's keys", async () => {
    const scoped = apiAs(h, (await keyFor(h, 'admin', T1)).key);
    const everyTenant = await keyFor(h, 'finance', null);
    const otherTenant = await keyFor(h, 'awra', T2);
    const made = await scoped('POST', '/api/v1/api-keys', { name: 'ERP of T1', role: 'awra', tenantId: T1 });
    expect(made.status).toBe(201);
    expect((await scoped('POST', '/api/v1/api-keys', { name: 'everything', role: 'admin' })).status).toBe(403);
    expect((await scoped('POST', '/api/v1/api-keys', { name: 'theirs', role: 'awra', tenantId: T2 })).status).toBe(404);
    const list = await scoped('GET', '/api/v1/api-keys');
    expect(list.json.apiKeys.length).toBeGreaterThan(0);
    expect(list.json.apiKeys.every((k: { tenantId: string }) => k.tenantId === T1)).toBe(true);
    expect((await scoped('DELETE', `/api/v1/api-keys/${everyTenant.apiKey.id}`)).status).toBe(404);
    expect((await scoped('DELETE', `/api/v1/api-keys/${otherTenant.apiKey.id}`)).status).toBe(404);
    expect((await rowOf(everyTenant.apiKey.id)).revokedAt).toBeNull();
    expect((await scoped('DELETE', `/api/v1/api-keys/${made.json.id}`)).status).toBe(204);
  });
});

describe('what a key may do', () => {
  it("lets an AWRA key submit and read its tenant's records, and refuses everything else", async () => {
    const erp = apiAs(h, (await keyFor(h, 'awra', T1)).key);
    const submitted = await erp('POST', '/api/v1/records', awra.vendor(T1, 'ven-awra', 'Awra Direct Ltd'));
    expect(submitted.status).toBe(202);
    expect((await erp('GET', path(submitted.json.workflowId))).status).toBe(200);
    const batch = await erp('POST', '/api/v1/records:batch', { records: [awra.vendor(T1, 'ven-awra-2', 'Awra Batch Ltd'), awra.vendor(T2, 'ven-awra-3', 'Not Mine Ltd')] });
    expect(batch.json.results.map((r: { ok: boolean; error?: { code: string } }) => r.ok || r.error?.code)).toEqual([true, 'forbidden']);

    const forbidden: Array<[string, string, unknown?]> = [
      ['GET', `/api/v1/queue?tenantId=${T1}`],
      ['GET', '/api/v1/queue'],
      ['GET', `/api/v1/mappings/health?tenantId=${T1}`],
      ['GET', `/api/v1/mappings/${T1}`],
      ['PUT', `/api/v1/mappings/${T1}/account/4000`, { qboId: '1' }],
      ['GET', `/api/v1/connections/${T1}`],
      ['GET', `/api/v1/close-readiness?tenantId=${T1}`],
      ['GET', '/api/v1/tenants'],
      ['POST', `${path(blockedRecord)}/actions/assign`, { assignee: 'erp' }],
      ['POST', `${path(blockedRecord)}/actions/cancel`, { reason: 'erp' }],
      ['GET', '/api/v1/api-keys'],
      ['POST', '/api/v1/api-keys', { name: 'more', role: 'awra', tenantId: T1 }],
    ];
    for (const [method, url, body] of forbidden) {
      const res = await erp(method, url, body);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.json.error.code).toBe('forbidden');
    }
    const theirs = await erp('POST', '/api/v1/records', awra.vendor(T2, 'ven-not-mine', 'Not Mine Ltd'));
    expect(theirs.status).toBe(403);
    expect((await erp('GET', path(otherRecord))).status).toBe(404);
    expect((await h.api('GET', path(otherRecord))).status).toBe(200);
  });

  it('lets a finance key link and assign, but not retry or escalate', async () => {
    const finance = apiAs(h, (await keyFor(h, 'finance', T1)).key);
    const manual = await fetch(`${h.sim.url}/v3/company/${t1.realmId}/vendor?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.accessToken(T1)}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ DisplayName: 'Kericho Tea Traders' }),
    });
    const existing = ((await manual.json()) as { Vendor: { Id: string } }).Vendor;
    const id = await submit(h, awra.vendor(T1, 'ven-dup', 'Kericho Tea Traders'));
    expect(await waitFor(h, id, 'blocked')).toMatchObject({ failureClass: 'duplicate_risk' });

    const retry = await finance('POST', `${path(id)}/actions/retry`, {});
    expect(retry.status).toBe(403);
    expect(retry.json.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('Only the admin role may retry a record') });
    const escalate = await finance('POST', `${path(id)}/actions/escalate`, { to: 'cfo', note: 'please' });
    expect(escalate.status).toBe(403);
    expect((await finance('POST', `${path(id)}/actions/frobnicate`, {})).status).toBe(404);

    expect((await finance('POST', `${path(id)}/actions/assign`, { assignee: 'fatuma' })).status).toBe(200);
    expect((await finance('POST', `${path(id)}/actions/link`, { qboId: existing.Id })).status).toBe(200);
    expect((await waitFor(h, id, 'linked')).externalRef.qboId).toBe(existing.Id);
    // The refusals changed nothing and were not audited as actions.
    const audited = await h.db.db.select().from(auditEvents).where(eq(auditEvents.target, id));
    expect(audited.map((a) => a.action).sort()).toEqual(['sync.assign', 'sync.link']);
  });

  it('refuses a revoked key with 401', async () => {
    const { key, apiKey } = await keyFor(h, 'admin', null);
    expect((await apiAs(h, key)('GET', '/api/v1/tenants')).status).toBe(200);
    expect((await h.api('DELETE', `/api/v1/api-keys/${apiKey.id}`)).status).toBe(204);
    const res = await apiAs(h, key)('GET', '/api/v1/tenants');
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthenticated');
    expect((await apiAs(h, `${key}x`)('GET', '/api/v1/tenants')).status).toBe(401);
  });

  it('records when a key was last used, rewriting it at most every few minutes', async () => {
    const { key, apiKey } = await keyFor(h, 'finance', T1);
    expect(apiKey.lastUsedAt).toBeNull();
    await apiAs(h, key)('GET', '/api/v1/tenants');
    const first = (await rowOf(apiKey.id)).lastUsedAt!;
    expect(Date.now() - first.getTime()).toBeLessThan(60_000);
    await apiAs(h, key)('GET', '/api/v1/tenants');
    expect((await rowOf(apiKey.id)).lastUsedAt).toEqual(first);
    const old = new Date(Date.now() - TOUCH_EVERY_MS - 60_000);
    await h.db.db.update(apiKeys).set({ lastUsedAt: old }).where(eq(apiKeys.id, apiKey.id));
    await apiAs(h, key)('GET', '/api/v1/tenants');
    expect((await rowOf(apiKey.id)).lastUsedAt!.getTime()).toBeGreaterThan(old.getTime() + TOUCH_EVERY_MS);
  });
});

describe('the development key', () => {
  it('registers it as an admin key and revokes the previous one when it changes', async () => {
    const a = generateApiKey();
    const b = generateApiKey();
    const bystander = await keyFor(h, 'admin', null, 'not a dev key');
    const first = await ensureDevApiKey(h.db.db, a);
    expect(first).toMatchObject({ status: 'ok', created: true, apiKey: { name: 'development', role: 'admin', tenantId: null, dev: true, prefix: a.slice(0, 12) } });
    expect(await ensureDevApiKey(h.db.db, a)).toMatchObject({ status: 'ok', created: false, revoked: [] });
    expect((await apiAs(h, a)('GET', '/api/v1/api-keys')).status).toBe(200);

    const second = await ensureDevApiKey(h.db.db, b);
    expect(second).toMatchObject({ status: 'ok', created: true, revoked: [expect.objectContaining({ prefix: a.slice(0, 12) })] });
    expect((await apiAs(h, a)('GET', '/api/v1/tenants')).status).toBe(401);
    expect((await apiAs(h, b)('GET', '/api/v1/tenants')).status).toBe(200);
    expect((await apiAs(h, bystander.key)('GET', '/api/v1/tenants')).status).toBe(200);
    expect((await apiAs(h, h.apiKey)('GET', '/api/v1/tenants')).status).toBe(200);
    // A revoked key stays revoked: going back to it is refused, and the current one keeps working.
    expect(await ensureDevApiKey(h.db.db, a)).toMatchObject({ status: 'revoked' });
    expect((await apiAs(h, b)('GET', '/api/v1/tenants')).status).toBe(200);
  });
});

describe('the API keys page of the console', () => {
  let admin: ConsoleClient;
  let finance: ConsoleClient;
  let scopedAdmin: ConsoleClient;

  beforeAll(async () => {
    admin = await signIn(h.app, await createConsoleUser(h, 'admin', { email: `ada-${suffix}@awra.example` }));
    finance = await signIn(h.app, await createConsoleUser(h, 'finance', { email: `fatuma-${suffix}@awra.example` }));
    scopedAdmin = await signIn(h.app, await createConsoleUser(h, 'admin', { email: `tenant-admin-${suffix}@awra.example`, tenantId: T1 }));
  });

  it('is for admins: linked in their navigation, refused to finance', async () => {
    expect(await (await admin.get('/')).text()).toContain('href="/api-keys"');
    expect(await (await finance.get('/')).text()).not.toContain('href="/api-keys"');
    const page = await admin.get('/api-keys');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>API keys</h1>');
    expect((await finance.get('/api-keys')).status).toBe(403);
    expect((await finance.post('/api-keys', { name: 'sneaky', role: 'admin', tenantId: '' })).status).toBe(403);
  });

  it('creates a key and shows it once, and answers an invalid form with 422 and its errors', async () => {
    const before = await keyCount();
    const invalid = await admin.post('/api-keys', { name: '', role: 'superuser', tenantId: T1 }, { hx: true });
    expect(invalid.status).toBe(422);
    const form = await invalid.text();
    expect(form).toContain('Give the key a name');
    expect(form).toContain('Choose a role');
    const unknownTenant = await admin.post('/api-keys', { name: 'x', role: 'awra', tenantId: 'nope' }, { hx: true });
    expect(unknownTenant.status).toBe(422);
    expect(await unknownTenant.text()).toContain('No tenant &quot;nope&quot;.');
    expect(await keyCount()).toBe(before);

    const created = await admin.post('/api-keys', { name: 'Warehouse scanner', role: 'awra', tenantId: T1 }, { hx: true });
    expect(created.status).toBe(201);
    const html = await created.text();
    expect(html).toContain('it is not shown again');
    const key = /value="(qsh_[A-Za-z0-9_-]{32})"/.exec(html)?.[1];
    expect(key).toMatch(KEY_FORMAT);
    expect((await apiAs(h, key!)('GET', path(blockedRecord))).status).toBe(200);
    const again = await (await admin.get('/api-keys')).text();
    expect(again).toContain(key!.slice(0, 12));
    expect(again).not.toContain(key!);
    const [row] = await h.db.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key!)));
    expect(row).toMatchObject({ name: 'Warehouse scanner', role: 'awra', tenantId: T1, createdBy: `user:ada-${suffix}@awra.example` });
  });

  it("keeps a tenant's admin to that tenant's keys", async () => {
    const page = await (await scopedAdmin.get('/api-keys')).text();
    expect(page).not.toContain('Every tenant');
    const everyTenant = await keyFor(h, 'awra', null);
    expect(page).not.toContain(everyTenant.apiKey.prefix!);
    expect((await scopedAdmin.post('/api-keys', { name: 'x', role: 'admin', tenantId: '' })).status).toBe(403);
    expect((await scopedAdmin.post('/api-keys', { name: 'x', role: 'awra', tenantId: T2 })).status).toBe(404);
    expect((await scopedAdmin.post(`/api-keys/${everyTenant.apiKey.id}/revoke`)).status).toBe(404);
    expect((await rowOf(everyTenant.apiKey.id)).revokedAt).toBeNull();
  });

  it('revokes a key after a confirmation, with htmx and without, and only with the CSRF token', async () => {
    const one = await keyFor(h, 'awra', T1, 'old scanner');
    const page = await (await admin.get('/api-keys')).text();
    expect(page).toContain(`hx-post="/api-keys/${one.apiKey.id}/revoke"`);
    expect(page).toMatch(new RegExp(`hx-confirm="Revoke the key old scanner \\(${one.apiKey.prefix}\\)`));

    expect((await admin.post(`/api-keys/${one.apiKey.id}/revoke`, {}, { csrf: null })).status).toBe(403);
    expect((await rowOf(one.apiKey.id)).revokedAt).toBeNull();

    const revoked = await admin.post(`/api-keys/${one.apiKey.id}/revoke`, {}, { hx: true });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toContain(`Key “old scanner” (${one.apiKey.prefix}) is revoked.`);
    expect((await apiAs(h, one.key)('GET', path(blockedRecord))).status).toBe(401);

    const two = await keyFor(h, 'awra', T1, 'older scanner');
    const plain = await admin.post(`/api-keys/${two.apiKey.id}/revoke`);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe(`/api-keys?revoked=${two.apiKey.id}`);
    expect(await (await admin.get(plain.headers.get('location')!)).text()).toContain(`Key “older scanner” (${two.apiKey.prefix}) is revoked.`);
    for (const id of ['0', 'abc', '99999999999999', 'constructor']) expect((await admin.post(`/api-keys/${id}/revoke`)).status, id).toBe(404);
  });
});
