import type { Context } from '@temporalio/activity';
import { QBO_MAX_BATCH_ITEMS, queryRows, type QboCallContext, type QboClient, type QboResponse } from '../qbo/client.ts';
import {
  batchComposition,
  createLane,
  inLookupQuery,
  lookupAnswerFor,
  lookupKeyOf,
  LOOKUP_MAX_RESULTS,
  MAX_LOOKUP_VALUES,
  splitBatchAnswer,
  type BatchPlace,
  type Lane,
  type LookupKey,
  type WriteOp,
} from '../qbo/coalesce.ts';

/** How the worker coalesces a realm's duplicate lookups and writes (README, `QBO_BATCH_WRITES`). */
export interface RealmBatchingOptions {
  /** Off: every lookup and write goes alone, as one request per record. */
  enabled: boolean;
  /**
   * Least time between two `/batch` requests of a realm that are not full. Default 1 500 ms, the pace of 40 batches a
   * minute: records that become ready meanwhile join the next batch, and half-empty batches never spend the realm's
   * batch budget faster than it comes back. A full batch (30) does not wait.
   */
  batchIntervalMs?: number;
  /** Least time between two coalesced duplicate lookups of a realm that are not full. Default 1 000 ms. */
  lookupIntervalMs?: number;
  /** A lookup alone goes out at once when the realm's last lookup started at least this long ago. Default 250 ms. */
  lookupQuietMs?: number;
  /** Injected clock and timer for tests. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => void;
}

/** realm-call.ts `callQbo`, with the activity whose context (Temporal client) a token refresh uses, and the signal. */
export type CallQbo = (
  tenantId: string,
  call: (client: QboClient, ctx: QboCallContext) => Promise<QboResponse>,
  opts: { activity: Context; signal: AbortSignal | null },
) => Promise<QboResponse>;

/** One record's write and how it came out: its own answer, and where it sat when it went out in a batch. */
export interface WriteOutcome {
  resp: QboResponse;
  batch?: BatchPlace;
}

interface LookupItem {
  tenantId: string;
  query: string;
  key: LookupKey | null;
  activity: Context;
  signal: AbortSignal;
}

interface WriteItem {
  tenantId: string;
  op: WriteOp;
  activity: Context;
  signal: AbortSignal;
}

/**
 * The worker's per-realm coalescer (issue 18; the pure rules are qbo/coalesce.ts). Each record's activity asks for its
 * own lookup or write and gets its own answer back; meanwhile records of one realm that are ready together share one
 * `… IN (…)` query and one `/batch` of up to 30 writes, and a record ready alone is sent at once, alone.
 */
export function createRealmBatcher(callQbo: CallQbo, opts: RealmBatchingOptions) {
  const lookupLanes = new Map<string, Lane<LookupItem, QboResponse>>();
  const writeLanes = new Map<string, Lane<WriteItem, WriteOutcome>>();
  /** Writes in flight by the record's requestid: a retry of the same write (its activity timed out) waits for it. */
  const inFlight = new Map<string, Promise<unknown>>();
  const timing = { ...(opts.now ? { now: opts.now } : {}), ...(opts.setTimer ? { setTimer: opts.setTimer } : {}) };

  const lookupAlone = (i: LookupItem) => callQbo(i.tenantId, (client, ctx) => client.query(ctx, i.query), { activity: i.activity, signal: i.signal });

  function lookupLane(tenantId: string, key: LookupKey): Lane<LookupItem, QboResponse> {
    const id = `${tenantId}\u0000${key.entity}\u0000${key.field}`;
    let lane = lookupLanes.get(id);
    if (!lane) {
      lane = createLane<LookupItem, QboResponse>({
        maxItems: MAX_LOOKUP_VALUES,
        minIntervalMs: opts.lookupIntervalMs ?? 1_000,
        quietMs: opts.lookupQuietMs ?? 250,
        maxOutstanding: 2,
        ...timing,
        sendOne: lookupAlone,
        async sendMany(take) {
          const items = take();
          if (items.length === 0) return [];
          const values = [...new Set(items.map((i) => i.key!.value))];
          const resp = await callQbo(tenantId, (client, ctx) => client.query(ctx, inLookupQuery(key.entity, key.field, values)), { activity: items[0]!.activity, signal: null });
          const rows = queryRows(resp, key.entity) as unknown as Array<Record<string, unknown>>;
          // An answer that may have been cut off is no proof of absence: those records ask on their own.
          if (resp.ok && rows.length >= LOOKUP_MAX_RESULTS) return Promise.all(items.map(lookupAlone));
          return items.map((i) => lookupAnswerFor(resp, i.key!, rows));
        },
      });
      lookupLanes.set(id, lane);
    }
    return lane;
  }

  const writeAlone = (i: WriteItem, allowDuplicateDocNum = false): Promise<WriteOutcome> =>
    callQbo(
      i.tenantId,
      (client, ctx) =>
        i.op.operation === 'update'
          ? client.sparseUpdate(ctx, i.op.entity, i.op.body as Parameters<QboClient['sparseUpdate']>[2], { requestId: i.op.requestId })
          : client.create(ctx, i.op.entity, i.op.body, { requestId: i.op.requestId, allowDuplicateDocNum }),
      { activity: i.activity, signal: i.signal },
    ).then((resp) => ({ resp }));

  function writeLane(tenantId: string): Lane<WriteItem, WriteOutcome> {
    let lane = writeLanes.get(tenantId);
    if (!lane) {
      lane = createLane<WriteItem, WriteOutcome>({
        maxItems: QBO_MAX_BATCH_ITEMS,
        minIntervalMs: opts.batchIntervalMs ?? 1_500,
        maxOutstanding: 4,
        ...timing,
        sendOne: (i) => writeAlone(i),
        async sendMany(take, head) {
          let composed: { items: WriteItem[]; batch: ReturnType<typeof batchComposition> | undefined } | undefined;
          // Runs when the realm's limiter grants the /batch: it takes whatever is queued by then (≤ 30).
          const compose = () => {
            if (!composed) {
              const items = take();
              composed = { items, batch: items.length ? batchComposition(items.map((i) => i.op)) : undefined };
            }
            return composed.batch ? { items: composed.batch.items, requestId: composed.batch.requestId } : null;
          };
          let resp: QboResponse;
          try {
            // One batch serves many records: no single record's cancellation may abort it.
            resp = await callQbo(tenantId, (client, ctx) => client.batchWhenGranted(ctx, compose), { activity: head.activity, signal: null });
          } catch (err) {
            // Failed before anything was sent (no connection, a refresh refused): every queued write hears it now.
            if (!composed) take();
            throw err;
          }
          if (!composed?.batch) return [];
          const { items, batch } = composed;
          return splitBatchAnswer(resp, items.map((i) => i.op), batch.places).map((r, n) => ({ resp: r, batch: batch.places[n]! }));
        },
      });
      writeLanes.set(tenantId, lane);
    }
    return lane;
  }

  return {
    /** Whether records' lookups and writes may share requests (`QBO_BATCH_WRITES`). */
    coalescing: opts.enabled,

    /**
     * The answer to a single-record duplicate lookup (qbo/mappers.ts `duplicateLookupQuery`), as if it had been sent
     * alone: coalesced with other records' lookups of the same realm, entity and field.
     */
    lookup(tenantId: string, query: string, activity: Context): Promise<QboResponse> {
      const item: LookupItem = { tenantId, query, key: lookupKeyOf(query), activity, signal: activity.cancellationSignal };
      if (!opts.enabled || !item.key) return lookupAlone(item);
      return lookupLane(tenantId, item.key).submit(item, item.signal);
    },

    /**
     * Sends one record's create or sparse update: alone, or in a `/batch` with other records of the realm that are
     * ready at the same time. A create that must pass QuickBooks' duplicate check ("create anyway") always goes alone.
     */
    write(tenantId: string, op: WriteOp, activity: Context, o: { allowDuplicateDocNum?: boolean } = {}): Promise<WriteOutcome> {
      const item: WriteItem = { tenantId, op, activity, signal: activity.cancellationSignal };
      const sent = !opts.enabled || o.allowDuplicateDocNum ? writeAlone(item, o.allowDuplicateDocNum) : writeLane(tenantId).submit(item, item.signal);
      const settled = sent.catch(() => undefined);
      inFlight.set(op.requestId, settled);
      void settled.finally(() => {
        if (inFlight.get(op.requestId) === settled) inFlight.delete(op.requestId);
      });
      return sent;
    },

    /**
     * Resolves once an earlier send of this requestid in this process has its answer (an activity that timed out
     * while its write was in a batch): only then can a lookup tell whether that write created the entity.
     */
    async settled(requestId: string): Promise<void> {
      await inFlight.get(requestId);
    },
  };
}

export type RealmBatcher = ReturnType<typeof createRealmBatcher>;
