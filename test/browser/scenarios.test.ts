import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { qboRefs, tenants } from '../../db/schema.ts';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, type TestUser } from '../support/console.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * The two product-page scenarios walked in a real browser (Debian's Chromium through playwright-core) against the
 * real stack: the web app served over HTTP, a worker, the Temporal dev server, Postgres and the QuickBooks simulator.
 */

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let h: Harness;
let t: ConnectedTenant;
let server: ServerType;
let base: string;
let browser: Browser;
let adminUser: TestUser;
let financeUser: TestUser;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await createHarness();
  t = await connectedTenant(h, 'savanna');
  await h.db.db.update(tenants).set({ name: 'Savanna Supplies Ltd' }).where(eq(tenants.id, 'savanna'));
  adminUser = await createConsoleUser(h, 'admin', { email: 'ada@savanna.example', name: 'Ada Wanjiru' });
  financeUser = await createConsoleUser(h, 'finance', { email: 'fatuma@savanna.example', name: 'Fatuma Odhiambo' });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  await waitFor(h, await submit(h, awra.vendor('savanna', 'ven-1', 'Coast Hardware Ltd')), 'synced');
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Anything the CSP blocks, or any script error, shows up here and fails the last test.
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
  return { context, page };
}

async function signInAs(page: Page, user: TestUser, path: string, shot?: string) {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/login\?next=/);
  if (shot) await page.screenshot({ path: new URL(shot, SHOTS).pathname });
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}${path}`);
}

const shot = (page: Page, name: string) => page.screenshot({ path: new URL(name, SHOTS).pathname });

/** Reloads until the text appears: the record's workflow moves on its own time. */
async function reloadUntil(page: Page, text: string) {
  await eventually(async () => {
    await page.reload();
    return (await page.getByText(text, { exact: false }).count()) > 0 ? true : undefined;
  }, `"${text}" on ${page.url()}`, 45_000);
}

describe('mapping gap: a purchase order is approved but its QuickBooks item mapping is missing', () => {
  it('lets an admin find the group in the queue, set the mapping by searching QuickBooks, and the PO syncs by itself', async () => {
    const poId = await submit(h, awra.purchaseOrder('savanna', 'po-42', 'PO-2026-0042', 'ven-1', 'itm-legacy'));
    await waitFor(h, poId, 'blocked');
    const services = t.qboId('Item', 'Services');
    await eventually(async () => {
      const rows = await h.db.db.select().from(qboRefs).where(and(eq(qboRefs.tenantId, 'savanna'), eq(qboRefs.entity, 'Item'), eq(qboRefs.qboId, services)));
      return rows.length ? rows : undefined;
    }, 'the QuickBooks reference cache');

    const { context, page } = await newPage();
    await signInAs(page, adminUser, '/queue', 'login.png');
    const headline = 'Item itm-legacy has no QuickBooks mapping — blocks 1 purchase order, KES 5,000.00';
    await expect.poll(() => page.getByRole('heading', { name: headline }).count()).toBe(1);
    await shot(page, 'queue.png');

    await page.getByRole('link', { name: 'PO-2026-0042' }).click();
    await page.waitForURL(/\/records\//);
    await expect.poll(() => page.locator('#record .badge', { hasText: 'Blocked' }).count()).toBeGreaterThan(0);
    expect(await page.getByText('Item itm-legacy is not mapped to QuickBooks', { exact: false }).count()).toBeGreaterThan(0);
    await shot(page, 'record-po-blocked.png');

    await page.goto(`${base}/queue`);
    await page.getByText('Set the QuickBooks mapping for itm-legacy').click();
    await page.getByPlaceholder('Name or QuickBooks id').fill('Servi');
    await page.getByRole('button', { name: 'Use “Services”' }).click();
    await expect.poll(() => page.getByText('now maps to QuickBooks item “Services”', { exact: false }).count()).toBe(1);
    expect(await page.getByText('1 waiting record is being told to continue.').count()).toBe(1);

    await page.goto(`${base}/records/${encodeURIComponent(poId)}`);
    await reloadUntil(page, 'In QuickBooks as PurchaseOrder');
    expect(await page.locator('#record .badge', { hasText: 'Synced' }).count()).toBeGreaterThan(0);
    await shot(page, 'record-po-synced.png');

    await page.goto(`${base}/queue`);
    expect(await page.getByText('Nothing is blocked', { exact: false }).count()).toBe(1);

    await page.goto(`${base}/mappings?tenantId=savanna&kind=item`);
    const row = page.locator('tr', { hasText: 'itm-legacy' });
    expect(await row.getByText('Services').count()).toBeGreaterThan(0);
    expect(await row.getByText('Mapped').count()).toBe(1);
    await shot(page, 'mappings.png');
    await context.close();
  });
});

describe('duplicate warning: a finance user would recreate a failed record by hand in QuickBooks', () => {
  it('shows finance the prior attempt, the provider response and the QuickBooks candidate, and links instead of creating', async () => {
    // Someone creates the vendor by hand in QuickBooks while AWRA's push of it is on its way (held long enough that a
    // loaded CI machine still gets the hand-made one in first, yet answered within the client's 5 s timeout).
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'latency', latencyMs: 3500, path: '/vendor', method: 'POST', count: 1 });
    const id = await submit(h, awra.vendor('savanna', 'ven-dup', 'Rift Valley Timber Ltd'));
    await waitFor(h, id, 'syncing');
    const manual = await fetch(`${h.sim.url}/v3/company/${t.realmId}/vendor?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.accessToken('savanna')}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ DisplayName: 'Rift Valley Timber Ltd' }),
    });
    const existing = ((await manual.json()) as { Vendor: { Id: string } }).Vendor;
    await waitFor(h, id, 'blocked', (c) => c.failureClass === 'duplicate_risk' && c.duplicateCandidates.length > 0);

    const { context, page } = await newPage();
    await signInAs(page, financeUser, '/queue');
    expect(await page.getByText('May already exist in QuickBooks', { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: /Retry all/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'VEN-ven-dup' }).click();
    await page.waitForURL(/\/records\//);

    const attempts = page.locator('section', { has: page.getByRole('heading', { name: /QuickBooks responses/ }) });
    expect(await attempts.getByText('6240').count()).toBeGreaterThan(0);
    expect(await attempts.getByText('Duplicate Name Exists', { exact: false }).count()).toBeGreaterThan(0);
    const candidates = page.locator('section', { has: page.getByRole('heading', { name: 'Possible duplicates in QuickBooks' }) });
    expect(await candidates.getByText('Rift Valley Timber Ltd', { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.locator('#action-retry').count()).toBe(0);
    await shot(page, 'record-duplicate.png');

    await candidates.getByRole('button', { name: `Link to Vendor ${existing.Id}` }).click();
    await expect.poll(() => page.getByText('Linking to QuickBooks entity', { exact: false }).count()).toBe(1);
    // The record region polls itself until the workflow reports the link.
    await expect.poll(() => page.getByText('Linked to an existing QuickBooks entity', { exact: false }).count(), { timeout: 45_000 }).toBe(1);
    await shot(page, 'record-duplicate-linked.png');

    expect(h.sim.sim.ledger({ realmId: t.realmId, entity: 'Vendor', displayName: 'Rift Valley Timber Ltd' })).toHaveLength(1);
    const chain = await h.api('GET', `/api/v1/records/${encodeURIComponent(id)}`);
    expect(chain.json).toMatchObject({ state: 'linked', externalRef: { qboId: existing.Id } });
    await context.close();
  });

  it('refuses finance the admin actions: no buttons, and a hand-made request is answered 403', async () => {
    const { context, page } = await newPage();
    await signInAs(page, financeUser, '/mappings?tenantId=savanna&kind=item');
    expect(await page.getByText('Set mapping', { exact: true }).count()).toBe(0);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const bulk = await page.request.post(`${base}/queue/retry`, { form: { group: 'x', _csrf: csrf } });
    expect(bulk.status()).toBe(403);
    const map = await page.request.post(`${base}/mappings/set`, { form: { tenantId: 'savanna', kind: 'item', key: 'itm-x', qboId: '1', context: 'row', _csrf: csrf } });
    expect(map.status()).toBe(403);
    const connect = await page.request.post(`${base}/connections/savanna/connect`, { form: { _csrf: csrf } });
    expect(connect.status()).toBe(403);
    await context.close();
  });
});

