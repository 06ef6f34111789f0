/**
 * Client-side throttle for QuickBooks Online, one budget per realm (reference §4): at most `concurrency` requests in
 * flight, at most `perMinute` requests in any rolling minute (batch requests included), and a separate, smaller
 * rolling budget for `/batch`. Callers wait in FIFO order instead of failing; Temporal owns retries, so the limiter's
 * job is only to keep a healthy burst from ever producing a 429.
 *
 * Time comes from injected `now`/`sleep` so tests run on a fake clock.
 */

/** Which budget a request draws from. `batch` also counts against the realm's `api` budget. */
export type LimitKind = 'api' | 'batch';

/** Options of {@link createRealmLimiter}. Every number is per realm. */
export interface RealmLimiterOptions {
  /** Requests in flight at once. QBO rejects more than 10 per app and realm. Default 10. */
  concurrency?: number;
  /** Requests per rolling window, `/batch` included. QBO allows 500 per minute. Default 500. */
  perMinute?: number;
  /**
   * `/batch` requests per rolling window. Default 40, Intuit's older guidance; Intuit announced 120/min for 2025
   * (reference §4), so raise it by configuration once a realm is known to have the new limit.
   */
  batchPerMinute?: number;
  /** Length of the rolling window. Default 60 000 ms. */
  windowMs?: number;
  /** Pause of new starts after the first 429 in a while; doubles on each further 429 within a window. Default 1 000 ms. */
  throttleCooldownMs?: number;
  /** Upper bound of that pause. Default 30 000 ms. */
  maxThrottleCooldownMs?: number;
  /** Milliseconds clock. Default `Date.now`. */
  now?: () => number;
  /** Resolves after `ms` on the same clock as `now`. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
}

/** Per-realm numbers, for tests and diagnostics. */
export interface RealmLimiterSnapshot {
  active: number;
  queued: number;
  /** Requests counted in the current rolling window (in flight plus finished within the window). */
  inWindow: number;
  batchInWindow: number;
  /** Epoch ms until which new starts are paused after a 429, or 0. */
  cooldownUntil: number;
}

/** A per-realm limiter. One instance is meant to be shared by every QBO client in a process. */
export interface RealmLimiter {
  /**
   * Runs `fn` once the realm's budgets allow it. Never rejects for lack of budget; it waits. Rejects only with
   * `fn`'s own error, or with `signal.reason` if the signal aborts while the call is still queued.
   */
  run<T>(realmId: string, kind: LimitKind, fn: () => Promise<T>, opts?: { signal?: AbortSignal }): Promise<T>;
  /** Tells the limiter QBO answered 429 for this realm, so it pauses new starts for a short, growing cooldown. */
  noteThrottled(realmId: string): void;
  /** The realm's numbers, or undefined when the limiter holds no state for it (never used, or cleaned up as idle). */
  snapshot(realmId: string): RealmLimiterSnapshot | undefined;
  /** How many realms the limiter currently holds state for (memory stays bounded by active realms). */
  realmCount(): number;
}

interface Waiter {
  kind: LimitKind;
  start: () => void;
  abort?: () => void;
  signal?: AbortSignal;
}

interface RealmState {
  active: number;
  batchActive: number;
  queue: Waiter[];
  /**
   * Completion times of finished requests, oldest first. A request is charged to the window from its start (as
   * in-flight) until `windowMs` after it *finished*: QBO counts it at arrival, somewhere between our start and our
   * completion, so the completion time is the conservative bound that never undercounts at the window's edge.
   * Being stamped with a monotonic clock at completion, the array stays sorted without effort.
   */
  done: number[];
  batchDone: number[];
  cooldownUntil: number;
  strikes: number;
  lastThrottleAt: number;
  timerAt: number | undefined;
}

export function createRealmLimiter(opts: RealmLimiterOptions = {}): RealmLimiter {
  const concurrency = positiveInt(opts.concurrency ?? 10, 'concurrency');
  const perMinute = positiveInt(opts.perMinute ?? 500, 'perMinute');
  const batchPerMinute = positiveInt(opts.batchPerMinute ?? 40, 'batchPerMinute');
  const windowMs = positiveInt(opts.windowMs ?? 60_000, 'windowMs');
  const baseCooldown = Math.max(0, opts.throttleCooldownMs ?? 1_000);
  const maxCooldown = Math.max(baseCooldown, opts.maxThrottleCooldownMs ?? 30_000);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const realms = new Map<string, RealmState>();
  let lastSweep = now();

  function stateFor(realmId: string): RealmState {
    let s = realms.get(realmId);
    if (!s) {
      s = {
        active: 0,
        batchActive: 0,
        queue: [],
        done: [],
        batchDone: [],
        cooldownUntil: 0,
        strikes: 0,
        lastThrottleAt: Number.NEGATIVE_INFINITY,
        timerAt: undefined,
      };
      realms.set(realmId, s);
    }
    return s;
  }

  function prune(s: RealmState, t: number): void {
    const cutoff = t - windowMs;
    let i = 0;
    while (i < s.done.length && s.done[i]! <= cutoff) i++;
    if (i > 0) s.done.splice(0, i);
    let j = 0;
    while (j < s.batchDone.length && s.batchDone[j]! <= cutoff) j++;
    if (j > 0) s.batchDone.splice(0, j);
  }

  function isIdle(s: RealmState, t: number): boolean {
    return (
      s.active === 0 &&
      s.queue.length === 0 &&
      s.done.length === 0 &&
      s.batchDone.length === 0 &&
      s.cooldownUntil <= t &&
      t - s.lastThrottleAt > windowMs
    );
  }

  function dropIfIdle(realmId: string, s: RealmState, t: number): void {
    if (realms.get(realmId) === s && isIdle(s, t)) realms.delete(realmId);
  }

  /** Idle realms are normally dropped by their own pump; this catches realms that went quiet with a full window. */
  function sweep(t: number): void {
    if (t - lastSweep < windowMs) return;
    lastSweep = t;
    for (const [id, s] of realms) {
      prune(s, t);
      dropIfIdle(id, s, t);
    }
  }

  function arm(realmId: string, s: RealmState, at: number, t: number): void {
    if (s.timerAt !== undefined && s.timerAt <= at) return;
    s.timerAt = at;
    // Superseded timers still fire; they only pump, which is harmless.
    void sleep(Math.max(0, at - t)).then(() => {
      if (s.timerAt === at) s.timerAt = undefined;
      pump(realmId, s);
    });
  }

  function pump(realmId: string, s: RealmState): void {
    const t = now();
    prune(s, t);
    let batchBlocked = false;
    let apiBlocked = false;
    let i = 0;
    while (i < s.queue.length) {
      if (s.active >= concurrency) break; // a completion will pump again
      if (t < s.cooldownUntil || s.active + s.done.length >= perMinute) {
        apiBlocked = true;
        break;
      }
      const w = s.queue[i]!;
      if (w.kind === 'batch' && s.batchActive + s.batchDone.length >= batchPerMinute) {
        // Only batch requests need this budget, so plain calls behind it may pass; FIFO holds within each kind.
        batchBlocked = true;
        i++;
        continue;
      }
      s.queue.splice(i, 1);
      s.active++;
      if (w.kind === 'batch') s.batchActive++;
      w.start();
    }

    if (s.queue.length > 0) {
      let wake = Number.POSITIVE_INFINITY;
      if (t < s.cooldownUntil) wake = s.cooldownUntil;
      else if (apiBlocked && s.done.length > 0) wake = s.done[0]! + windowMs;
      if (batchBlocked && s.batchDone.length > 0) wake = Math.min(wake, s.batchDone[0]! + windowMs);
      if (Number.isFinite(wake)) arm(realmId, s, wake, t);
    } else {
      dropIfIdle(realmId, s, t);
    }
  }

  function finish(realmId: string, s: RealmState, kind: LimitKind): void {
    const t = now();
    s.active--;
    s.done.push(t);
    if (kind === 'batch') {
      s.batchActive--;
      s.batchDone.push(t);
    }
    pump(realmId, s);
  }

  return {
    run<T>(realmId: string, kind: LimitKind, fn: () => Promise<T>, runOpts: { signal?: AbortSignal } = {}): Promise<T> {
      const { signal } = runOpts;
      if (signal?.aborted) return Promise.reject(signal.reason);
      sweep(now());
      const s = stateFor(realmId);
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          kind,
          start: () => {
            if (waiter.abort) signal?.removeEventListener('abort', waiter.abort);
            let p: Promise<T>;
            try {
              p = Promise.resolve(fn());
            } catch (err) {
              p = Promise.reject(err);
            }
            p.then(resolve, reject).finally(() => finish(realmId, s, kind));
          },
        };
        if (signal) {
          waiter.abort = () => {
            const idx = s.queue.indexOf(waiter);
            if (idx >= 0) {
              s.queue.splice(idx, 1);
              reject(signal.reason);
              pump(realmId, s);
            }
          };
          signal.addEventListener('abort', waiter.abort, { once: true });
        }
        s.queue.push(waiter);
        pump(realmId, s);
      });
    },

    noteThrottled(realmId: string): void {
      const t = now();
      const s = stateFor(realmId);
      s.strikes = t - s.lastThrottleAt > windowMs ? 1 : s.strikes + 1;
      s.lastThrottleAt = t;
      const pause = Math.min(maxCooldown, baseCooldown * 2 ** (s.strikes - 1));
      s.cooldownUntil = Math.max(s.cooldownUntil, t + pause);
      pump(realmId, s);
    },

    snapshot(realmId: string): RealmLimiterSnapshot | undefined {
      const s = realms.get(realmId);
      if (!s) return undefined;
      prune(s, now());
      return {
        active: s.active,
        queued: s.queue.length,
        inWindow: s.active + s.done.length,
        batchInWindow: s.batchActive + s.batchDone.length,
        cooldownUntil: s.cooldownUntil,
      };
    },

    realmCount(): number {
      return realms.size;
    },
  };
}

/** `n`, if it is a positive integer (a limiter setting); else a RangeError naming it. */
export function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}
