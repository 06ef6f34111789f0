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
  /** Most keys kept (default 500); the oldest are dropped beyond it. */
  maxEntries?: number;
  now?: () => number;
  /** A background refresh failed; the stale answer stays until maxStaleMs. */
  onError?: (key: string, err: unknown) => void;
}

interface Entry {
  generation: number;
  answer?: Cached<unknown>;
  /** The computation in flight for this key, if any. */
  pending?: Promise<Cached<unknown>>;
}

export function createReadCache(opts: ReadCacheOptions): ReadCache {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 500;
  const entries = new Map<string, Entry>();
  let generation = 0;

  const compute = (key: string, entry: Entry, load: () => Promise<unknown>): Promise<Cached<unknown>> => {
    if (entry.pending) return entry.pending;
    const started = now();
    const pending = load()
      .then((value) => {
        const answer = { value, asOf: new Date(started) };
        // An invalidation while this ran makes its answer too old to keep, but its caller still gets it.
        if (entry.generation === generation && entries.get(key) === entry) entry.answer = answer;
        return answer;
      })
      .finally(() => {
        if (entry.pending === pending) delete entry.pending;
      });
    entry.pending = pending;
    return pending;
  };

  return {
    async get<T>(key: string, load: () => Promise<T>, ages: CacheAges = opts): Promise<Cached<T>> {
      const maxAge = ages.maxAgeMs;
      const maxStale = ages.maxStaleMs ?? maxAge * 6;
      if (maxAge <= 0) return { value: await load(), asOf: new Date(now()) };
      let entry = entries.get(key);
      if (!entry || entry.generation !== generation) {
        entry = { generation };
        entries.delete(key);
        entries.set(key, entry);
        while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      }
      const answer = entry.answer;
      const age = answer ? now() - answer.asOf.getTime() : Number.POSITIVE_INFINITY;
      if (answer && age < maxAge) return answer as Cached<T>;
      if (answer && age < maxStale) {
        compute(key, entry, load).catch((err) => opts.onError?.(key, err));
        return answer as Cached<T>;
      }
      return (await compute(key, entry, load)) as Cached<T>;
    },
    invalidate() {
      generation += 1;
      entries.clear();
    },
  };
}