describe('the rest of the console', () => {
  it('shows the overview, connections, close readiness and the audit log to an admin, with nothing blocked by the CSP', async () => {
    // Something for close and the queue to talk about: a bill whose lines do not add up.
    await waitFor(h, await submit(h, awra.bill('savanna', 'bill-sum', 'BILL-2026-0200', 'ven-1', { total: 999 })), 'blocked');
    const { context, page } = await newPage();
    await signInAs(page, adminUser, '/');
    expect(await page.getByRole('heading', { name: 'Authorization' }).count()).toBe(1);
    expect(await page.locator('svg.trend-chart').count()).toBe(1);
    await shot(page, 'overview.png');

    await page.getByRole('link', { name: 'Connections' }).first().click();
    await page.waitForURL(`${base}/connections`);
    expect(await page.getByRole('button', { name: 'Reconnect QuickBooks' }).count()).toBe(1);
    await shot(page, 'connections.png');

    await page.goto(`${base}/close?tenantId=savanna&period=2026-11`);
    expect(await page.getByText('What still needs whom').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'BILL-2026-0200' }).count()).toBe(1);
    await shot(page, 'close.png');

    await page.goto(`${base}/audit`);
    await page.getByLabel('Action').selectOption('sync.link');
    await expect.poll(() => page.locator('#audit-results tbody tr').count()).toBe(1);
    expect(page.url()).toContain('action=sync.link');
    await page.getByLabel('Action').selectOption('');
    await expect.poll(() => page.locator('#audit-results tbody tr').count()).toBeGreaterThan(3);
    await shot(page, 'audit.png');
    await context.close();

    expect(problems).toEqual([]);
  });
});
