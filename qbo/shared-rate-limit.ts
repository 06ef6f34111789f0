/**
 * The per-realm QuickBooks budget shared by every worker process (docs/scaling.md, "One QuickBooks budget per
 * realm"): the same limits as qbo/rate-limit.ts — `concurrency` in flight, `perMinute` per rolling window with
 * `/batch` included, a smaller `/batch` budget, a growing cooldown after a 429 — but counted in a store every process
 * reads (Postgres: db/queries/realm-budget.ts), so adding worker processes never adds budget.
 *
 * Each process keeps its own FIFO queue per realm and asks the store only for its head of line, one question at a
 * time per realm. A grant is a lease the process renews while the request runs; a process that dies stops renewing,
 * and its slots come back when the lease runs out. A refusal says why, and the process waits accordingly: until the
 * cooldown ends, until the oldest request leaves the window, or (slots held by other processes, which tell us
 * nothing when they finish) a short poll that backs off.
 */
import { randomUUID } from 'node:crypto';
import { positiveInt, type LimitKind, type RealmLimiter, type RealmLimiterOptions, type RealmLimiterSnapshot } from './rate-limit.ts';

/** The numbers a store checks a grant against. */
export interface BudgetLimits {
  concurrency: number;
  perWindow: number;
  batchPerWindow: number;
  windowMs: number;
  leaseMs: number;
}

/** What the store saw when asked for a grant (times are epoch ms on the store's clock). */
export interface BudgetAnswer {
  /** The lease, when granted. */
  id?: number;
  now: number;
  active: number;
  inWindow: number;
  batchInWindow: number;
  /** Until when the realm is paused after a 429, or 0. */
  cooldownUntil: number;
  /** The earliest end of a request still in the window (it leaves the window `windowMs` later). */
  oldestEnd?: number;
  oldestBatchEnd?: number;
}

/** Where the shared budget lives. Every method is atomic across processes. */
export interface RealmBudgetStore {
  /** Grants a lease if the realm's live leases, rolling window and cooldown allow it; otherwise says why not. */
  tryAcquire(req: { realmId: string; kind: LimitKind; holder: string; limits: BudgetLimits; at?: number }): Promise<BudgetAnswer>;
  /** Extends these running leases to `leaseMs` from now. */
  renew(ids: number[], leaseMs: number, at?: number): Promise<void>;
  /** The request finished: its slot is free, and it counts against the window from now. */
  release(id: number, at?: number): Promise<void>;
  /** QuickBooks answered 429: pause the realm for every process (doubling within a window, up to `maxMs`). */
  noteThrottled(req: { realmId: string; baseMs: number; maxMs: number; windowMs: number; at?: number }): Promise<void>;
}

/** Options of {@link createSharedRealmLimiter}; the limits mean what they mean in qbo/rate-limit.ts. */
export interface SharedRealmLimiterOptions extends Omit<RealmLimiterOptions, 'now' | 'sleep'> {
  store: RealmBudgetStore;
  /** A running request's lease; renewed every third of it. A killed process's slots come back within this. Default 10 000 ms. */
  leaseMs?: number;
  /** First and longest pause before asking again while every slot is held by other processes. Default 20 / 250 ms. */
  minPollMs?: number;
  maxPollMs?: number;
  /** A test clock (epoch ms) handed to the store; by default the store uses its own clock, the same for every process. */
  now?: () => number;
  /** Resolves after `ms`. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Names this process's leases (default a random id). */
  holder?: string;
  /** A store call that failed in the background (a release, a renewal, a 429 note). */
  onError?: (err: Error, what: string) => void;
}

/** A {@link RealmLimiter} over a shared store. */
export interface SharedRealmLimiter extends RealmLimiter {
  /** Stops renewing leases (call after the worker drained); leases of anything still running lapse by themselves. */
  close(): void;
  /** Resolves once background store writes started so far (releases, 429 notes) have settled. */
  settled(): Promise<void>;
}

interface Waiter {
  kind: LimitKind;
  start: (leaseId: number) => void;
  reject: (err: unknown) => void;
}

/** Why a realm's head of line sleeps: slots held elsewhere (a local finish may end it), the window or cooldown, the /batch budget. */
type WakeReason = 'slots' | 'window' | 'batch';

