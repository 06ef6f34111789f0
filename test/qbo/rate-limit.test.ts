import { describe, expect, it } from 'vitest';
import { createRealmLimiter, type RealmLimiterOptions } from '../../qbo/rate-limit.ts';

/** A manual clock: time moves only in `advance`, firing due sleeps in order. */
function fakeClock() {
  let t = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: t + ms, resolve })),
    async advance(ms: number) {
      const target = t + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > target) break;
        timers.shift();
        t = next.at;
        next.resolve();
        await settle();
      }
      t = target;
      await settle();
    },
    settle,
  };
}

/** A task the test finishes by hand, recording when it started. */
function deferredTasks(clock: { now: () => number }) {
  const started: Array<{ name: string; at: number }> = [];
  const finishers = new Map<string, () => void>();
  const task = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push({ name, at: clock.now() });
      finishers.set(name, () => resolve(name));
    });
  const finish = (...names: string[]) => {
    for (const n of names) {
      const f = finishers.get(n);
      if (!f) throw new Error(`${n} has not started`);
      f();
    }
  };
  return { started, task, finish, names: () => started.map((s) => s.name) };
}

function setup(opts: Omit<RealmLimiterOptions, 'now' | 'sleep'>) {
  const clock = fakeClock();
  const limiter = createRealmLimiter({ ...opts, now: clock.now, sleep: clock.sleep });
  const tasks = deferredTasks(clock);
  return { clock, limiter, ...tasks };
}

