import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../db/schema.ts';
import { refsScheduleId } from '../../services/schedules.ts';
import { createApp } from '../../web/app.ts';
import { refreshReferences } from '../../workflows/index.ts';
import { createHarness, eventually, WEBHOOK_VERIFIER, type Harness } from '../support/harness.ts';
import { connectedTenant, type ConnectedTenant } from '../support/tenant.ts';

// Unique per run: the Temporal dev server is shared by every test file and keeps Schedules and closed workflows.
const suffix = randomBytes(3).toString('hex');
const id = (name: string) => `hooks-${name}-${suffix}`;

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const sign = (body: Uint8Array | string) => createHmac('sha256', WEBHOOK_VERIFIER).update(body).digest('base64');
const post = (body: Uint8Array | string, signature = sign(body)) =>
  h.app.request('/webhooks/qbo', { method: 'POST', headers: { 'content-type': 'application/json', 'intuit-signature': signature }, body });
/** A legacy notification: no event id of its own. */
const legacy = (realmId: string, entityId = '1') =>
  JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name: 'Item', id: entityId, operation: 'Update', lastUpdated: new Date().toISOString() }] } }] });
/** A CloudEvents notification (reference §6.2). */
const cloudEvent = (realmId: string, eventId = randomUUID()) =>
  JSON.stringify([
    { specversion: '1.0', id: eventId, source: 'intuit.test', type: 'qbo.item.updated.v1', datacontenttype: 'application/json', time: new Date().toISOString(), intuitentityid: '1', intuitaccountid: realmId, data: {} },
  ]);

/** Connects a tenant and waits for its first full load, so later refreshes are change-data ones. */
async function connected(tenantId: string): Promise<ConnectedTenant> {
  const t = await connectedTenant(h, tenantId);
  await h.env.client.workflow.getHandle(`qbo-refs-now:${tenantId}:connect`).result();
  return t;
}
const bufferSize = (d: ScheduleDescription) => Number(d.raw.info?.bufferSize ?? 0);

