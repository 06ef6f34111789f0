import { describe, expect, it } from 'vitest';
import { classifyQboResponse } from '../../qbo/classify.ts';
import type { QboResponse } from '../../qbo/client.ts';
import {
  batchComposition,
  batchRequestId,
  createLane,
  fieldMatches,
  inLookupQuery,
  lookupAnswerFor,
  lookupKeyOf,
  splitBatchAnswer,
  type WriteOp,
} from '../../qbo/coalesce.ts';
import { duplicateLookupQuery } from '../../qbo/mappers.ts';
import { awraRecordSchema } from '../../domain/records.ts';
import { billRecord, vendorRecord } from '../fixtures/records.ts';

/** A lane on a hand-driven clock: timers fire only when the test advances time. */
function manualLane(o: { maxItems?: number; minIntervalMs?: number; quietMs?: number; maxOutstanding?: number } = {}) {
  let t = 1_000_000;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const sent: Array<{ kind: 'one' | 'many'; items: string[] }> = [];
  /** Requests waiting for their "grant": the test decides when each may take the queue and answer. */
  const grants: Array<() => void> = [];
  const lane = createLane<string, string>({
    maxItems: o.maxItems ?? 3,
    minIntervalMs: o.minIntervalMs ?? 1_000,
    maxOutstanding: o.maxOutstanding ?? 2,
    ...(o.quietMs !== undefined ? { quietMs: o.quietMs } : {}),
    now: () => t,
    setTimer: (fn, ms) => void timers.push({ at: t + ms, fn }),
    sendOne: async (item) => {
      sent.push({ kind: 'one', items: [item] });
      return `alone:${item}`;
    },
    sendMany: (take) =>
      new Promise<string[]>((resolve) => {
        grants.push(() => {
          const items = take();
          sent.push({ kind: 'many', items });
          resolve(items.map((i) => `together:${i}`));
        });
      }),
  });
  const flush = () => new Promise<void>((r) => setTimeout(r, 0));
  return {
    lane,
    sent,
    grants,
    flush,
    async advance(ms: number) {
      t += ms;
      for (const timer of timers.splice(0).sort((a, b) => a.at - b.at)) {
        if (timer.at <= t) timer.fn();
        else timers.push(timer);
      }
      await flush();
    },
    async grant() {
      grants.shift()!();
      await flush();
    },
  };
}

describe('the coalescing lane', () => {
  it('sends an item that is ready alone at once, on its own', async () => {
    const l = manualLane();
    const answer = await l.lane.submit('a');
    expect(answer).toBe('alone:a');
    expect(l.sent).toEqual([{ kind: 'one', items: ['a'] }]);
  });

  it('gathers the items that arrive while a request is out and sends them together, each getting its own answer', async () => {
    const l = manualLane({ maxItems: 30 });
    const a = l.lane.submit('a');
    const b = l.lane.submit('b');
    const c = l.lane.submit('c');
    expect(await a).toBe('alone:a');
    // b and c wait for the gathering window, then go as one request.
    expect(l.sent).toHaveLength(1);
    await l.advance(1_000);
    const d = l.lane.submit('d');
    await l.grant();
    expect(l.sent[1]).toEqual({ kind: 'many', items: ['b', 'c', 'd'] });
    expect(await Promise.all([b, c, d])).toEqual(['together:b', 'together:c', 'together:d']);
  });

  it('takes the queue as it is when the request is granted, so a request held back fills up meanwhile', async () => {
    const l = manualLane({ maxItems: 30 });
    void l.lane.submit('a');
    const later = ['b', 'c'].map((i) => l.lane.submit(i));
    await l.advance(1_000);
    // Granted only after more arrived: they all ride in it.
    later.push(l.lane.submit('d'), l.lane.submit('e'));
    await l.grant();
    expect(l.sent[1]).toEqual({ kind: 'many', items: ['b', 'c', 'd', 'e'] });
    expect(await Promise.all(later)).toEqual(['together:b', 'together:c', 'together:d', 'together:e']);
  });

  it('sends a full request without waiting for the window, and never more than maxItems in one', async () => {
    const l = manualLane({ maxItems: 3, maxOutstanding: 3 });
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((i) => l.lane.submit(i));
    await l.flush();
    await l.grant();
    await l.grant();
    expect(l.sent).toEqual([
      { kind: 'one', items: ['a'] },
      { kind: 'many', items: ['b', 'c', 'd'] },
      { kind: 'many', items: ['e', 'f', 'g'] },
    ]);
    await Promise.all(all);
  });

  it('drops an item whose caller gave up while it was still queued, and answers the others', async () => {
    const l = manualLane({ maxItems: 30 });
    void l.lane.submit('a');
    const stop = new AbortController();
    const b = l.lane.submit('b', stop.signal);
    const c = l.lane.submit('c');
    const d = l.lane.submit('d');
    stop.abort(new Error('activity cancelled'));
    await expect(b).rejects.toThrow('activity cancelled');
    await l.advance(1_000);
    await l.grant();
    expect(l.sent[1]).toEqual({ kind: 'many', items: ['c', 'd'] });
    expect(await Promise.all([c, d])).toEqual(['together:c', 'together:d']);
  });

  it('fails every item of a request that failed, and keeps going with the next', async () => {
    let fail = true;
    const lane = createLane<string, string>({
      maxItems: 30,
      minIntervalMs: 0,
      maxOutstanding: 1,
      sendOne: async (i) => i,
      sendMany: async (take) => {
        const items = take();
        if (fail) throw new Error('lost');
        return items;
      },
    });
    const first = lane.submit('a');
    const lost = [lane.submit('b'), lane.submit('c')];
    await first;
    for (const p of lost) await expect(p).rejects.toThrow('lost');
    fail = false;
    expect(await lane.submit('d')).toBe('d');
  });
});

