import { describe, expect, it } from 'vitest';
import { awraRecordSchema } from '../../domain/records.ts';
import type { SyncStatus } from '../../domain/sync.ts';
import { CleanProjection, cleanToPush } from '../../workflows/sync-record/clean.ts';
import type { PreparedSync } from '../../workflows/sync-record/types.ts';
import { awra } from '../fixtures/awra.ts';

const bill = awraRecordSchema.parse(awra.bill('t1', 'b1', 'BILL-1', 'ven-1'));
const ok = { id: 'complete', ok: true, message: 'ok' } as PreparedSync['readiness'][number];
const prepared = (over: Partial<PreparedSync> = {}): PreparedSync => ({
  record: bill,
  realm: { connected: true },
  readiness: [ok],
  mapping: { checks: [{ kind: 'vendor', key: 'ven-1', ok: true }], refs: [] },
  duplicates: { adopt: null, candidates: [] },
  projectedSeq: 0,
  ...over,
}) as PreparedSync;
const first = { logicalAttempt: 0, sentBefore: false };

describe('what the clean path takes, and what it leaves to the steps', () => {
  it('takes a ready, mapped record nobody has in QuickBooks', () => {
    expect(cleanToPush(prepared(), first)).toBe(true);
  });

  it.each([
    ['a failed readiness check', { readiness: [{ ...ok, ok: false }] }],
    ['a lost connection', { realm: { connected: false } }],
    ['a mapping gap', { mapping: { checks: [{ kind: 'vendor', key: 'ven-1', ok: false, problem: 'missing' }], refs: [] } }],
    ['a look-alike in QuickBooks', { duplicates: { adopt: null, candidates: [{ qboId: '9' }] } }],
    ['our own lost create to adopt', { duplicates: { adopt: { entity: 'Bill', qboId: '9' }, candidates: [] } }],
    ['an entity to update', { existingRef: { entity: 'Bill', qboId: '9' } }],
    ['drift found after an earlier sync', { existingDrift: { kind: 'edited' } }],
    ['no duplicate lookup made', { duplicates: undefined }],
    ['attempts of an earlier run it does not know of', { lastAttemptNo: 2 }],
  ] as Array<[string, Partial<PreparedSync>]>)('leaves %s to the steps', (_what, over) => {
    expect(cleanToPush(prepared(over), first)).toBe(false);
  });

  it('leaves a void, and a credit note applied to invoices, to the steps', () => {
    expect(cleanToPush(prepared({ record: { ...bill, status: 'void' } as PreparedSync['record'] }), first)).toBe(false);
    const credit = awraRecordSchema.parse(awra.creditNote('t1', 'cn1', 'CN-1', 'cus-1', 'itm-1', { invoiceId: 'inv-1' }));
    expect(cleanToPush(prepared({ record: credit }), first)).toBe(false);
  });

  it('goes on after a try that sent the record, without a lookup: the push looks for a lost create itself', () => {
    expect(cleanToPush(prepared({ duplicates: undefined, lastAttemptNo: 1 }), { logicalAttempt: 0, sentBefore: true })).toBe(true);
  });
});

describe('the projection the clean path writes', () => {
  const before = { workflowId: 'wf', tenantId: 't1', recordType: 'bill', sourceId: 'b1', number: '', version: 1, state: 'queued', failureClass: null, owner: null, actionNeeded: null, retryCount: 0, readiness: [], mappings: [], duplicateCandidates: [], externalRef: null, assignee: 'amina', escalatedTo: null, blockedSince: null, slaDueAt: null, seq: 0 } as SyncStatus;

  it('numbers its events on from what is projected, and keeps what the workflow carried', () => {
    const view = new CleanProjection(before, prepared({ projectedSeq: 7 }), 1, () => '2026-12-02T00:00:00.000Z');
    const syncing = view.syncing('qsh-1').take();
    expect(syncing.status).toMatchObject({ state: 'syncing', number: 'BILL-1', seq: 9, assignee: 'amina' });
    expect(syncing.events.map((e) => [e.seq, e.kind])).toEqual([[8, 'version_received'], [9, 'push']]);
    const retry = view.retrying({ requestId: 'qsh-1', activityAttempt: 1, said: 'HTTP 503', failureClass: 'transient' }, 0).take();
    expect(retry.status).toMatchObject({ state: 'retrying', failureClass: 'transient', owner: 'system', retryCount: 1, seq: 10 });
    const done = view.synced({ externalRef: { entity: 'Bill', qboId: '42' } as SyncStatus['externalRef'] & object, activityAttempt: 2, adopted: false }, 0).resumed(0).take();
    expect(done.status).toMatchObject({ state: 'synced', failureClass: null, owner: null, actionNeeded: null, retryCount: 1, seq: 11 });
    expect(done.events).toEqual([expect.objectContaining({ seq: 11, kind: 'synced', message: 'QuickBooks accepted BILL-1 as Bill 42 after 1 automatic retry.' })]);
    expect(view.resumed(2).take().events).toEqual([expect.objectContaining({ seq: 12, kind: 'dependents_resumed' })]);
  });
});
