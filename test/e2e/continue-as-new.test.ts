import { afterAll, beforeAll, expect, it } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => {
  // A tiny history limit, so a record that is retried again and again continues as new within the test.
  h = await createHarness({ historyLimit: 40 });
  t = await connectedTenant(h, 'long');
  await waitFor(h, await submit(h, awra.vendor('long', 'ven-1', 'Eldoret Dairy Ltd')), 'synced');
});
afterAll(async () => {
  await h?.close();
});

it('continues as new before the history grows large, keeping the retry count, assignee and outcome', async () => {
  const id = await submit(h, awra.bill('long', 'bill-1', 'BILL-LONG-1', 'ven-1', { status: 'approved' }));
  await waitFor(h, id, 'blocked');
  const firstRun = (await h.env.client.workflow.getHandle(id).describe()).runId;
  await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/assign`, { assignee: 'wanjiru@long.example' });
  for (let i = 1; i <= 6; i++) {
    const res = await eventually(async () => {
      const r = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/retry`);
      return r.status === 200 ? r : undefined;
    }, `retry ${i} to be accepted`);
    expect(res.json.state).toBeDefined();
    await waitFor(h, id, 'blocked', (c) => c.retryCount === i);
  }
  const lastRun = (await h.env.client.workflow.getHandle(id).describe()).runId;
  expect(lastRun).not.toBe(firstRun);

  await submit(h, awra.bill('long', 'bill-1', 'BILL-LONG-1', 'ven-1', { version: 2 }));
  const synced = await waitFor(h, id, 'synced');
  expect(synced.retryCount).toBe(6);
  expect(synced.assignee).toBe('wanjiru@long.example');
  expect(h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill', docNumber: 'BILL-LONG-1' })).toHaveLength(1);
});
