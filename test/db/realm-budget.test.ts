import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/harness.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { createRealmBudgetStore, deleteRealmBudgetBefore } from '../../db/queries/realm-budget.ts';
import { qboRealmRequests } from '../../db/schema.ts';
import { createSharedRealmLimiter, type SharedRealmLimiter, type SharedRealmLimiterOptions } from '../../qbo/shared-rate-limit.ts';

let db: TestDb;
const made: SharedRealmLimiter[] = [];
const aborts: AbortController[] = [];

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  for (const a of aborts) a.abort(new Error('test over'));
  for (const l of made) {
    l.close();
    await l.settled();
  }
  await db?.close();
});

/** A limiter as one worker process holds it: its own queue and leases, the shared store behind. */
function processLimiter(opts: Omit<SharedRealmLimiterOptions, 'store'>): SharedRealmLimiter {
  const limiter = createSharedRealmLimiter({ store: createRealmBudgetStore(db.db), ...opts });
  made.push(limiter);
  return limiter;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
function signal(): AbortSignal {
  const a = new AbortController();
  aborts.push(a);
  return a.signal;
}

describe('one QuickBooks budget per realm across worker processes', () => {
  it('never lets two processes hold more requests in flight together than the realm allows', async () => {
    const a = processLimiter({ concurrency: 3 });
    const b = processLimiter({ concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    const call = async (n: number) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await delay(10 + (n % 4) * 10);
      inFlight--;
      return n;
    };
    const runs = Array.from({ length: 24 }, (_, n) => (n % 2 === 0 ? a : b).run('realm-slots', 'api', () => call(n)));
    expect((await Promise.all(runs)).length).toBe(24);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(0);
  });

  it('grants two processes together no more requests per window than the budget, the rest waiting', async () => {
    const a = processLimiter({ perMinute: 7 });
    const b = processLimiter({ perMinute: 7 });
    let granted = 0;
    for (let n = 0; n < 20; n++) {
      void (n % 2 === 0 ? a : b)
        .run('realm-window', 'api', async () => void granted++, { signal: signal() })
        .catch(() => undefined);
    }
    await eventually(async () => (granted >= 7 ? true : undefined), '7 grants');
    await delay(500);
    expect(granted).toBe(7);
    expect(a.snapshot('realm-window')!.queued + b.snapshot('realm-window')!.queued).toBe(13);
    const rows = await db.db.select().from(qboRealmRequests);
    expect(rows.filter((r) => r.realmId === 'realm-window')).toHaveLength(7);
  });

  it('counts /batch against its own smaller budget across processes while plain calls still pass', async () => {
    const a = processLimiter({ batchPerMinute: 2 });
    const b = processLimiter({ batchPerMinute: 2 });
    const started: string[] = [];
    for (let n = 0; n < 6; n++) {
      void (n % 2 === 0 ? a : b)
        .run('realm-batch', 'batch', async () => void started.push('batch'), { signal: signal() })
        .catch(() => undefined);
    }
    await a.run('realm-batch', 'api', async () => void started.push('api'));
    await b.run('realm-batch', 'api', async () => void started.push('api'));
    await delay(300);
    expect(started.filter((k) => k === 'batch')).toHaveLength(2);
    expect(started.filter((k) => k === 'api')).toHaveLength(2);
  });

  it('gives the slots of a process that died (stopped renewing) to another process once their lease lapses', async () => {
    const dead = processLimiter({ concurrency: 2, leaseMs: 600 });
    const alive = processLimiter({ concurrency: 2, leaseMs: 600 });
    let release = () => {};
    const hang = new Promise<void>((r) => (release = r));
    let held = 0;
    for (let n = 0; n < 2; n++) void dead.run('realm-lease', 'api', () => ((held++, hang)));
    await eventually(async () => (held === 2 ? true : undefined), 'both slots held');
    dead.close(); // as after kill -9: nobody renews its leases any more
    const answer = await alive.run('realm-lease', 'api', async () => 'ran');
    expect(answer).toBe('ran');
    release();
  });

  it('pauses every process after one of them met a 429', async () => {
    const a = processLimiter({ throttleCooldownMs: 60_000 });
    const b = processLimiter({ throttleCooldownMs: 60_000 });
    a.noteThrottled('realm-429');
    await a.settled();
    let ran = false;
    void b.run('realm-429', 'api', async () => void (ran = true), { signal: signal() }).catch(() => undefined);
    await delay(500);
    expect(ran).toBe(false);
    expect(b.snapshot('realm-429')!.cooldownUntil).toBeGreaterThan(Date.now() + 30_000);
    // Another realm is not paused.
    expect(await b.run('realm-other', 'api', async () => 'ok')).toBe('ok');
  });

  it('forgets grants and cooldowns that no longer count against any window', async () => {
    const store = createRealmBudgetStore(db.db);
    const limits = { concurrency: 10, perWindow: 500, batchPerWindow: 40, windowMs: 60_000, leaseMs: 10_000 };
    const old = Date.now() - 3_600_000;
    const finished = await store.tryAcquire({ realmId: 'realm-old', kind: 'api', holder: 'h', limits, at: old });
    await store.release(finished.id!, old + 100);
    await store.tryAcquire({ realmId: 'realm-old', kind: 'api', holder: 'dead', limits, at: old });
    await store.noteThrottled({ realmId: 'realm-old', baseMs: 1_000, maxMs: 30_000, windowMs: 60_000, at: old });
    const fresh = await store.tryAcquire({ realmId: 'realm-old', kind: 'api', holder: 'h', limits });
    expect(await deleteRealmBudgetBefore(db.db, new Date(Date.now() - 600_000))).toBe(3);
    const left = (await db.db.select().from(qboRealmRequests)).filter((r) => r.realmId === 'realm-old');
    expect(left.map((r) => r.id)).toEqual([fresh.id]);
  });
});
