import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/index.ts';
import { simClient } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };
const THROTTLE_XML = /<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429<\/Message>/;

describe('QBO simulator throttling', () => {
  it('answers the 11th concurrent request of a realm with 429 and the XML fault even though JSON was asked for', async () => {
    const sim = createSimulator({ logger: quiet });
    const qbo = simClient(sim, sim.createCompany());
    // Holds the first ten in flight; all eleven are started in the same tick, so they arrive in order.
    sim.injectFault({ kind: 'latency', latencyMs: 50, count: 10 });
    const results = await Promise.all(Array.from({ length: 11 }, () => qbo.get('/preferences')));
    expect(results.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(200));
    const eleventh = results[10]!;
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers.get('content-type')).toContain('application/xml');
    expect(eleventh.text).toMatch(THROTTLE_XML);
    expect(sim.stats(qbo.realmId)).toMatchObject({ peakConcurrency: 10, throttled: 1, inFlight: 0 });
  });

  it('counts concurrency per realm, so another company is not throttled', async () => {
    const sim = createSimulator({ logger: quiet, concurrencyLimit: 1 });
    const a = simClient(sim, sim.createCompany());
    const b = simClient(sim, sim.createCompany());
    sim.injectFault({ kind: 'latency', latencyMs: 30, count: 1, realmId: a.realmId });
    const [first, second] = await Promise.all([a.get('/preferences'), b.get('/preferences')]);
    expect([first.status, second.status]).toEqual([200, 200]);
  });

  it('answers the 501st request within a rolling minute with 429 and accepts requests again a minute later', async () => {
    let now = Date.parse('2026-03-02T17:00:00Z');
    const sim = createSimulator({ logger: quiet, clock: () => now });
    const qbo = simClient(sim, sim.createCompany());
    for (let i = 0; i < 500; i++) {
      const res = await qbo.get('/preferences');
      if (res.status !== 200) throw new Error(`request ${i + 1} answered ${res.status}`);
      now += 100;
    }
    const over = await qbo.get('/preferences');
    expect(over.status).toBe(429);
    expect(over.text).toMatch(THROTTLE_XML);
    now += 10_001;
    expect((await qbo.get('/preferences')).status).toBe(200);
  });

  it('keeps a separate per-minute budget for the batch endpoint', async () => {
    const sim = createSimulator({ logger: quiet, batchPerMinuteLimit: 2, clock: () => Date.parse('2026-03-02T17:00:00Z') });
    const qbo = simClient(sim, sim.createCompany());
    const batch = { BatchItemRequest: [{ bId: '1', Query: 'select * from Vendor' }] };
    expect((await qbo.post('/batch', batch)).status).toBe(200);
    expect((await qbo.post('/batch', batch)).status).toBe(200);
    expect((await qbo.post('/batch', batch)).status).toBe(429);
    expect((await qbo.get('/preferences')).status).toBe(200);
  });

  it('answers an injected throttle fault with the same XML 429', async () => {
    const sim = createSimulator({ logger: quiet });
    const qbo = simClient(sim, sim.createCompany());
    sim.injectFault({ kind: 'throttle', path: 'query', count: 1 });
    const res = await qbo.query('select * from Vendor');
    expect(res.status).toBe(429);
    expect(res.text).toMatch(THROTTLE_XML);
    expect((await qbo.query('select * from Vendor')).status).toBe(200);
  });

  it('applies a ratio fault to the share of requests the random source selects', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8];
    const sim = createSimulator({ logger: quiet, random: () => draws.shift() ?? 1 });
    const qbo = simClient(sim, sim.createCompany());
    sim.injectFault({ kind: 'http5xx', status: 503, ratio: 0.5 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await qbo.get('/preferences')).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
  });
});
