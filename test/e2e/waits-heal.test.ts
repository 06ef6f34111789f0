import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertMapping } from '../../db/queries/mappings.ts';
import { awra } from '../fixtures/awra.ts';
import { createHarness, eventually, exportHistory, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * Automatic waits re-check their condition on a durable timer (WAIT_RECHECK_SECONDS, 2 s here), so a signal that
 * never came costs a delay, never a stuck record.
 */
let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => {
  h = await createHarness({ waitRecheckSeconds: 2, retry: { maximumAttempts: 2 } });
  t = await connectedTenant(h, 'heal');
  await waitFor(h, await submit(h, awra.vendor('heal', 'ven-1', 'Athi River Steel Ltd')), 'synced');
});
afterAll(async () => {
  await h?.close();
});

const kinds = (c: { events: Array<{ kind: string }> }) => c.events.map((e) => e.kind);

describe('waits that heal', () => {
  it('syncs a PO blocked on an item whose mapping appears without any signal, by re-checking on its own', async () => {
    const po = await submit(h, awra.purchaseOrder('heal', 'po-1', 'PO-HEAL-1', 'ven-1', 'itm-quiet'));
    await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    // Right after projecting the block the workflow looks once more (the dependency may have just synced); only once
    // it waits on its re-check timer is that look over, so what this test sees is the timed re-check.
    await eventually(
      async () => ((await h.env.client.workflow.getHandle(po).fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes) || undefined,
      'the PO to wait on its re-check timer',
    );
    // The mapping is written behind the product's back: nobody signals the waiting PO (a lost wake-up).
    await upsertMapping(h.db.db, { tenantId: 'heal', kind: 'item', sourceKey: 'itm-quiet', qboId: t.qboId('Item', 'Services'), qboName: 'Services', updatedBy: 'test' });
    const synced = await waitFor(h, po, 'synced', () => true, 30_000);
    expect(kinds(synced)).toEqual(expect.arrayContaining(['blocked', 'recheck', 'synced']));
    expect(synced.events.find((e: { kind: string }) => e.kind === 'recheck').message).toMatch(/^Checked again by itself after 2 s/);
    await exportHistory(h, po, 'po-mapping-healed-by-recheck');
  });

  it('keeps waiting quietly while the mapping is still missing, with nothing new in the timeline', async () => {
    const po = await submit(h, awra.purchaseOrder('heal', 'po-2', 'PO-HEAL-2', 'ven-1', 'itm-never'));
    const blocked = await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    // Re-checks at 2, 6 and 14 s find nothing: the record stays as it was, its SLA clock included.
    await new Promise((r) => setTimeout(r, 9_000));
    const later = await waitFor(h, po, 'blocked');
    expect(later.events).toEqual(blocked.events);
    expect(later.blockedSince).toBe(blocked.blockedSince);
  });

  it('tries QuickBooks again by itself after a throttling pause outlasted its retries, keeping the same block and SLA clock', async () => {
    // 429s are refused before QuickBooks does anything, so trying again cannot duplicate (a 5xx after sending would
    // be an uncertain outcome, which goes to finance as a duplicate risk instead).
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'throttle', path: '/bill', method: 'POST', count: 4 });
    const bill = await submit(h, awra.bill('heal', 'bill-1', 'BILL-HEAL-1', 'ven-1'));
    const first = await waitFor(h, bill, 'blocked', (c) => c.failureClass === 'throttled');
    const again = await waitFor(h, bill, 'blocked', (c) => kinds(c).includes('recheck'), 30_000);
    expect(again).toMatchObject({ failureClass: 'throttled', blockedSince: first.blockedSince });
    const synced = await waitFor(h, bill, 'synced', () => true, 30_000);
    expect(synced.events.filter((e: { kind: string; message: string }) => e.kind === 'recheck').map((e: { message: string }) => e.message)).toEqual([
      'Trying again by itself after waiting 2 s.',
      'Trying again by itself after waiting 4 s.',
    ]);
    expect(h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill' }).filter((b) => b.DocNumber === 'BILL-HEAL-1')).toHaveLength(1);
    await exportHistory(h, bill, 'bill-throttled-then-retried-by-itself');
  });

  it('holds a record QuickBooks refused for an inactive item (610) on that mapping, and finds it when the mapping is fixed', async () => {
    const hours = t.qboId('Item', 'Hours');
    expect((await h.api('PUT', '/api/v1/mappings/heal/item/itm-gone', { qboId: hours, qboName: 'Hours' })).status).toBe(200);
    // Made inactive in QuickBooks, and nobody told us: the cache still says active, so the push meets the refusal.
    h.sim.sim.deactivate(t.realmId, 'Item', hours);
    const po = await submit(h, awra.purchaseOrder('heal', 'po-3', 'PO-HEAL-3', 'ven-1', 'itm-gone'));
    const blocked = await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    expect(blocked.attempts.at(-1)).toMatchObject({ class: 'mapping' });
    expect(blocked.mappings.find((m: { kind: string; key: string }) => m.kind === 'item' && m.key === 'itm-gone')).toMatchObject({ ok: false, problem: 'stale' });
    expect(blocked.actionNeeded).toContain('itm-gone');

    const fixed = await h.api('PUT', '/api/v1/mappings/heal/item/itm-gone', { qboId: t.qboId('Item', 'Services'), qboName: 'Services' });
    expect(fixed.json.resumed).toBe(1);
    await waitFor(h, po, 'synced');
    await exportHistory(h, po, 'po-refused-reference-then-remapped');
  });
});
