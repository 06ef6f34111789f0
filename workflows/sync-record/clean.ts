import { creditApplications } from '../../domain/credit-application.ts';
import { isReady, recordAmount, recordTxnDate } from '../../domain/readiness.ts';
import type { ProjectionFacts, SyncEvent, SyncStatus } from '../../domain/sync.ts';
import { acceptedSentence, EVENTS } from './texts.ts';
import type { PreparedSync, PushResult } from './types.ts';

/**
 * The clean path of a record's sync (DESIGN.md §3 when nothing blocks): a run started by this code sends a new
 * record's first pass — prepare, duplicate lookup, push, projection, telling its dependants — through one activity
 * (activities/clean-sync.ts), so a clean sync costs Temporal one activity instead of four round trips. Everything
 * that is not plainly clean (a block, an update of an entity already in QuickBooks, a look-alike, drift, a credit
 * to apply, a void) goes back to the workflow's steps with what was prepared. Pure: the activity builds the record's
 * projection with these, and the workflow takes the status it wrote.
 */

/** Whether what `prepareSync` found lets the record go to QuickBooks without a person or another step. */
export function cleanToPush(prep: PreparedSync, o: { logicalAttempt: number; sentBefore: boolean }): boolean {
  const r = prep.record;
  if (r.status === 'void' || prep.existingRef || prep.existingDrift) return false;
  if (!isReady(prep.readiness) || !prep.realm.connected || !prep.mapping?.checks.every((m) => m.ok)) return false;
  // A credit note applied to invoices has a step of its own after the CreditMemo (sync-record/credit.ts).
  if (r.recordType === 'credit_note' && creditApplications(r).length > 0) return false;
  // Attempts this run does not know of (an earlier run's, beyond what it carried) number its attempts: the steps do.
  if ((prep.lastAttemptNo ?? 0) > o.logicalAttempt + (o.sentBefore ? 1 : 0)) return false;
  // A retry after something was sent: the push itself looks for a lost create before it sends again.
  if (o.sentBefore) return true;
  return !!prep.duplicates && !prep.duplicates.adopt && prep.duplicates.candidates.length === 0;
}

/** The record's projection as the clean path moves it on: each step one write, its events numbered on. */
export class CleanProjection {
  readonly status: SyncStatus;
  readonly facts: ProjectionFacts;
  private events: SyncEvent[] = [];

  constructor(before: SyncStatus, prep: PreparedSync, version: number, now: () => string) {
    const r = prep.record;
    const amount = recordAmount(r);
    this.now = now;
    this.facts = { currency: amount?.currency ?? null, amountMinor: amount?.amount ?? null, txnDate: recordTxnDate(r) };
    this.status = {
      ...before,
      number: r.number,
      version,
      readiness: prep.readiness,
      mappings: prep.mapping?.checks ?? [],
      duplicateCandidates: [],
      seq: Math.max(before.seq, prep.projectedSeq),
    };
  }

  private readonly now: () => string;

  /** What the projection holds now: the seq a compare-and-set write expects to find. */
  get seq(): number {
    return this.status.seq;
  }

  private event(kind: string, message: string, data?: Record<string, unknown>): void {
    this.status.seq += 1;
    this.events.push({ seq: this.status.seq, at: this.now(), kind, message, actor: 'system', ...(data ? { data } : {}) });
  }

  /** Version received, and sent with its requestid: the record shows "syncing" while it waits for the realm's budget. */
  syncing(requestId: string): this {
    this.event('version_received', EVENTS.versionReceived(this.status.version, this.status.number), { version: this.status.version });
    this.setState('syncing');
    this.event('push', EVENTS.push(this.status.number, requestId), { requestId });
    return this;
  }

  /** QuickBooks' answer will be retried by Temporal with the same requestid. */
  retrying(p: { requestId: string; activityAttempt: number; said: string; failureClass: SyncStatus['failureClass'] }, retryBase: number): this {
    this.status.retryCount = retryBase + p.activityAttempt;
    this.setState('retrying', p.failureClass, EVENTS.retryingAction(p.said, p.requestId));
    this.event('retrying', EVENTS.retrying(p.activityAttempt, p.requestId, p.said), { requestId: p.requestId, activityAttempt: p.activityAttempt, failureClass: p.failureClass });
    return this;
  }

  /** In QuickBooks: the reference and "synced". */
  synced(result: PushResult, retryBase: number): this {
    const ref = result.externalRef;
    this.status.retryCount = retryBase + result.activityAttempt - 1;
    this.status.externalRef = ref;
    this.setState('synced');
    const message = acceptedSentence({ number: this.status.number, version: this.status.version, entity: ref.entity, qboId: ref.qboId, updated: false, adopted: result.adopted, activityAttempt: result.activityAttempt });
    this.event('synced', message, { qboId: ref.qboId, entity: ref.entity });
    return this;
  }

  /** Records waiting on this one were told. */
  resumed(n: number): this {
    if (n > 0) this.event('dependents_resumed', EVENTS.dependentsResumed(n, this.status.number));
    return this;
  }

  private setState(state: SyncStatus['state'], failureClass: SyncStatus['failureClass'] = null, actionNeeded: string | null = null): void {
    Object.assign(this.status, { state, failureClass, owner: failureClass ? 'system' : null, actionNeeded, blockedSince: null, slaDueAt: null });
  }

  /** The write to make: the status, and the events since the last write. */
  take(): { status: SyncStatus; events: SyncEvent[]; facts: ProjectionFacts } {
    return { status: { ...this.status }, events: this.events.splice(0), facts: this.facts };
  }
}
