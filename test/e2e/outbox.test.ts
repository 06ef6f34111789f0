import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { outbox } from '../../db/schema.ts';
import { drainOutbox } from '../../services/outbox.ts';
import { createApp } from '../../web/app.ts';
import { awra } from '../fixtures/awra.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor } from '../support/tenant.ts';

/**
 * What Postgres has is delivered to Temporal, whether or not Temporal answered at that moment: a second web app
 * whose Temporal client points at nothing stands for the outage; the outbox drainer, with the real client, for the
 * recovery.
 */
let h: Harness;
let down: ReturnType<typeof createApp>;
let deadTemporal: Client;

beforeAll(async () => {
  h = await createHarness();
  await connectedTenant(h, 'box');
  await waitFor(h, await submit(h, awra.vendor('box', 'ven-1', 'Embu Dairies Ltd')), 'synced');
  deadTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
  down = createApp({ ...h.deps, temporal: deadTemporal });
});
afterAll(async () => {
  await deadTemporal?.connection.close().catch(() => undefined);
  await h?.close();
});

const viaDown = async (method: string, path: string, body?: unknown) => {
  const res = await down.request(path, { method, headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as any };
};
const pending = async (tenantId: string) => (await h.db.db.select().from(outbox).where(eq(outbox.tenantId, tenantId))).filter((r) => !r.deliveredAt);
/** The drainer leaves a fresh row alone for 10 s (the request itself normally delivers it); the test does not wait. */
const drainNow = async () => {
  await h.db.db.update(outbox).set({ nextAttemptAt: new Date() });
  return drainOutbox(h.deps);
};

describe('the intake outbox', () => {
  it('accepts a record while Temporal does not answer, and syncs it once Temporal answers, without AWRA sending it again', async () => {
    const res = await viaDown('POST', '/api/v1/records', awra.bill('box', 'bill-1', 'BILL-BOX-1', 'ven-1'));
    expect(res).toMatchObject({ status: 202, json: { outcome: 'accepted', delivery: 'pending', workflowId: 'qbo-sync:box:bill:bill-1' } });
    expect((await h.api('GET', '/api/v1/records/qbo-sync:box:bill:bill-1')).json.state).toBe('queued');
    expect(await pending('box')).toEqual([expect.objectContaining({ kind: 'record_version', payload: { recordType: 'bill', sourceId: 'bill-1' } })]);
    // Close readiness counts it: stored, not started, so the month is not ready.
    const close = (await h.api('GET', '/api/v1/close-readiness?tenantId=box&period=2026-11')).json;
    expect(close).toMatchObject({ ready: false, summary: { notStarted: 1 } });
    expect(close.records.find((r: { number: string }) => r.number === 'BILL-BOX-1')).toMatchObject({ state: 'queued', owner: 'system', pendingVersion: 1 });

    // A drainer pass while Temporal is still down: the row waits, with the reason, for a later try.
    await h.db.db.update(outbox).set({ nextAttemptAt: new Date() });
    expect(await drainOutbox({ ...h.deps, temporal: deadTemporal })).toEqual({ delivered: 0, failed: 1 });
    const [waiting] = await pending('box');
    expect(waiting).toMatchObject({ attempts: 1 });
    expect(waiting!.lastError).toBeTruthy();
    expect(waiting!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());

    expect(await drainNow()).toEqual({ delivered: 1, failed: 0 });
    await waitFor(h, res.json.workflowId, 'synced');
    expect(await pending('box')).toEqual([]);
    expect((await h.api('GET', '/api/v1/close-readiness?tenantId=box&period=2026-11')).json).toMatchObject({ ready: true, summary: { notStarted: 0, behind: 0 } });
  });

  it('delivers a reconnect made while Temporal was down, and the records waiting on the connection continue', async () => {
    expect((await h.api('POST', '/api/v1/tenants', { tenantId: 'box2', name: 'Box Two Ltd', homeCurrency: 'KES' })).status).toBe(201);
    const vendor = await submit(h, awra.vendor('box2', 'ven-1', 'Nyeri Coffee Ltd'));
    await waitFor(h, vendor, 'blocked', (c) => c.failureClass === 'authorization');
    const conn = await viaDown('POST', '/api/v1/tenants/box2/simulator-connection', {});
    expect(conn).toMatchObject({ status: 201, json: { delivery: 'pending' } });
    expect(await pending('box2')).toEqual([expect.objectContaining({ kind: 'connection_restored' })]);
    expect(await drainNow()).toEqual({ delivered: 1, failed: 0 });
    await waitFor(h, vendor, 'synced');
  });

  it('saves a mapping fix made while Temporal was down, and the records waiting on it continue once it answers', async () => {
    const po = await submit(h, awra.purchaseOrder('box', 'po-1', 'PO-BOX-1', 'ven-1', 'itm-box'));
    await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    const services = (h.sim.sim.ledger({ realmId: (await h.api('GET', '/api/v1/connections/box')).json.realmId, entity: 'Item' }) as Array<{ Id: string; Name: string }>).find((i) => i.Name === 'Services')!;
    const put = await viaDown('PUT', '/api/v1/mappings/box/item/itm-box', { qboId: services.Id, qboName: 'Services' });
    expect(put).toMatchObject({ status: 200, json: { resumed: 1, delivery: 'pending' } });
    expect(await pending('box')).toEqual([expect.objectContaining({ kind: 'mapping_changed', payload: { kind: 'item', key: 'itm-box' } })]);
    expect(await drainNow()).toEqual({ delivered: 1, failed: 0 });
    await waitFor(h, po, 'synced');
  });

  it('answers at once with delivered when Temporal answers, leaving nothing owed', async () => {
    const res = await h.api('POST', '/api/v1/records', awra.bill('box', 'bill-2', 'BILL-BOX-2', 'ven-1'));
    expect(res.json).toMatchObject({ outcome: 'accepted', delivery: 'delivered' });
    expect(await pending('box')).toEqual([]);
    await waitFor(h, res.json.workflowId, 'synced');
  });
});
