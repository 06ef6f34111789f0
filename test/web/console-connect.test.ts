import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieValue, createConsoleUser, signIn, type ConsoleClient } from '../support/console.ts';
import { createHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let admin: ConsoleClient;
let finance: ConsoleClient;

beforeAll(async () => {
  h = await createHarness();
  expect((await h.api('POST', '/api/v1/tenants', { tenantId: 'mvua', name: 'Mvua Traders Ltd', homeCurrency: 'KES' })).status).toBe(201);
  admin = await signIn(h.app, await createConsoleUser(h, 'admin', { email: 'amani@mvua.example' }));
  finance = await signIn(h.app, await createConsoleUser(h, 'finance', { email: 'faith@mvua.example' }));
});
afterAll(async () => {
  await h?.close();
});

describe('Connect QuickBooks from the console', () => {
  it('lets an admin connect a tenant through the OAuth flow and shows it healthy afterwards', async () => {
    const start = await admin.post('/connections/mvua/connect');
    expect(start.status).toBe(303);
    const nonce = cookieValue(start, 'qsh_oauth');
    expect(nonce).toBeTruthy();
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    const done = await h.app.request(`/connections/callback${back.search}`, { headers: { cookie: `${admin.cookie}; qsh_oauth=${nonce}` } });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/connections?connected=mvua');
    const page = await admin.get('/connections?connected=mvua');
    expect(await page.text()).toContain(back.searchParams.get('realmId')!);
    expect((await h.api('GET', '/api/v1/connections/mvua')).json.status).toBe('healthy');
  });

  it('refuses the OAuth start to a finance user and without the CSRF token', async () => {
    expect((await finance.post('/connections/mvua/connect')).status).toBe(403);
    expect((await admin.post('/connections/mvua/connect', {}, { csrf: null })).status).toBe(403);
  });
});