describe('coalesced duplicate lookups', () => {
  it('reads the entity, field and value back from the single-record lookup query, quotes included', () => {
    const bill = awraRecordSchema.parse(billRecord({ number: 'BILL-2026-0042' }));
    expect(lookupKeyOf(duplicateLookupQuery(bill).query)).toEqual({ entity: 'Bill', field: 'DocNumber', value: 'BILL-2026-0042' });
    const vendor = awraRecordSchema.parse(vendorRecord({ displayName: "O'Brien \\ Sons" }));
    expect(lookupKeyOf(duplicateLookupQuery(vendor).query)).toEqual({ entity: 'Vendor', field: 'DisplayName', value: "O'Brien \\ Sons" });
    expect(lookupKeyOf("select * from Bill where DocNumber = 'a' and TxnDate > '2026-01-01'")).toBeNull();
  });

  it('asks for several values in one IN query with room for every row', () => {
    expect(inLookupQuery('Bill', 'DocNumber', ['B-1', "O'B"])).toBe("select * from Bill where DocNumber in ('B-1', 'O\\'B') maxresults 1000");
  });

  it('compares values as QuickBooks does: text without case, numbers by value', () => {
    expect(fieldMatches('b-1', 'B-1')).toBe(true);
    expect(fieldMatches('007', '7')).toBe(true);
    expect(fieldMatches('B-10', 'B-1')).toBe(false);
    expect(fieldMatches(undefined, 'B-1')).toBe(false);
  });

  it('gives each record the answer its own query would have had', () => {
    const resp = okResponse({ QueryResponse: { Bill: [{ Id: '1', DocNumber: 'B-1' }, { Id: '2', DocNumber: 'B-2' }, { Id: '3', DocNumber: 'b-1' }], maxResults: 3 }, time: 't' });
    const b1 = lookupAnswerFor(resp, { entity: 'Bill', field: 'DocNumber', value: 'B-1' }, (resp.body as { QueryResponse: { Bill: Array<Record<string, unknown>> } }).QueryResponse.Bill);
    expect(b1.body).toEqual({ QueryResponse: { Bill: [{ Id: '1', DocNumber: 'B-1' }, { Id: '3', DocNumber: 'b-1' }], startPosition: 1, maxResults: 2 }, time: 't' });
    const none = lookupAnswerFor(resp, { entity: 'Bill', field: 'DocNumber', value: 'B-9' }, []);
    expect(none.body).toEqual({ QueryResponse: {}, time: 't' });
    const failed = { ...resp, ok: false, status: 503 };
    expect(lookupAnswerFor(failed, { entity: 'Bill', field: 'DocNumber', value: 'B-1' }, [])).toBe(failed);
  });
});