interface RealmState {
  queue: Waiter[];
  /** This process's running leases. */
  leases: Map<number, LimitKind>;
  asking: boolean;
  /** A wake-up is pending; `wakeGen` tells a superseded one to do nothing. */
  waking: WakeReason | undefined;
  wakeGen: number;
  pollMs: number;
  /** Local ms (Date.now) until which batch requests need not ask. */
  batchBlockedUntil: number;
  seen: Omit<RealmLimiterSnapshot, 'queued'>;
}

export function createSharedRealmLimiter(opts: SharedRealmLimiterOptions): SharedRealmLimiter {
  const limits: BudgetLimits = {
    concurrency: positiveInt(opts.concurrency ?? 10, 'concurrency'),
    perWindow: positiveInt(opts.perMinute ?? 500, 'perMinute'),
    batchPerWindow: positiveInt(opts.batchPerMinute ?? 40, 'batchPerMinute'),
    windowMs: positiveInt(opts.windowMs ?? 60_000, 'windowMs'),
    leaseMs: positiveInt(opts.leaseMs ?? 10_000, 'leaseMs'),
  };
  const baseCooldown = Math.max(0, opts.throttleCooldownMs ?? 1_000);
  const maxCooldown = Math.max(baseCooldown, opts.maxThrottleCooldownMs ?? 30_000);
  const minPoll = Math.max(1, opts.minPollMs ?? 20);
  const maxPoll = Math.max(minPoll, opts.maxPollMs ?? 250);
  const { store } = opts;
  const holder = opts.holder ?? randomUUID();
  const at = () => opts.now?.();
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const onError = opts.onError ?? (() => {});

  const realms = new Map<string, RealmState>();
  const pending = new Set<Promise<unknown>>();
  let renewTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function track(p: Promise<unknown>, what: string): Promise<void> {
    const q = p.then(
      () => undefined,
      (err: Error) => onError(err, what),
    );
    pending.add(q);
    void q.finally(() => pending.delete(q));
    return q;
  }

  function renewAll(): void {
    const ids = [...realms.values()].flatMap((s) => [...s.leases.keys()]);
    if (ids.length > 0) void track(store.renew(ids, limits.leaseMs, at()), 'renew');
  }

  function ensureRenewal(): void {
    if (renewTimer || closed) return;
    renewTimer = setInterval(renewAll, Math.max(1, Math.floor(limits.leaseMs / 3)));
    renewTimer.unref();
  }

  function stateFor(realmId: string): RealmState {
    let s = realms.get(realmId);
    if (!s) {
      s = {
        queue: [],
        leases: new Map(),
        asking: false,
        waking: undefined,
        wakeGen: 0,
        pollMs: minPoll,
        batchBlockedUntil: 0,
        seen: { active: 0, inWindow: 0, batchInWindow: 0, cooldownUntil: 0 },
      };
      realms.set(realmId, s);
    }
    return s;
  }

  function wake(realmId: string, s: RealmState, ms: number, reason: WakeReason): void {
    const gen = ++s.wakeGen;
    s.waking = reason;
    void sleep(Math.max(0, ms)).then(() => {
      if (s.wakeGen !== gen) return;
      s.waking = undefined;
      pump(realmId, s);
    });
  }

  function pump(realmId: string, s: RealmState): void {
    if (s.asking) return;
    if (s.waking) {
      // Only a wait for the /batch budget lets a plain call that arrived meanwhile go ahead.
      if (s.waking !== 'batch' || !s.queue.some((q) => q.kind !== 'batch')) return;
      s.wakeGen++;
      s.waking = undefined;
    }
    if (s.queue.length === 0) {
      if (s.leases.size === 0 && realms.get(realmId) === s) realms.delete(realmId);
      return;
    }
    // Our own running requests free slots we hear about; no need to ask while they fill the budget.
    if (s.leases.size >= limits.concurrency) return;
    const local = Date.now();
    const w = s.queue.find((q) => q.kind !== 'batch' || local >= s.batchBlockedUntil);
    if (!w) {
      wake(realmId, s, s.batchBlockedUntil - local, 'batch');
      return;
    }
    s.asking = true;
    store.tryAcquire({ realmId, kind: w.kind, holder, limits, ...(opts.now ? { at: opts.now() } : {}) }).then(
      (answer) => {
        s.asking = false;
        s.seen = { active: answer.active, inWindow: answer.inWindow, batchInWindow: answer.batchInWindow, cooldownUntil: answer.cooldownUntil };
        if (answer.id !== undefined) {
          s.pollMs = minPoll;
          const idx = s.queue.indexOf(w);
          if (idx >= 0) {
            s.queue.splice(idx, 1);
            w.start(answer.id);
          } else {
            // Aborted while we asked: give the grant straight back.
            void track(store.release(answer.id, at()), 'release');
          }
          pump(realmId, s);
          return;
        }
        const t = answer.now;
        if (answer.cooldownUntil > t) {
          wake(realmId, s, answer.cooldownUntil - t, 'window');
        } else if (answer.inWindow >= limits.perWindow) {
          wake(realmId, s, Math.max(minPoll, (answer.oldestEnd ?? t) + limits.windowMs - t), 'window');
        } else if (w.kind === 'batch' && answer.batchInWindow >= limits.batchPerWindow) {
          // Plain calls behind it may still pass; FIFO holds within each kind.
          s.batchBlockedUntil = Date.now() + Math.max(minPoll, (answer.oldestBatchEnd ?? t) + limits.windowMs - t);
          pump(realmId, s);
        } else {
          wake(realmId, s, s.pollMs, 'slots');
          s.pollMs = Math.min(maxPoll, s.pollMs * 2);
        }
      },
      (err: unknown) => {
        // The store is unreachable: this call fails (Temporal retries its activity); the rest ask again shortly.
        s.asking = false;
        const idx = s.queue.indexOf(w);
        if (idx >= 0) {
          s.queue.splice(idx, 1);
          w.reject(err);
        }
        wake(realmId, s, maxPoll, 'window');
      },
    );
  }

  function finish(realmId: string, s: RealmState, leaseId: number): void {
    s.leases.delete(leaseId);
    void track(store.release(leaseId, at()), 'release').then(() => {
      // A slot we freed may be what the head of line waits for.
      if (s.waking === 'slots') {
        s.wakeGen++;
        s.waking = undefined;
      }
      pump(realmId, s);
    });
  }

  return {
    run<T>(realmId: string, kind: LimitKind, fn: () => Promise<T>, runOpts: { signal?: AbortSignal } = {}): Promise<T> {
      const { signal } = runOpts;
      if (signal?.aborted) return Promise.reject(signal.reason);
      const s = stateFor(realmId);
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          const idx = s.queue.indexOf(waiter);
          if (idx >= 0) {
            s.queue.splice(idx, 1);
            reject(signal!.reason);
          }
        };
        const waiter: Waiter = {
          kind,
          reject,
          start: (leaseId) => {
            signal?.removeEventListener('abort', onAbort);
            s.leases.set(leaseId, kind);
            ensureRenewal();
            // A synchronous throw of `fn` becomes a rejection, and the lease is released either way.
            new Promise<T>((res) => res(fn())).then(resolve, reject).finally(() => finish(realmId, s, leaseId));
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        s.queue.push(waiter);
        pump(realmId, s);
      });
    },

    noteThrottled(realmId: string): void {
      const s = stateFor(realmId);
      void track(store.noteThrottled({ realmId, baseMs: baseCooldown, maxMs: maxCooldown, windowMs: limits.windowMs, ...(opts.now ? { at: opts.now() } : {}) }), 'noteThrottled');
      // The next question to the store sees the cooldown; a head of line already waiting for a slot finds out then.
      s.seen = { ...s.seen, cooldownUntil: Math.max(s.seen.cooldownUntil, (opts.now ?? Date.now)() + baseCooldown) };
      pump(realmId, s);
    },

    /** As last seen in the store (every process's requests), with this process's own queue. */
    snapshot(realmId: string): RealmLimiterSnapshot | undefined {
      const s = realms.get(realmId);
      return s ? { ...s.seen, queued: s.queue.length } : undefined;
    },

    realmCount(): number {
      return realms.size;
    },

    close(): void {
      closed = true;
      clearInterval(renewTimer);
      renewTimer = undefined;
    },

    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
