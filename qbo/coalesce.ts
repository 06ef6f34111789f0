/**
 * Coalescing QuickBooks requests of one realm (issue 18): several records ready at the same time share one duplicate
 * lookup (`… WHERE DocNumber IN (…)`) and one `/batch` of creates and updates, while a record that is ready alone is
 * sent at once, on its own, as before. This module is pure: the queue-and-pace engine ({@link createLane}) and the
 * QuickBooks-shaped pieces (IN queries, batch items and requestids, splitting an answer back per record). The
 * worker's per-realm sender is activities/realm-batcher.ts.
 */
import { createHash } from 'node:crypto';
import { qboQueryLiteral, QBO_MAX_BATCH_ID_LENGTH, QBO_MAX_BATCH_ITEMS, QBO_MAX_BATCH_REQUEST_ID_LENGTH, type QboResponse } from './client.ts';
import type { QboBatchBody, QboBatchItemRequest, QboBatchItemResponse, QboEntityName } from './types.ts';

// ---------------------------------------------------------------------------------------------------------------
// The lane: a queue that sends what is waiting, one item alone or several together.

/** Options of {@link createLane}. */
export interface LaneOptions<T, R> {
  /** Items per request (30 for `/batch`). */
  maxItems: number;
  /**
   * Least time between the starts of two requests of the lane unless the queue holds a full request: the window in
   * which records that become ready together are gathered.
   */
  minIntervalMs: number;
  /** An item alone in an idle lane goes out at once when the last request started at least this long ago. Default 0. */
  quietMs?: number;
  /** Requests of the lane in flight at once (a full queue sends several). */
  maxOutstanding: number;
  /** Sends one item on its own, as a plain request. */
  sendOne(item: T): Promise<R>;
  /**
   * Sends several items in one request. It calls `take` exactly once, when the request may go (the realm's limiter
   * granted it), and answers one result per item `take` returned, in that order. Items not taken stay queued.
   * `head` is the item first in line when the request started (for what the request needs before its grant).
   */
  sendMany(take: () => T[], head: T): Promise<R[]>;
  /** Millisecond clock. Default `Date.now`. */
  now?: () => number;
  /** Runs `fn` after `ms`. Default `setTimeout` (unref'd). */
  setTimer?: (fn: () => void, ms: number) => void;
}

/** A queue of one realm's requests of one kind. */
export interface Lane<T, R> {
  /** Queues an item and resolves with its own result. An abort while it is still queued removes it (rejects with the reason). */
  submit(item: T, signal?: AbortSignal): Promise<R>;
  /** Items queued and not yet taken into a request. */
  queued(): number;
  /** Requests started and not yet answered (including one waiting for the limiter). */
  outstanding(): number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  detach: () => void;
}

/**
 * The engine both kinds of coalescing share. Rules, in order:
 * - an item alone in an idle lane (nothing in flight, quiet for `quietMs`) is sent at once by `sendOne`;
 * - otherwise the lane waits until `minIntervalMs` after its last start, then sends everything queued (≤ `maxItems`)
 *   together; a queue already holding `maxItems` does not wait;
 * - at most one multi-item request waits for its grant at a time, and it takes the queue as it is at the grant, so a
 *   request held back by the realm's budget fills up meanwhile instead of leaving half empty.
 */
