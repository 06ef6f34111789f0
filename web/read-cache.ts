import { LRUCache } from 'lru-cache';

/**
 * Short-lived answers for the read models that aggregate the whole projection (counts per state, the 14-day trend,
 * mapping health, the action queue's root-cause groups). Each costs 0.1–0.4 s of database time at 100,000 records
 * (docs/benchmarks.md), the same for every viewer, and ten people refreshing the console at once queued behind each
 * other. Here one computation serves everyone:
 *
 * - an answer younger than `maxAgeMs` is served as it is;
 * - an older one is served while one fresh computation runs in the background (stale-while-revalidate), but never
 *   one older than `maxStaleMs` — then the caller waits for the fresh answer;
 * - concurrent callers of a missing answer share one computation;
 * - `invalidate()` (called after every write that someone signed in or holding an API key made through this web
 *   process: a retry, a mapping, a connection) makes the next caller wait for a fresh answer, so whoever acted sees
 *   the effect of their own action.
 *
 * Records change state in the worker, not here, so a page may show figures up to `maxAgeMs` old (plus the time of one
 * computation); the pages say "as of" when they serve a cached answer. `maxAgeMs` 0 turns caching off.
 *
 * lru-cache's `fetch` does the sharing, the serving of the held answer while one refresh runs, the bound on keys and
 * the dropping of computations begun before `invalidate()`. Ages are measured here, from `asOf`, not with
 * lru-cache's `ttl`: the ages differ per key, a stale answer has an upper bound (`maxStaleMs`) that lru-cache does
 * not know, and an answer is old at exactly `maxAgeMs` (lru-cache's `ttl` only after it).
 */
export interface ReadCache {
  /** The answer for `key`, computed by `load` when there is no usable one; `ages` overrides the cache's for this key. */
  get<T>(key: string, load: () => Promise<T>, ages?: CacheAges): Promise<Cached<T>>;
  /** Forget every answer: the next caller of each key waits for a fresh one. */
  invalidate(): void;
}

export interface Cached<T> {
  value: T;
  /** When the answer was computed (its start). */
  asOf: Date;
}

/** How long an answer is served as it is, and the oldest served at all (default 6 × maxAgeMs). */
export interface CacheAges {
  maxAgeMs: number;
  maxStaleMs?: number;
}

export interface ReadCacheOptions extends CacheAges {
  /** Most keys kept (default 500); the least recently used are dropped beyond it. */
  maxEntries?: number;
  now?: () => number;
  /** A background refresh failed; the stale answer stays until maxStaleMs. */
  onError?: (key: string, err: unknown) => void;
}

/** What the caller that starts a computation hands it: the load, and whether that caller was served a stale answer. */
interface Computation {
  load: () => Promise<unknown>;
  inBackground: boolean;
}

export function createReadCache(opts: ReadCacheOptions): ReadCache {
  const now = opts.now ?? Date.now;
  const answers = new LRUCache<string, Cached<unknown>, Computation>({
    max: opts.maxEntries ?? 500,
    fetchMethod: async (key, _held, { context }) => {
      const started = now();
      try {
        return { value: await context.load(), asOf: new Date(started) };
      } catch (err) {
        // Nobody waits for a refresh begun behind a stale answer, so its failure is reported here.
        if (context.inBackground) opts.onError?.(key, err);
        throw err;
      }
    },
    // A failed refresh leaves the answer it was replacing (until maxStaleMs); a failed first computation keeps nothing.
    noDeleteOnFetchRejection: true,
    // invalidate() aborts the computations in flight: their callers still get the answer, which is not kept.
    ignoreFetchAbort: true,
  });

  return {
    async get<T>(key: string, load: () => Promise<T>, ages: CacheAges = opts): Promise<Cached<T>> {
      const maxAge = ages.maxAgeMs;
      const maxStale = ages.maxStaleMs ?? maxAge * 6;
      if (maxAge <= 0) return { value: await load(), asOf: new Date(now()) };
      // The answer held for the key, also while a refresh of it runs.
      const held = answers.peek(key);
      const age = held ? now() - held.asOf.getTime() : Number.POSITIVE_INFINITY;
      const servable = age < maxStale;
      const answer = await answers.forceFetch(key, {
        forceRefresh: age >= maxAge,
        allowStale: servable,
        context: { load, inBackground: servable && held !== undefined },
      });
      return answer as Cached<T>;
    },
    invalidate() {
      answers.clear();
    },
  };
}