describe('batched writes', () => {
  const ops: WriteOp[] = [
    { operation: 'create', entity: 'Bill', body: { DocNumber: 'B-1' }, requestId: 'qsh-aaa-v1-a1' },
    { operation: 'update', entity: 'Vendor', body: { Id: '7', SyncToken: '2', DisplayName: 'X' }, requestId: 'qsh-bbb-v2-a1' },
    { operation: 'create', entity: 'Bill', body: { DocNumber: 'B-3' }, requestId: 'qsh-ccc-v1-a1' },
  ];

  it('gives each write a short bId and the batch a requestid of at most 36 characters that only this composition has', () => {
    const b = batchComposition(ops);
    expect(b.items.map((i) => i.bId)).toEqual(['b1', 'b2', 'b3']);
    expect(b.items.every((i) => i.bId.length <= 10)).toBe(true);
    expect(b.items[1]).toEqual({ bId: 'b2', operation: 'update', Vendor: { Id: '7', SyncToken: '2', DisplayName: 'X', sparse: true } });
    expect(b.requestId.length).toBeLessThanOrEqual(36);
    expect(b.requestId).toMatch(/^[A-Za-z0-9._~:-]+$/);
    expect(batchRequestId(ops.map((o) => o.requestId))).toBe(b.requestId);
    expect(batchRequestId(ops.slice(0, 2).map((o) => o.requestId))).not.toBe(b.requestId);
    expect(b.places).toEqual(b.items.map((i) => ({ batchRequestId: b.requestId, batchItemId: i.bId })));
    expect(() => batchComposition([])).toThrow();
  });

  it('splits the answer per write: the entity is accepted, a Fault inside the 200 classifies by its code, a missing item is uncertain', () => {
    const b = batchComposition(ops);
    const resp = okResponse({
      BatchItemResponse: [
        { bId: 'b1', Bill: { Id: '41', DocNumber: 'B-1' } },
        { bId: 'b2', Fault: { type: 'ValidationFault', Error: [{ code: '6240', Message: 'Duplicate Name Exists Error', Detail: 'The name supplied already exists.' }] } },
      ],
      time: 't',
    });
    const [one, two, three] = splitBatchAnswer(resp, ops, b.places);
    expect(one!.body).toEqual({ Bill: { Id: '41', DocNumber: 'B-1' }, time: 't' });
    expect(classifyQboResponse(one!).class).toBe('accepted');
    expect(two!.status).toBe(200);
    expect(classifyQboResponse(two!)).toMatchObject({ class: 'duplicate_risk', code: '6240', retryable: false, intuitTid: 'tid-1' });
    expect(classifyQboResponse(three!)).toMatchObject({ class: 'outcome_uncertain', retryable: true });
  });

  it('hands every write the answer of a batch that failed as a whole: lost or 5xx is uncertain, 429 is throttled', () => {
    const b = batchComposition(ops);
    const lost: QboResponse = { ...okResponse(null), status: 0, ok: false, transportError: 'UND_ERR_SOCKET: other side closed', requestSent: true };
    expect(splitBatchAnswer(lost, ops, b.places).map((r) => classifyQboResponse(r).class)).toEqual(['outcome_uncertain', 'outcome_uncertain', 'outcome_uncertain']);
    const unavailable: QboResponse = { ...okResponse(null), status: 503, ok: false };
    expect(splitBatchAnswer(unavailable, ops, b.places).map((r) => classifyQboResponse(r).class)).toEqual(['outcome_uncertain', 'outcome_uncertain', 'outcome_uncertain']);
    const empty = splitBatchAnswer(okResponse(null), ops, b.places);
    expect(empty.map((r) => classifyQboResponse(r).class)).toEqual(['outcome_uncertain', 'outcome_uncertain', 'outcome_uncertain']);
    const throttled: QboResponse = { ...okResponse('<?xml version="1.0"?><IntuitResponse><Fault type="SERVICE"><Error code="003001"><Message>ThrottleExceeded</Message></Error></Fault></IntuitResponse>'), status: 429, ok: false };
    expect(splitBatchAnswer(throttled, ops, b.places).map((r) => classifyQboResponse(r).class)).toEqual(['throttled', 'throttled', 'throttled']);
  });
});

function okResponse(body: string | object | null): QboResponse {
  return {
    status: 200,
    ok: true,
    body,
    rawText: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { intuit_tid: 'tid-1' },
    intuitTid: 'tid-1',
    requestSent: true,
    durationMs: 1,
    queuedMs: 0,
    method: 'POST',
    url: 'http://sim/v3/company/1/batch',
  };
}