export function createLane<T, R>(opts: LaneOptions<T, R>): Lane<T, R> {
  const now = opts.now ?? Date.now;
  const setTimer =
    opts.setTimer ??
    ((fn: () => void, ms: number) => {
      setTimeout(fn, ms).unref();
    });
  const quietMs = opts.quietMs ?? 0;
  const queue: Array<Waiting<T, R>> = [];
  let outstanding = 0;
  let asking = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  let timerAt: number | undefined;

  function arm(at: number): void {
    if (timerAt !== undefined && timerAt <= at) return;
    timerAt = at;
    setTimer(() => {
      if (timerAt === at) timerAt = undefined;
      pump();
    }, Math.max(0, at - now()));
  }

  function pump(): void {
    while (queue.length > 0 && outstanding < opts.maxOutstanding && !asking) {
      const t = now();
      const full = queue.length >= opts.maxItems;
      if (!full) {
        const alone = queue.length === 1 && outstanding === 0 && t - lastStart >= quietMs;
        if (!alone && t < lastStart + opts.minIntervalMs) {
          arm(lastStart + opts.minIntervalMs);
          return;
        }
      }
      lastStart = t;
      outstanding++;
      if (queue.length === 1) startOne(queue.shift()!);
      else startMany();
    }
  }

  function done(): void {
    outstanding--;
    pump();
  }

  function startOne(w: Waiting<T, R>): void {
    w.detach();
    new Promise<R>((res) => res(opts.sendOne(w.item))).then(w.resolve, w.reject).finally(done);
  }

  function startMany(): void {
    asking = true;
    const head = queue[0]!.item;
    let taken: Array<Waiting<T, R>> | undefined;
    const take = (): T[] => {
      if (taken) return taken.map((w) => w.item);
      taken = queue.splice(0, opts.maxItems);
      for (const w of taken) w.detach();
      asking = false;
      // What did not fit may go at once in the next request (a full queue does not wait for the interval).
      queueMicrotask(pump);
      return taken.map((w) => w.item);
    };
    new Promise<R[]>((res) => res(opts.sendMany(take, head))).then(
      (results) => {
        (taken ?? []).forEach((w, i) => (i < results.length ? w.resolve(results[i]!) : w.reject(new Error('The coalesced request answered fewer results than it took items.'))));
      },
      (err: unknown) => {
        for (const w of taken ?? []) w.reject(err);
      },
    ).finally(() => {
      // A request that failed before its grant took nothing: the queue is still there for the next one.
      if (!taken) asking = false;
      done();
    });
  }

  return {
    submit(item: T, signal?: AbortSignal): Promise<R> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<R>((resolve, reject) => {
        const onAbort = () => {
          const i = queue.indexOf(w);
          if (i >= 0) {
            queue.splice(i, 1);
            reject(signal!.reason);
          }
        };
        const w: Waiting<T, R> = { item, resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(w);
        pump();
      });
    },
    queued: () => queue.length,
    outstanding: () => outstanding,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Duplicate lookups: `select * from X where F = 'v'` coalesced into `… where F in ('a', 'b', …)`.

/** A lookup by one field's value, read from the single-record query qbo/mappers.ts `duplicateLookupQuery` builds. */
export interface LookupKey {
  entity: QboEntityName;
  field: string;
  value: string;
}

/** Values per IN query: keeps the statement short (it is sent as POST beyond 2 000 characters anyway). */
export const MAX_LOOKUP_VALUES = 30;
/** Rows asked for per IN query; an answer this long may have been cut off, and its values are asked one by one. */
export const LOOKUP_MAX_RESULTS = 1000;

const SINGLE_LOOKUP_RE = /^select \* from (\w+) where (\w+) = '((?:[^'\\]|\\.)*)'$/;

/**
 * The entity, field and value of a single-value lookup query (`select * from Bill where DocNumber = 'B-1'`), or null
 * for any other statement: such a lookup is simply sent on its own.
 */
export function lookupKeyOf(query: string): LookupKey | null {
  const m = SINGLE_LOOKUP_RE.exec(query);
  if (!m) return null;
  return { entity: m[1] as QboEntityName, field: m[2]!, value: m[3]!.replace(/\\(.)/g, '$1') };
}

/** One query for several values of the same entity and field. */
export function inLookupQuery(entity: QboEntityName, field: string, values: string[]): string {
  if (values.length === 0) throw new RangeError('an IN lookup needs at least one value');
  return `select * from ${entity} where ${field} in (${values.map(qboQueryLiteral).join(', ')}) maxresults ${LOOKUP_MAX_RESULTS}`;
}

/**
 * Whether a row's field holds the value as QuickBooks' `=` compares it: case-insensitive text (DocNumber `b-1`
 * matches `B-1`), numbers by value (`007` matches `7`).
 */
export function fieldMatches(stored: unknown, value: string): boolean {
  if (stored === undefined || stored === null) return false;
  const a = String(stored);
  if (/^\d+$/.test(a) && /^\d+$/.test(value)) return Number(a) === Number(value);
  return a.localeCompare(value, 'en', { sensitivity: 'accent' }) === 0;
}

/**
 * The answer one record's own query would have had, cut from a coalesced query's answer: the same response with only
 * that value's rows (a failed response is every record's answer as it is).
 */