describe('QuickBooks webhooks', () => {
  it('verifies the signature over the raw bytes, also when they differ from their decoded text (a BOM)', async () => {
    const t = await connected(id('bom'));
    const text = legacy(t.realmId);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    // Signed over the decoded text, the BOM is not covered: refused.
    expect((await post(bytes, sign(text))).status).toBe(401);
    const res = await post(bytes);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: true, refreshed: [t.tenantId] });
  });

  it('answers 400, not 401, to a correctly signed body that is not UTF-8, and records nothing', async () => {
    const text = legacy('9130350000000001');
    const bytes = Buffer.concat([Buffer.from(text.slice(0, -2), 'utf8'), Buffer.from([0xff]), Buffer.from(text.slice(-2), 'utf8')]);
    const res = await post(bytes);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_json' } });
    expect(await h.db.db.select().from(webhookEvents).where(eq(webhookEvents.realmIds, ['9130350000000001']))).toEqual([]);
  });

  it('acts on a delivery once: the same delivery again is a duplicate and triggers no refresh', async () => {
    const tenantId = id('dupe');
    // The tenant's Schedule starts its refreshes on a task queue no worker polls, so the first one stays running and
    // the Schedule's counters show what every trigger did.
    await h.env.client.schedule.create({
      scheduleId: refsScheduleId(tenantId),
      spec: { intervals: [{ every: '15 minutes' }] },
      action: { type: 'startWorkflow', workflowType: refreshReferences, args: [{ tenantId }], taskQueue: `${h.taskQueue}-held`, workflowId: refsScheduleId(tenantId) },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { paused: true },
    });
    try {
      const t = await connected(tenantId);
      const refs = h.env.client.schedule.getHandle(refsScheduleId(tenantId));
      const delivered = async (body: string) => expect(await (await post(body)).json()).toEqual({ accepted: true, refreshed: [tenantId] });
      const duplicate = async (body: string) => expect(await (await post(body)).json()).toEqual({ accepted: true, duplicate: true });

      const first = legacy(t.realmId);
      await delivered(first);
      await eventually(async () => ((await refs.describe()).info.runningActions.length === 1 ? true : undefined), 'the first refresh to start');
      await duplicate(first);
      const second = cloudEvent(t.realmId);
      await delivered(second);
      await eventually(async () => (bufferSize(await refs.describe()) === 1 ? true : undefined), 'the second refresh to wait');
      await duplicate(second);

      // The Schedule handles its patches in order: once it shows this note, any trigger sent before it was handled,
      // and a trigger by either duplicate would have been buffered or skipped.
      await refs.pause('barrier');
      const after = await eventually(async () => {
        const d = await refs.describe();
        return d.state.note === 'barrier' ? d : undefined;
      }, 'the Schedule to handle the patches sent before');
      expect({ taken: after.info.numActionsTaken, running: after.info.runningActions.length, waiting: bufferSize(after), skipped: after.info.numActionsSkippedOverlap }).toEqual({
        taken: 1,
        running: 1,
        waiting: 1,
        skipped: 0,
      });
    } finally {
      await h.env.client.schedule.getHandle(refsScheduleId(tenantId)).delete();
      for await (const wf of h.env.client.workflow.list({ query: `TemporalScheduledById = "${refsScheduleId(tenantId)}" AND ExecutionStatus = "Running"` })) {
        await h.env.client.workflow.getHandle(wf.workflowId, wf.runId).terminate('test over');
      }
    }
  });

  it('runs at most one refresh per tenant and queues one more, however many webhooks arrive meanwhile', async () => {
    const t = await connected(id('burst'));
    const refs = h.env.client.schedule.getHandle(refsScheduleId(t.tenantId));
    // Only webhooks trigger it during this test; a slow change-data call keeps each refresh running a while.
    await refs.pause('test: only webhooks trigger it');
    h.sim.sim.injectFault({ realmId: t.realmId, path: '/cdc', kind: 'latency', latencyMs: 2_000 });
    const notify = async (entityId: string) => expect(await (await post(legacy(t.realmId, entityId))).json()).toEqual({ accepted: true, refreshed: [t.tenantId] });

    await notify('1');
    await eventually(async () => ((await refs.describe()).info.runningActions.length === 1 ? true : undefined), 'the first refresh to start');
    // Five more changes while it runs: they must not be lost (one more refresh after it), nor start five.
    await Promise.all(['2', '3', '4', '5', '6'].map(notify));

    const runs = await eventually(
      async () => {
        const found = [];
        for await (const wf of h.env.client.workflow.list({ query: `TemporalScheduledById = "${refsScheduleId(t.tenantId)}"` })) found.push(wf);
        const d = await refs.describe();
        return found.length >= 2 && found.every((wf) => wf.status.name === 'COMPLETED') && d.info.runningActions.length === 0 && bufferSize(d) === 0 ? found : undefined;
      },
      'the running refresh and the queued one to finish',
      30_000,
    );
    expect(runs).toHaveLength(2);
    expect((await refs.describe()).info.numActionsTaken).toBe(2);
    // One after the other, never side by side.
    const [first, second] = runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    expect(second!.startTime.getTime()).toBeGreaterThanOrEqual(first!.closeTime!.getTime());
  });

  it('still refreshes a tenant whose Schedule does not exist, one refresh at a time', async () => {
    const t = await connected(id('noschedule'));
    await h.env.client.schedule.getHandle(refsScheduleId(t.tenantId)).delete();
    const res = await post(cloudEvent(t.realmId));
    expect(await res.json()).toEqual({ accepted: true, refreshed: [t.tenantId] });
    const result = await h.env.client.workflow.getHandle(`qbo-refs-now:${t.tenantId}:webhook`).result();
    expect(result).toMatchObject({ mode: 'cdc' });
  });

  it('answers 503 when Temporal does not take the refresh, and acts on the delivery when it comes again', async () => {
    const t = await connected(id('outage'));
    const deadTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'default' });
    try {
      const down = createApp({ ...h.deps, temporal: deadTemporal });
      const body = cloudEvent(t.realmId);
      const refused = await down.request('/webhooks/qbo', { method: 'POST', headers: { 'content-type': 'application/json', 'intuit-signature': sign(body) }, body });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(await (await post(body)).json()).toEqual({ accepted: true, refreshed: [t.tenantId] });
    } finally {
      await deadTemporal.connection.close().catch(() => undefined);
    }
  });

  it('refuses a CloudEvent without an id and an unsigned or wrongly signed delivery, recording nothing', async () => {
    const body = JSON.stringify([{ specversion: '1.0', type: 'qbo.item.updated.v1', intuitaccountid: '9130350000000002' }]);
    expect((await post(body)).status).toBe(400);
    expect((await post(cloudEvent('9130350000000002'), 'c2lnbmF0dXJl')).status).toBe(401);
    expect(await h.db.db.select().from(webhookEvents).where(eq(webhookEvents.realmIds, ['9130350000000002']))).toEqual([]);
  });
});