describe('createRealmLimiter', () => {
  it('keeps at most `concurrency` requests of a realm in flight and starts waiters in FIFO order', async () => {
    const { clock, limiter, task, finish, names } = setup({ concurrency: 2 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((n) => limiter.run('r1', 'api', task(n)));
    await clock.settle();
    expect(names()).toEqual(['a', 'b']);
    expect(limiter.snapshot('r1')).toMatchObject({ active: 2, queued: 3 });

    finish('b');
    await clock.settle();
    expect(names()).toEqual(['a', 'b', 'c']);
    finish('a', 'c');
    await clock.settle();
    expect(names()).toEqual(['a', 'b', 'c', 'd', 'e']);
    finish('d', 'e');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('holds the rest of a burst until requests leave the rolling minute instead of failing them', async () => {
    const { clock, limiter } = setup({ concurrency: 10, perMinute: 5 });
    const runs = Array.from({ length: 12 }, (_, i) => limiter.run('r1', 'api', async () => i));
    await clock.settle();
    expect(await Promise.all(runs.slice(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.snapshot('r1')).toMatchObject({ queued: 7, inWindow: 5 });

    await clock.advance(59_999);
    expect(limiter.snapshot('r1')).toMatchObject({ queued: 7 });
    await clock.advance(1);
    expect(await Promise.all(runs.slice(5, 10))).toEqual([5, 6, 7, 8, 9]);
    expect(limiter.snapshot('r1')).toMatchObject({ queued: 2 });

    await clock.advance(60_000);
    expect(await Promise.all(runs)).toHaveLength(12);
  });

  it('charges a request to the window until a minute after it finished, since QBO counts it on arrival', async () => {
    const { clock, limiter, task, finish, names } = setup({ perMinute: 1 });
    void limiter.run('r1', 'api', task('slow'));
    void limiter.run('r1', 'api', task('next'));
    await clock.advance(10_000);
    finish('slow');
    await clock.settle();
    await clock.advance(55_000); // 65 s after the start, 55 s after the finish
    expect(names()).toEqual(['slow']);
    await clock.advance(5_000);
    expect(names()).toEqual(['slow', 'next']);
  });

  it('gives /batch its own smaller budget without holding up plain calls queued behind it', async () => {
    const { clock, limiter, task, names } = setup({ perMinute: 10, batchPerMinute: 2 });
    for (const [name, kind] of [
      ['b1', 'batch'],
      ['b2', 'batch'],
      ['b3', 'batch'],
      ['a1', 'api'],
      ['b4', 'batch'],
      ['a2', 'api'],
    ] as const) {
      void limiter.run('r1', kind, task(name));
    }
    await clock.settle();
    expect(names()).toEqual(['b1', 'b2', 'a1', 'a2']);
    // Batch requests count against the realm's overall budget as well.
    expect(limiter.snapshot('r1')).toMatchObject({ inWindow: 4, batchInWindow: 2, queued: 2 });
  });

  it('starts waiting batch requests in order once the batch window rolls', async () => {
    const { clock, limiter, task, finish, names } = setup({ batchPerMinute: 1 });
    for (const n of ['b1', 'b2', 'b3']) void limiter.run('r1', 'batch', task(n));
    await clock.settle();
    finish('b1');
    await clock.settle();
    await clock.advance(60_000);
    expect(names()).toEqual(['b1', 'b2']);
    finish('b2');
    await clock.settle();
    await clock.advance(60_000);
    expect(names()).toEqual(['b1', 'b2', 'b3']);
  });

  it('keeps realms independent', async () => {
    const { clock, limiter, task, names } = setup({ concurrency: 1 });
    void limiter.run('busy', 'api', task('busy-1'));
    void limiter.run('busy', 'api', task('busy-2'));
    void limiter.run('quiet', 'api', task('quiet-1'));
    await clock.settle();
    expect(names()).toEqual(['busy-1', 'quiet-1']);
  });

  it('pauses new starts of a realm after a 429 and lengthens the pause when 429s repeat', async () => {
    const { clock, limiter, task, finish, names } = setup({ throttleCooldownMs: 1_000, maxThrottleCooldownMs: 3_000 });
    limiter.noteThrottled('r1');
    void limiter.run('r1', 'api', task('x1'));
    void limiter.run('other', 'api', task('y1'));
    await clock.advance(999);
    expect(names()).toEqual(['y1']);
    await clock.advance(1);
    expect(names()).toEqual(['y1', 'x1']);

    finish('x1');
    limiter.noteThrottled('r1'); // second strike within a minute: 2 s
    void limiter.run('r1', 'api', task('x2'));
    await clock.advance(1_999);
    expect(names()).toEqual(['y1', 'x1']);
    await clock.advance(1);
    expect(names()).toEqual(['y1', 'x1', 'x2']);

    finish('x2');
    limiter.noteThrottled('r1'); // third strike: capped at 3 s
    void limiter.run('r1', 'api', task('x3'));
    await clock.advance(2_999);
    expect(names()).not.toContain('x3');
    await clock.advance(1);
    expect(names()).toContain('x3');

    finish('x3');
    await clock.advance(61_000);
    limiter.noteThrottled('r1'); // a quiet minute later the pause starts small again
    void limiter.run('r1', 'api', task('x4'));
    await clock.advance(1_000);
    expect(names()).toContain('x4');
  });

  it('rejects a queued call with the abort reason and lets the queue move on', async () => {
    const { clock, limiter, task, finish, names } = setup({ concurrency: 1 });
    const first = limiter.run('r1', 'api', task('first'));
    const ac = new AbortController();
    const aborted = limiter.run('r1', 'api', task('aborted'), { signal: ac.signal });
    const third = limiter.run('r1', 'api', task('third'));
    await clock.settle();
    ac.abort(new Error('activity cancelled'));
    await expect(aborted).rejects.toThrow('activity cancelled');
    finish('first');
    await clock.settle();
    finish('third');
    expect(await Promise.all([first, third])).toEqual(['first', 'third']);
    expect(names()).toEqual(['first', 'third']);
    await expect(limiter.run('r1', 'api', async () => 1, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  });

  it("passes the task's own failure through and frees its slot", async () => {
    const { limiter } = setup({ concurrency: 1 });
    const failing = limiter.run('r1', 'api', async () => {
      throw new Error('boom');
    });
    const sync = limiter.run('r1', 'api', () => {
      throw new Error('sync boom');
    });
    const after = limiter.run('r1', 'api', async () => 'ran');
    await Promise.all([
      expect(failing).rejects.toThrow('boom'),
      expect(sync).rejects.toThrow('sync boom'),
      expect(after).resolves.toBe('ran'),
    ]);
  });

  it('forgets realms once they have been idle for a full window, so memory follows active realms only', async () => {
    const { clock, limiter } = setup({});
    await Promise.all(Array.from({ length: 50 }, (_, i) => limiter.run(`realm-${i}`, 'api', async () => i)));
    expect(limiter.realmCount()).toBe(50);
    await clock.advance(60_001);
    await limiter.run('fresh', 'api', async () => 0); // any call sweeps realms gone quiet
    expect(limiter.realmCount()).toBe(1);
    expect(limiter.snapshot('realm-0')).toBeUndefined();
  });

  it('rejects nonsensical limits', () => {
    expect(() => createRealmLimiter({ concurrency: 0 })).toThrow(RangeError);
    expect(() => createRealmLimiter({ perMinute: 1.5 })).toThrow(RangeError);
  });
});
