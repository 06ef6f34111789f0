import { describe, expect, it } from 'vitest';
import { createReadCache } from '../../web/read-cache.ts';

/** A load whose answers the test releases one by one, counting the calls. */
function loader() {
  const waiting: Array<(v: number) => void> = [];
  let calls = 0;
  return {
    load: () => {
      calls += 1;
      return new Promise<number>((resolve) => waiting.push(resolve));
    },
    release(v: number) {
      waiting.shift()!(v);
    },
    get calls() {
      return calls;
    },
    get waiting() {
      return waiting.length;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('read cache', () => {
  it('computes every time when turned off', async () => {
    const cache = createReadCache({ maxAgeMs: 0 });
    let n = 0;
    expect((await cache.get('k', async () => ++n)).value).toBe(1);
    expect((await cache.get('k', async () => ++n)).value).toBe(2);
  });

  it('shares one computation between concurrent callers and serves it while fresh', async () => {
    let t = 1_000;
    const cache = createReadCache({ maxAgeMs: 5_000, now: () => t });
    const l = loader();
    const a = cache.get('k', l.load);
    const b = cache.get('k', l.load);
    await tick();
    expect(l.calls).toBe(1);
    l.release(7);
    expect((await a).value).toBe(7);
    expect((await b).value).toBe(7);
    t += 4_999;
    const c = await cache.get('k', l.load);
    expect(c.value).toBe(7);
    expect(c.asOf.getTime()).toBe(1_000);
    expect(l.calls).toBe(1);
  });

  it('serves a stale answer at once while one fresh computation runs, then the fresh one', async () => {
    let t = 0;
    const cache = createReadCache({ maxAgeMs: 5_000, now: () => t });
    const l = loader();
    const first = cache.get('k', l.load);
    await tick();
    l.release(1);
    await first;
    t = 6_000;
    expect((await cache.get('k', l.load)).value).toBe(1);
    expect((await cache.get('k', l.load)).value).toBe(1);
    expect(l.calls).toBe(2);
    l.release(2);
    await tick();
    const fresh = await cache.get('k', l.load);
    expect(fresh.value).toBe(2);
    expect(fresh.asOf.getTime()).toBe(6_000);
  });

  it('never serves an answer older than maxStaleMs: the caller waits for a fresh one', async () => {
    let t = 0;
    const cache = createReadCache({ maxAgeMs: 1_000, maxStaleMs: 3_000, now: () => t });
    const l = loader();
    const first = cache.get('k', l.load);
    await tick();
    l.release(1);
    await first;
    t = 3_000;
    let settled = false;
    const late = cache.get('k', l.load).then((r) => {
      settled = true;
      return r;
    });
    await tick();
    expect(settled).toBe(false);
    l.release(2);
    expect((await late).value).toBe(2);
  });

  it('after invalidate() the next caller waits for a fresh answer, and an answer begun before it is not kept', async () => {
    const t = 0;
    const cache = createReadCache({ maxAgeMs: 60_000, now: () => t });
    const l = loader();
    const before = cache.get('k', l.load);
    await tick();
    cache.invalidate();
    const after = cache.get('k', l.load);
    await tick();
    expect(l.calls).toBe(2);
    l.release(1);
    l.release(2);
    expect((await before).value).toBe(1);
    expect((await after).value).toBe(2);
    expect((await cache.get('k', l.load)).value).toBe(2);
    expect(l.calls).toBe(2);
  });

  it('a failed computation is not kept: its callers get the error, the next caller computes again', async () => {
    const cache = createReadCache({ maxAgeMs: 60_000 });
    await expect(cache.get('k', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect((await cache.get('k', async () => 3)).value).toBe(3);
  });

  it('a failed background refresh keeps the stale answer and reports the error', async () => {
    let t = 0;
    const errors: string[] = [];
    const cache = createReadCache({ maxAgeMs: 1_000, now: () => t, onError: (key) => errors.push(key) });
    await cache.get('k', async () => 1);
    t = 2_000;
    expect((await cache.get('k', () => Promise.reject(new Error('timeout')))).value).toBe(1);
    await tick();
    expect(errors).toEqual(['k']);
    expect((await cache.get('k', async () => 5)).value).toBe(1);
    await tick();
    expect((await cache.get('k', async () => 6)).value).toBe(5); // the refresh that began at t = 2,000 is fresh
  });

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    let n = 0;
    const cache = createReadCache({ maxAgeMs: 60_000, maxEntries: 2 });
    await cache.get('a', async () => ++n);
    await cache.get('b', async () => ++n);
    await cache.get('c', async () => ++n);
    expect((await cache.get('b', async () => ++n)).value).toBe(2);
    expect((await cache.get('a', async () => ++n)).value).toBe(4);
  });

  it('caches a key by its own ages even when the cache is off, and never serves it stale when told so', async () => {
    let t = 0;
    let n = 0;
    const cache = createReadCache({ maxAgeMs: 0, now: () => t });
    const ages = { maxAgeMs: 5_000, maxStaleMs: 5_000 };
    expect((await cache.get('metrics', async () => ++n, ages)).value).toBe(1);
    t = 4_999;
    expect((await cache.get('metrics', async () => ++n, ages)).value).toBe(1);
    expect((await cache.get('page', async () => ++n)).value).toBe(2); // the cache's own ages: off
    t = 5_000;
    expect((await cache.get('metrics', async () => ++n, ages)).value).toBe(3); // waited for, not served stale
    cache.invalidate();
    expect((await cache.get('metrics', async () => ++n, ages)).value).toBe(4);
  });
});
