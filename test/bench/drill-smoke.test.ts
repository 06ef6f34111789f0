import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { syncs } from '../../db/schema.ts';
import { awra } from '../fixtures/awra.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * A small provider storm (the smoke version of `npm run drill:provider-storm`): 30 bills while QuickBooks answers 30 %
 * of requests with 5xx, loses 10 % of write answers after committing them, throttles for a moment and expires the
 * access token. Whatever the timing, every bill must end synced or correctly blocked, and QuickBooks must hold no
 * bill twice. No durations are asserted.
 */
const API = '/v3/company/';
const SETTLED = ['synced', 'blocked'];

let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => {
  h = await createHarness({ retry: { initialIntervalMs: 100, maximumIntervalMs: 1_000, maximumAttempts: 10 } });
  t = await connectedTenant(h, 'storm');
  await waitFor(h, await submit(h, awra.vendor('storm', 'ven-1', 'Storm Supplies Ltd')), 'synced');
});
afterAll(async () => {
  await h?.close();
});

describe('provider storm (drill smoke test)', () => {
  it('ends with every bill synced or blocked and no bill twice in QuickBooks', async () => {
    const sim = h.sim.sim;
    sim.injectFault({ realmId: t.realmId, path: API, kind: 'http5xx', status: 503, ratio: 0.3 });
    sim.injectFault({ realmId: t.realmId, path: API, method: 'POST', kind: 'drop_after_commit', ratio: 0.1 / 0.7 });
    const burst = sim.injectFault({ realmId: t.realmId, path: API, kind: 'throttle', count: 5 });

    const ids: string[] = [];
    for (let i = 1; i <= 30; i++) {
      ids.push(await submit(h, awra.bill('storm', `bill-${i}`, `STORM-${String(i).padStart(4, '0')}`, 'ven-1')));
      if (i === 15) sim.expireAccessTokens(t.realmId);
    }

    const rows = await eventually(
      async () => {
        const r = await h.db.db.select().from(syncs).where(and(eq(syncs.tenantId, 'storm'), inArray(syncs.workflowId, ids)));
        return r.length === ids.length && r.every((x) => SETTLED.includes(x.state)) ? r : undefined;
      },
      'every bill to be synced or blocked',
      240_000,
    );
    sim.removeFault(burst.id);
    sim.clearFaults(t.realmId);

    // Blocked only for reasons the storm can cause, owned by someone who can act.
    for (const r of rows.filter((x) => x.state === 'blocked')) {
      expect(['transient', 'outcome_uncertain', 'throttled', 'duplicate_risk']).toContain(r.failureClass);
      expect(r.owner).toBeTruthy();
    }
    // QuickBooks holds each bill at most once, and each synced bill is the entity the projection points at.
    const bills = sim.ledger({ realmId: t.realmId, entity: 'Bill' });
    const byDoc = new Map<string, string[]>();
    for (const b of bills) byDoc.set(String(b.DocNumber), [...(byDoc.get(String(b.DocNumber)) ?? []), String(b.Id)]);
    expect([...byDoc.entries()].filter(([, v]) => v.length > 1)).toEqual([]);
    for (const r of rows.filter((x) => x.state === 'synced')) {
      expect(byDoc.get(r.number)).toEqual([r.externalRef?.qboId]);
    }
  }, 300_000);
});
