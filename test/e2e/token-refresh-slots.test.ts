import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createHarness, eventually, exportHistory, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor } from '../support/tenant.ts';

/**
 * Found by drill:provider-storm: every activity slot of the worker was taken by syncs waiting for a fresh access
 * token, and the refresh they waited for was queued behind them for a slot — nothing moved again. The refresh now
 * runs in the connection workflow as a local activity, which has slots of its own.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ maxActivities: 3 });
});
afterAll(async () => {
  await h?.close();
});

describe('a token refresh while every activity slot waits for it', () => {
  it('still refreshes once and syncs everything, well before a waiting activity would give up its slot (30 s)', async () => {
    const t = await connectedTenant(h, 'slots');
    const before = h.sim.sim.stats(t.realmId).tokenRefreshes;
    // Every slot busy in a slow QuickBooks call, more syncs queued behind them; then the token expires.
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'latency', latencyMs: 1_500 });
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(h, awra.vendor('slots', `ven-${i}`, `Slot Vendor ${i}`))));
    await eventually(async () => (h.sim.sim.stats(t.realmId).inFlight >= 3 ? true : undefined), 'three calls in flight');
    h.sim.sim.expireAccessTokens(t.realmId);
    h.sim.sim.clearFaults(t.realmId);
    for (const wf of ids) await waitFor(h, wf, 'synced', () => true, 25_000);
    expect(h.sim.sim.stats(t.realmId).tokenRefreshes - before).toBe(1);
    await exportHistory(h, 'qbo-connection:slots', 'connection-refreshed-in-local-activity');
  });
});