export function lookupAnswerFor(resp: QboResponse, key: LookupKey, rows: Array<Record<string, unknown>>): QboResponse {
  if (!resp.ok) return resp;
  const mine = rows.filter((r) => fieldMatches(r[key.field], key.value));
  const time = (resp.body as { time?: string } | null)?.time;
  const QueryResponse = mine.length ? { [key.entity]: mine, startPosition: 1, maxResults: mine.length } : {};
  return { ...resp, body: { QueryResponse, ...(time ? { time } : {}) } };
}

// ---------------------------------------------------------------------------------------------------------------
// Writes: creates and sparse updates in one `/batch`.

/** One record's write, as the pusher would send it on its own. */
export interface WriteOp {
  operation: 'create' | 'update';
  entity: QboEntityName;
  /** The create body, or the sparse update body with `Id` and `SyncToken`. */
  body: Record<string, unknown>;
  /** The record's own requestid: sent with a write that goes alone, and the seed of a batch's requestid. */
  requestId: string;
}

/** Where a write sat in a batch: the batch's requestid and its `bId`. */
export interface BatchPlace {
  batchRequestId: string;
  batchItemId: string;
}

/** The bId of the i-th item: short (≤ 10 characters, B-RID) and unique within the batch. */
export function batchItemId(i: number): string {
  const id = `b${i + 1}`;
  if (id.length > QBO_MAX_BATCH_ID_LENGTH) throw new RangeError(`bId ${id} is longer than ${QBO_MAX_BATCH_ID_LENGTH} characters`);
  return id;
}

/**
 * The requestid of a batch: derived from its items' own requestids in order, so sending the same composition again
 * (after a token refresh) is replayed by QuickBooks, while any other composition is a new request. ≤ 36 characters.
 */
export function batchRequestId(itemRequestIds: string[]): string {
  const digest = createHash('sha256').update(itemRequestIds.join('\n')).digest('hex');
  return `qshb-${digest}`.slice(0, QBO_MAX_BATCH_REQUEST_ID_LENGTH);
}

/** The `/batch` request for writes (1-30): each gets its bId; an update is sent sparse, as it is alone. */
export function batchComposition(ops: WriteOp[]): { items: QboBatchItemRequest[]; requestId: string; places: BatchPlace[] } {
  if (ops.length === 0 || ops.length > QBO_MAX_BATCH_ITEMS) throw new RangeError(`a batch holds 1-${QBO_MAX_BATCH_ITEMS} writes, got ${ops.length}`);
  const requestId = batchRequestId(ops.map((o) => o.requestId));
  const items = ops.map((o, i): QboBatchItemRequest => ({
    bId: batchItemId(i),
    operation: o.operation,
    [o.entity]: o.operation === 'update' ? { ...o.body, sparse: true } : o.body,
  }));
  return { items, requestId, places: items.map((it) => ({ batchRequestId: requestId, batchItemId: it.bId })) };
}

/**
 * Each write's own answer inside a batch's answer, shaped like the answer it would have had alone, so it is classified
 * and kept like one (qbo/classify.ts):
 * - the item's entity → a 200 with `{ [entity]: … }`;
 * - the item's Fault → the batch's 200 with `{ Fault }`, which classifies by the Fault's code;
 * - no answer for the item, or a batch that failed as a whole (lost, 5xx, throttled, refused) → the batch's own
 *   response: with a lost answer or a 5xx each write's outcome is uncertain, and the retry looks it up first.
 */
export function splitBatchAnswer(resp: QboResponse, ops: WriteOp[], places: BatchPlace[]): QboResponse[] {
  if (!resp.ok) return ops.map(() => resp);
  const answers = new Map<string, QboBatchItemResponse>();
  for (const a of (resp.body as Partial<QboBatchBody> | null)?.BatchItemResponse ?? []) if (a && typeof a.bId === 'string') answers.set(a.bId, a);
  const time = (resp.body as { time?: string } | null)?.time;
  return ops.map((op, i) => {
    const a = answers.get(places[i]!.batchItemId);
    if (a?.Fault) return { ...resp, ok: false, body: { Fault: a.Fault, ...(time ? { time } : {}) } };
    const entity = a?.[op.entity];
    if (entity && typeof entity === 'object') return { ...resp, body: { [op.entity]: entity, ...(time ? { time } : {}) } };
    return {
      ...resp,
      ok: false,
      status: 0,
      body: null,
      transportError: `BATCH_ITEM_MISSING: the /batch answer held nothing for bId ${places[i]!.batchItemId}`,
      requestSent: true,
    };
  });
}
