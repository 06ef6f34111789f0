/**
 * The QBO client against the local QBO simulator over real sockets: envelopes, SyncToken, requestid replay after a
 * lost response, throttling under a burst, and what transport failures look like to the classifier.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyQboResponse } from '../../qbo/classify.ts';
import { createQboClient, entityFrom, queryRows, type QboCallContext, type QboClient } from '../../qbo/client.ts';
import { createRealmLimiter } from '../../qbo/rate-limit.ts';
import { startSimulator, type StartedSimulator } from '../../simulator/index.ts';
import type { QboNameListEntity } from '../../qbo/types.ts';

const quietLogger = { info: () => {}, warn: () => {} };

async function postJson(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function ledger(base: string, q: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${base}/_sim/ledger?${new URLSearchParams(q).toString()}`);
  return ((await res.json()) as { entities: Array<Record<string, unknown>> }).entities;
}

let seq = 0;
const uid = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

describe('QBO client against the simulator', () => {
  let started: StartedSimulator;
  let client: QboClient;
  let ctx: QboCallContext;

  beforeAll(async () => {
    started = await startSimulator({ port: 0, options: { logger: quietLogger } });
    const company = started.sim.createCompany({ homeCurrency: 'USD' });
    ctx = { realmId: company.realmId, accessToken: company.accessToken };
    client = createQboClient({ baseUrl: started.url, limiter: createRealmLimiter(), timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await started?.close();
  });

  it('creates, reads and sparse-updates a vendor, and a stale SyncToken comes back as 5010', async () => {
    const name = uid('Acme Supplies');
    const created = await client.create(ctx, 'Vendor', { DisplayName: name }, { requestId: uid('c') });
    expect(created).toMatchObject({ status: 200, ok: true, requestSent: true });
    expect(created.intuitTid).toMatch(/^1-/);
    const vendor = entityFrom<QboNameListEntity>(created, 'Vendor')!;
    expect(vendor).toMatchObject({ DisplayName: name, SyncToken: '0' });
    expect(typeof vendor.Id).toBe('string');

    const read = await client.read(ctx, 'Vendor', vendor.Id);
    expect(entityFrom(read, 'Vendor')).toMatchObject({ Id: vendor.Id, DisplayName: name, SyncToken: '0' });

    const updated = await client.sparseUpdate(
      ctx,
      'Vendor',
      { Id: vendor.Id, SyncToken: vendor.SyncToken, CompanyName: 'Acme Supplies Ltd' },
      { requestId: uid('u') },
    );
    expect(updated.ok).toBe(true);
    expect(entityFrom(updated, 'Vendor')).toMatchObject({ Id: vendor.Id, SyncToken: '1', CompanyName: 'Acme Supplies Ltd', DisplayName: name });

    const stale = await client.sparseUpdate(
      ctx,
      'Vendor',
      { Id: vendor.Id, SyncToken: vendor.SyncToken, CompanyName: 'Lost update' },
      { requestId: uid('u') },
    );
    expect(stale).toMatchObject({ status: 400, ok: false });
    expect(classifyQboResponse(stale)).toMatchObject({ code: '5010', hint: 'reread_sync_token' });

    const found = await client.query(ctx, `select * from Vendor where DisplayName = '${name}'`);
    expect(queryRows(found, 'Vendor').map((v) => v.Id)).toEqual([vendor.Id]);
  });

  it('replays a create whose response was lost when retried with the same requestid: one vendor, same Id', async () => {
    const name = uid('Lost Response Vendor');
    const requestId = uid('rid');
    await postJson(`${started.url}/_sim/faults`, { realmId: ctx.realmId, kind: 'drop_after_commit', path: '/vendor', count: 1 });

    const first = await client.create(ctx, 'Vendor', { DisplayName: name }, { requestId });
    expect(first).toMatchObject({ status: 0, ok: false, requestSent: true });
    expect(first.transportError).toBeTruthy();
    expect(classifyQboResponse(first).class).toBe('outcome_uncertain');

    const retry = await client.create(ctx, 'Vendor', { DisplayName: name }, { requestId });
    // A replay, not a second create (which would have been refused as a duplicate name).
    expect(retry).toMatchObject({ status: 200, ok: true });
    const vendor = entityFrom(retry, 'Vendor')!;

    const rows = await ledger(started.url, { realmId: ctx.realmId, entity: 'Vendor', displayName: name });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Id).toBe(vendor.Id);
    expect(started.sim.stats(ctx.realmId).replays).toBeGreaterThanOrEqual(1);
  });

  it('sends no entity when the connection drops before the write: requestSent stays true, nothing in the ledger', async () => {
    const name = uid('Dropped Early');
    await postJson(`${started.url}/_sim/faults`, { realmId: ctx.realmId, kind: 'drop_before_commit', path: '/vendor', count: 1 });
    const resp = await client.create(ctx, 'Vendor', { DisplayName: name }, { requestId: uid('rid') });
    // From the client's side a reset is a reset: it cannot know the write never happened.
    expect(resp).toMatchObject({ status: 0, requestSent: true });
    expect(await ledger(started.url, { realmId: ctx.realmId, entity: 'Vendor', displayName: name })).toHaveLength(0);
  });

  it('times out a request the server holds, as requestSent true', async () => {
    await postJson(`${started.url}/_sim/faults`, { realmId: ctx.realmId, kind: 'timeout', path: '/vendor', latencyMs: 10_000, count: 1 });
    const quick = createQboClient({ baseUrl: started.url, timeoutMs: 150 });
    const resp = await quick.create(ctx, 'Vendor', { DisplayName: uid('Slow') }, { requestId: uid('rid') });
    expect(resp).toMatchObject({ status: 0, ok: false, requestSent: true });
    expect(resp.transportError).toMatch(/^TIMEOUT/);
    expect(classifyQboResponse(resp).class).toBe('outcome_uncertain');
  });

  it('reports a refused connection as requestSent false', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const resp = await createQboClient({ baseUrl: `http://127.0.0.1:${port}` }).read(ctx, 'Vendor', '1');
    expect(resp).toMatchObject({ status: 0, ok: false, requestSent: false });
    expect(resp.transportError).toMatch(/^ECONNREFUSED/);
    expect(classifyQboResponse(resp)).toMatchObject({ class: 'transient', retryable: true });
  });

  it('returns the gateway 401 for an expired token without refreshing or retrying', async () => {
    const company = started.sim.createCompany({ homeCurrency: 'USD' });
    const own = { realmId: company.realmId, accessToken: company.accessToken };
    await postJson(`${started.url}/_sim/faults`, { realmId: own.realmId, kind: 'token_expired', count: 1 });
    const before = started.sim.stats(own.realmId).requests;
    const resp = await client.companyInfo(own);
    expect(resp).toMatchObject({ status: 401, ok: false });
    expect(started.sim.stats(own.realmId).requests - before).toBe(1);
    expect(classifyQboResponse(resp)).toMatchObject({ class: 'authorization', hint: 'refresh_token' });
  });

  it('reads company info and preferences', async () => {
    const info = await client.companyInfo(ctx);
    expect(entityFrom(info, 'CompanyInfo')).toMatchObject({ Id: expect.any(String) });
    const prefs = await client.preferences(ctx);
    expect(prefs.ok).toBe(true);
    expect(entityFrom(prefs, 'Preferences')).toBeDefined();
  });

  it('runs a batch whose items succeed or fail on their own inside one 200', async () => {
    const name = uid('Batch Vendor');
    const resp = await client.batch(
      ctx,
      [
        { bId: 'b1', operation: 'create', Vendor: { DisplayName: name } },
        { bId: 'b2', operation: 'create', Vendor: { DisplayName: name } },
        { bId: 'q1', Query: `select * from Vendor where DisplayName = '${name}'` },
      ],
      { requestId: uid('b').slice(0, 36) },
    );
    expect(resp).toMatchObject({ status: 200, ok: true });
    const items = (resp.body as { BatchItemResponse: Array<Record<string, unknown>> }).BatchItemResponse;
    expect(items.map((i) => i.bId)).toEqual(['b1', 'b2', 'q1']);
    expect(items[0]!.Vendor).toBeDefined();
    expect(items[1]!.Fault).toBeDefined();
  });
});

describe('throttling under a burst', () => {
  /**
   * A shared virtual clock: the limiter's sleeps move it forward at once, and the simulator's rolling minute reads
   * the same clock, so a burst that needs two real minutes finishes in about a second.
   */
  function virtualClock(start: number) {
    let t = start;
    return {
      now: () => t,
      sleep: async (ms: number) => {
        const target = t + ms;
        await new Promise((r) => setImmediate(r));
        if (t < target) t = target;
      },
    };
  }

  it('keeps a 1,000-request burst on one realm free of 429s at 10 concurrent / 500 per minute / 40 batches per minute', async () => {
    const clock = virtualClock(Date.UTC(2026, 2, 2, 9));
    const started = await startSimulator({
      port: 0,
      options: { logger: quietLogger, clock: clock.now, concurrencyLimit: 10, perMinuteLimit: 500, batchPerMinuteLimit: 40 },
    });
    try {
      const company = started.sim.createCompany({ homeCurrency: 'USD' });
      const ctx = { realmId: company.realmId, accessToken: company.accessToken };
      // A little real latency per request so requests overlap at the server and concurrency is actually tested.
      started.sim.injectFault({ realmId: ctx.realmId, kind: 'latency', latencyMs: 3 });
      const limiter = createRealmLimiter({ concurrency: 10, perMinute: 500, batchPerMinute: 40, now: clock.now, sleep: clock.sleep });
      const client = createQboClient({ baseUrl: started.url, limiter, timeoutMs: 30_000 });
      const t0 = clock.now();

      const calls = Array.from({ length: 1_000 }, (_, i) =>
        i % 10 === 0
          ? client.batch(ctx, [{ bId: 'q', Query: 'select * from Vendor maxresults 1' }], { requestId: `burst-${i}` })
          : client.companyInfo(ctx),
      );
      const responses = await Promise.all(calls);

      const statuses = new Map<number, number>();
      for (const r of responses) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect(Object.fromEntries(statuses)).toEqual({ 200: 1_000 });
      const stats = started.sim.stats(ctx.realmId);
      expect(stats.throttled).toBe(0);
      expect(stats.peakConcurrency).toBeLessThanOrEqual(10);
      expect(stats.peakConcurrency).toBeGreaterThan(1);
      // 1,000 requests at 500 per minute cannot all fit in one window: the limiter really waited (virtually).
      expect(clock.now() - t0).toBeGreaterThanOrEqual(60_000);
    } finally {
      await started.close();
    }
  });

  it('would have been throttled without the limiter (the simulator enforces the same limits)', async () => {
    const started = await startSimulator({ port: 0, options: { logger: quietLogger, concurrencyLimit: 10, perMinuteLimit: 500 } });
    try {
      const company = started.sim.createCompany({ homeCurrency: 'USD' });
      const ctx = { realmId: company.realmId, accessToken: company.accessToken };
      started.sim.injectFault({ realmId: ctx.realmId, kind: 'latency', latencyMs: 50 });
      const bare = createQboClient({ baseUrl: started.url });
      const responses = await Promise.all(Array.from({ length: 60 }, () => bare.companyInfo(ctx)));
      const throttled = responses.filter((r) => r.status === 429);
      expect(throttled.length).toBeGreaterThan(0);
      expect(typeof throttled[0]!.body).toBe('string'); // QBO's throttle fault is XML
      expect(classifyQboResponse(throttled[0]!).class).toBe('throttled');
    } finally {
      await started.close();
    }
  });
});
