/**
 * Batched pushes through the real product (issue 18): API intake, one Temporal workflow per bill, the worker with
 * its per-realm coalescer, the simulator. Bills submitted together share duplicate lookups and `/batch` writes; each
 * keeps its own workflow and evidence, and a lost batch answer never becomes a duplicate. Which bills share a request
 * is not asserted (it depends on timing), only what each bill ended with and that requests were shared.
 */
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAttempts } from '../../db/schema.ts';
import { awra } from '../fixtures/awra.ts';
import type { Harness } from '../support/harness.ts';
import { harnessWithVendor } from '../support/setups.ts';
import { submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => {
  ({ h, t } = await harnessWithVendor('batch', 'Batch Supplies Ltd'));
});
afterAll(async () => {
  await h?.close();
});

const bills = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => awra.bill('batch', `${prefix}-${i + 1}`, `${prefix.toUpperCase()}-${String(i + 1).padStart(4, '0')}`, 'ven-1'));
const billsNumbered = (doc: string) => h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill' }).filter((b) => b.DocNumber === doc);

async function submitTogether(records: ReturnType<typeof bills>) {
  const ids = await Promise.all(records.map((r) => submit(h, r)));
  const chains = await Promise.all(ids.map((id) => waitFor(h, id, 'synced', undefined, 90_000)));
  const attempts = await h.db.db.select().from(syncAttempts).where(inArray(syncAttempts.workflowId, ids));
  return { ids, chains, attempts };
}

describe('bills of one realm ready at the same time', () => {
  it('go out in shared lookups and /batch requests, each bill synced once with its own evidence', async () => {
    const records = bills('bb', 16);
    const before = h.sim.sim.stats(t.realmId).requests;
    const { chains, attempts } = await submitTogether(records);
    // One lookup and one create each, were they sent one by one.
    expect(h.sim.sim.stats(t.realmId).requests - before).toBeLessThan(2 * records.length);
    for (const [i, c] of chains.entries()) {
      expect(c.externalRef).toMatchObject({ entity: 'Bill', docNumber: records[i]!.number });
      expect(billsNumbered(records[i]!.number)).toHaveLength(1);
      expect(c.attempts[0]).toMatchObject({ class: 'accepted', httpStatus: 200 });
      expect(c.attempts[0].requestId).toMatch(/^qsh-/);
    }
    const inBatch = attempts.filter((a) => a.batchRequestId);
    expect(inBatch.length).toBeGreaterThan(1);
    for (const a of inBatch) {
      expect(a.batchRequestId!.length).toBeLessThanOrEqual(36);
      expect(a.batchItemId).toMatch(/^b\d{1,2}$/);
    }
  });

  it('survive a lost /batch answer: each bill looks itself up, adopts what QuickBooks committed, and none is created twice', async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, path: '/batch', method: 'POST', kind: 'drop_after_commit', count: 1 });
    const records = bills('lost', 12);
    const { chains, attempts } = await submitTogether(records);
    for (const [i, c] of chains.entries()) {
      expect(billsNumbered(records[i]!.number)).toHaveLength(1);
      expect(c.externalRef.qboId).toBe(String(billsNumbered(records[i]!.number)[0]!.Id));
    }
    const lost = attempts.filter((a) => a.class === 'outcome_uncertain');
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((a) => a.batchRequestId && a.batchItemId)).toBe(true);
  });
});
