import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, signIn, type ConsoleClient } from '../support/console.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * The web app with its read cache on (as `npm start` runs it): the action queue and the overview are computed once
 * and reused, say when they were computed, and any change made through the web app makes the next page fresh.
 */
let h: Harness;
let t: ConnectedTenant;
let admin: ConsoleClient;

beforeAll(async () => {
  // Long enough that nothing expires during the test: what changes the answers here is only invalidation.
  h = await createHarness({ readModelMaxAgeMs: 10 * 60_000 });
  t = await connectedTenant(h, 'cache');
  admin = await signIn(h.app, await createConsoleUser(h, 'admin'));
  await waitFor(h, await submit(h, awra.vendor('cache', 'ven-1', 'Coast Hardware Ltd')), 'synced');
});
afterAll(async () => {
  await h?.close();
});

describe('read cache in the web app', () => {
  it('reuses the action queue until a change made through the web app, then shows the change', async () => {
    const po1 = await submit(h, awra.purchaseOrder('cache', 'po-1', 'PO-2026-0301', 'ven-1', 'itm-new'));
    await waitFor(h, po1, 'blocked');
    const first = await h.api('GET', '/api/v1/queue?tenantId=cache');
    expect(first.status).toBe(200);
    expect(first.json.totalRecords).toBe(1);
    expect(Date.parse(first.json.asOf)).toBeLessThanOrEqual(Date.now());

    // A second record blocks in the worker; intake does not refresh the figures, so the cached answer stands.
    const po2 = await submit(h, awra.purchaseOrder('cache', 'po-2', 'PO-2026-0302', 'ven-1', 'itm-new'));
    await waitFor(h, po2, 'blocked');
    const cached = await h.api('GET', '/api/v1/queue?tenantId=cache');
    expect(cached.json).toMatchObject({ totalRecords: 1, asOf: first.json.asOf });
    // The console's page is another question (its own page size), computed now, and says when.
    const page = await (await admin.get('/queue?tenantId=cache')).text();
    expect(page).toContain('2 blocked records');
    expect(page).toContain('As of');

    // The admin sets the mapping through the API: the next page is computed afresh.
    const put = await h.api('PUT', `/api/v1/mappings/cache/item/itm-new`, { qboId: t.qboId('Item', 'Services'), qboName: 'Services' });
    expect(put.status).toBe(200);
    expect(put.json.resumed).toBe(2);
    await Promise.all([waitFor(h, po1, 'synced'), waitFor(h, po2, 'synced')]);
    const after = await h.api('GET', '/api/v1/queue?tenantId=cache');
    expect(after.json.totalRecords).toBe(0);
    expect(Date.parse(after.json.asOf)).toBeGreaterThan(Date.parse(first.json.asOf));
  });

  it('computes the overview once for every viewer until something changes', async () => {
    const a = await (await admin.get('/?tenantId=cache')).text();
    const asOf = (html: string) => /As of <time datetime="([^"]+)"/.exec(html)?.[1];
    expect(asOf(a)).toBeDefined();
    const b = await (await admin.get('/?tenantId=cache')).text();
    expect(asOf(b)).toBe(asOf(a));
  });
});
