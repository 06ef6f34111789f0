import { condition, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { NotifyAbout } from '../../domain/notifications.ts';
import type { AwraRecord } from '../../domain/records.ts';
import type { ExternalRef, ProjectionFacts, SyncEvent, SyncStatus } from '../../domain/sync.ts';
import { isMasterRecordType, isTerminalState, ownerForFailureClass, type FailureClass, type Owner, type SyncState } from '../../domain/vocabulary.ts';
import { FailureClassAttr, OwnerAttr, RecordNumberAttr, SyncStateAttr } from '../search-attributes.ts';
import { syncActivities, type SyncActivities } from './activities.ts';
import type { CancelRequest, LinkRequest } from './messages.ts';
import { EVENTS, formatWait } from './texts.ts';
import type { DriftDecision, PreparedSync, SyncRecordInput } from './types.ts';

const DEFAULT_SLA_SECONDS = 86_400;
const DEFAULT_WAIT_RECHECK_SECONDS = 300;
const MAX_WAIT_RECHECK_MS = 6 * 3600 * 1000;

export type Trigger = 'version' | 'mapping' | 'connection' | 'retry' | 'link' | 'create_anyway' | 'cancel' | 'recheck' | 'decision';

/** What a healing wait checks by itself on its timer; a trigger when the wait is over. */
export type Probe = () => Promise<Trigger | undefined>;

/**
 * One record's sync as the workflow holds it: the live status (what the state query answers and the projection
 * stores), the timeline events not yet projected, what people and signals asked for, and the moves every step of
 * the flow shares — set a state, block, wait for what can unblock, finish. The workflow is the only writer of the
 * record's projection; every write goes through `project`.
 */
export class RecordSync {
  readonly workflowId = workflowInfo().workflowId;
  readonly status: SyncStatus;
  readonly act: SyncActivities;
  readonly triggers = new Set<Trigger>();
  facts: ProjectionFacts = {};
  logicalAttempt: number;
  latestVersion: number;
  loadedVersion = 0;
  createAnyway: boolean;
  cancelRequest: CancelRequest | undefined;
  linkRequest: LinkRequest | undefined;
  /** A person's decision on the record's QuickBooks entity having changed there since the sync, until carried out. */
  driftDecision: DriftDecision | undefined;
  /** "Push AWRA's version again" was chosen: the next push replaces what QuickBooks holds. */
  overwrite = false;
  /** The AWRA version a push held back because QuickBooks' entity changed there, while it waits for the decision. */
  heldVersion: number | undefined;
  /** The logical attempt of the push in flight, while one is: what a "retrying" report must name to be taken. */
  pushing: { attemptNo: number; retryBase: number } | undefined;
  /**
   * The version QuickBooks accepted in this run: a credit note whose application to invoices failed after its
   * CreditMemo was accepted retries only the application, instead of sending the CreditMemo again.
   */
  acceptedVersion: number | undefined;

  private readonly pending: SyncEvent[] = [];
  private lastBlock: { failureClass: FailureClass | null; blockedSince: string | null; slaDueAt: string | null } | undefined;
  private upserted = '';
  private readonly firstRecheckMs: number;
  private recheckMs: number;
  /** The record left its last block by re-checking on its own, not because anything or anyone acted. */
  private rechecked = false;
  /**
   * How far the SLA escalated the record by itself: 0 not yet, 1 to the tenant's level-1 contact, 2 to level 2 (or a
   * person escalated it by hand, which ends the automatic escalation).
   */
  private slaLevel: number;

  constructor(readonly input: SyncRecordInput) {
    const carry = input.carry;
    this.status = {
      workflowId: this.workflowId,
      tenantId: input.tenantId,
      recordType: input.recordType,
      sourceId: input.sourceId,
      number: '',
      version: input.version,
      state: 'queued',
      failureClass: null,
      owner: null,
      actionNeeded: null,
      retryCount: carry?.retryCount ?? 0,
      readiness: [],
      mappings: [],
      duplicateCandidates: [],
      externalRef: null,
      assignee: carry?.assignee ?? null,
      escalatedTo: carry?.escalatedTo ?? null,
      blockedSince: null,
      slaDueAt: null,
      seq: carry?.seq ?? 0,
    };
    this.logicalAttempt = carry?.logicalAttempt ?? 0;
    this.slaLevel = carry?.slaLevel ?? 0;
    this.latestVersion = input.version;
    this.createAnyway = carry?.createAnyway ?? false;
    this.driftDecision = input.driftDecision;
    this.act = syncActivities(input.retry);
    this.firstRecheckMs = (input.waitRecheckSeconds ?? DEFAULT_WAIT_RECHECK_SECONDS) * 1000;
    this.recheckMs = this.firstRecheckMs;
  }

  isTerminal(): boolean {
    return isTerminalState(this.status.state);
  }

  event(kind: string, message: string, actor = 'system', data?: Record<string, unknown>): void {
    this.status.seq += 1;
    this.pending.push({ seq: this.status.seq, at: new Date().toISOString(), kind, message, actor, ...(data ? { data } : {}) });
  }

  /** A new run of the record continues the projection's change counter: renumber what this run has not projected. */
  continueSeqFrom(projectedSeq: number): void {
    if (projectedSeq <= this.status.seq) return;
    const offset = projectedSeq - this.status.seq;
    for (const e of this.pending) e.seq += offset;
    this.status.seq = projectedSeq;
  }

  setState(state: SyncState, failureClass: FailureClass | null = null, actionNeeded: string | null = null, owner?: Owner): void {
    const status = this.status;
    const wasBlocked = status.state === 'blocked';
    if (wasBlocked) this.lastBlock = { failureClass: status.failureClass, blockedSince: status.blockedSince, slaDueAt: status.slaDueAt };
    status.state = state;
    status.failureClass = failureClass;
    status.owner = owner ?? (failureClass ? ownerForFailureClass(failureClass) : null);
    status.actionNeeded = actionNeeded;
    if (state === 'blocked' && !wasBlocked && this.rechecked && this.lastBlock?.failureClass === failureClass) {
      // Trying again by itself changed nothing: the same block goes on, and so does its SLA clock.
      status.blockedSince = this.lastBlock.blockedSince;
      status.slaDueAt = this.lastBlock.slaDueAt;
    } else if (state === 'blocked' && !wasBlocked) {
      const now = Date.now();
      status.blockedSince = new Date(now).toISOString();
      status.slaDueAt = new Date(now + (this.input.slaSeconds ?? DEFAULT_SLA_SECONDS) * 1000).toISOString();
    } else if (state !== 'blocked') {
      status.blockedSince = null;
      status.slaDueAt = null;
    }
  }

  /**
   * Search attributes follow the projected state: upserted only when it changed since the last upsert, and only
   * when a state is projected (intermediate steps inside one workflow task would only lengthen the history).
   */
  private syncSearchAttributes(): void {
    const status = this.status;
    const values = [status.state, status.failureClass ?? 'none', status.owner ?? 'none', status.number];
    if (values.join('|') === this.upserted) return;
    this.upserted = values.join('|');
    upsertSearchAttributes([
      { key: SyncStateAttr, value: status.state },
      { key: FailureClassAttr, value: status.failureClass ?? 'none' },
      { key: OwnerAttr, value: status.owner ?? 'none' },
      ...(status.number ? [{ key: RecordNumberAttr, value: status.number }] : []),
    ]);
  }

  snapshot() {
    const status = this.status;
    return {
      status: { ...status, readiness: [...status.readiness], mappings: [...status.mappings], duplicateCandidates: [...status.duplicateCandidates] },
      events: this.pending.splice(0),
      facts: this.facts,
    };
  }

  hasUnprojectedEvents(): boolean {
    return this.pending.length > 0;
  }

  /** Writes the state and the new timeline events to Postgres, and the search attributes to Temporal. */
  async project(): Promise<void> {
    this.syncSearchAttributes();
    await this.act.quick.projectSync(this.snapshot());
  }

  async block(failureClass: FailureClass, actionNeeded: string, message: string, data?: Record<string, unknown>, owner?: Owner): Promise<void> {
    this.setState('blocked', failureClass, actionNeeded, owner);
    this.event('blocked', message, 'system', { failureClass, ...data });
    await this.project();
  }

  /** Where the SLA ladder stands, for continue-as-new. */
  get slaLevelReached(): number {
    return this.slaLevel;
  }

  /** A person escalated the record: the SLA escalates it no further by itself. */
  endSlaLadder(): void {
    this.slaLevel = 2;
  }

  /**
   * Asks for a message to people about this record (activities/notify.ts); answers the contact it goes to. Asking
   * never blocks the record: when it fails, the timeline says so and the record goes on.
   */
  async tell(about: NotifyAbout): Promise<string | undefined> {
    try {
      return (await this.act.notify.requestNotification({ tenantId: this.input.tenantId, about })).contact;
    } catch (err) {
      this.event('notify_failed', EVENTS.notifyFailed(about.trigger, (err as Error).message));
      await this.project();
      return undefined;
    }
  }

  /**
   * The SLA escalation: past the tenant's SLA with nobody having acted, the record escalates by itself to the
   * tenant's level-1 contact, and if it is still open a second SLA period later, to level 2 — each told with the
   * evidence. Histories from before the ladder escalated once, to the fixed "finance controller".
   */
  private async escalateOnSla(): Promise<void> {
    const status = this.status;
    const ladder = this.slaLevel > 0 || patched('sla-levels');
    const level = ladder ? this.slaLevel + 1 : 1;
    let to = level === 1 ? 'finance controller' : 'finance director';
    if (ladder) {
      this.slaLevel = level;
      to = (await this.tell({ trigger: 'escalation', workflowId: this.workflowId, level: level as 1 | 2, blockedSince: status.blockedSince ?? '' })) || to;
    }
    status.escalatedTo = to;
    this.event(
      'sla_escalated',
      ladder ? EVENTS.slaEscalated(level, to, status.actionNeeded) : `Nobody acted within the SLA; escalated to the ${to}. ${status.actionNeeded ?? ''}`.trim(),
      'system',
      ladder ? { to, level } : { to },
    );
    await this.project();
    await this.act.quick.writeAuditEvent({
      tenantId: status.tenantId,
      actor: 'system',
      action: 'sync.escalate.sla',
      target: this.workflowId,
      detail: { number: status.number, failureClass: status.failureClass, blockedSince: status.blockedSince, ...(ladder ? { level, to } : {}) },
    });
  }

  /** Milliseconds until the SLA escalates the record (again), or undefined when it will not. */
  private slaPending(): number | undefined {
    const status = this.status;
    if (!status.slaDueAt) return undefined;
    const due = new Date(status.slaDueAt).getTime();
    if (!status.escalatedTo) return Math.max(0, due - Date.now());
    // Escalated to level 1 by the SLA and still open a second SLA period later: level 2.
    if (this.slaLevel === 1) return Math.max(0, due + (this.input.slaSeconds ?? DEFAULT_SLA_SECONDS) * 1000 - Date.now());
    return undefined;
  }

  /**
   * Waits for something that can unblock the record. Past the tenant's SLA, nobody having acted, the record
   * escalates by itself (a durable timer) and keeps waiting. An automatic wait (`probe` given: a mapping, a
   * dependency, the connection, QuickBooks being reachable) also checks its condition itself on a durable timer —
   * after `waitRecheckSeconds`, then twice as long each time up to 6 hours — so a signal that never came costs a
   * delay, never a stuck record. Nothing is projected while the condition still does not hold.
   */
  async waitForChange(wanted: readonly Trigger[], probe?: Probe): Promise<void> {
    const triggers = this.triggers;
    const fired = () => wanted.some((t) => triggers.has(t)) || triggers.has('cancel') || triggers.has('version');
    if (!patched('heal-waits')) {
      if (!fired() && this.status.slaDueAt && !this.status.escalatedTo) {
        if (!(await condition(fired, this.slaPending()!))) await this.escalateOnSla();
      }
      await condition(fired);
      return;
    }
    for (;;) {
      const sla = fired() ? undefined : this.slaPending();
      const timeout = Math.min(sla ?? Infinity, probe ? this.recheckMs : Infinity);
      if (timeout === Infinity) await condition(fired);
      if (timeout === Infinity || (await condition(fired, timeout))) {
        // Something or someone moved the record on: the next automatic wait starts from the first delay again.
        this.recheckMs = this.firstRecheckMs;
        this.rechecked = false;
        return;
      }
      if (sla !== undefined && this.slaPending() === 0) {
        await this.escalateOnSla();
        continue;
      }
      if (!probe) continue;
      const wake = await probe();
      const waited = this.recheckMs;
      // Should the record block again the same way, its next wait is longer: 5 min, 10, 20 … up to 6 h.
      this.recheckMs = Math.min(this.recheckMs * 2, MAX_WAIT_RECHECK_MS);
      if (wake) {
        triggers.add(wake);
        this.rechecked = true;
        this.event('recheck', wake === 'recheck' ? `Trying again by itself after waiting ${formatWait(waited)}.` : `Checked again by itself after ${formatWait(waited)}: what the record waited for is there; continuing.`);
        return;
      }
    }
  }

  /** The tenant's QuickBooks connection is usable again. */
  readonly connectionProbe: Probe = async () => {
    const c = await this.act.quick.connectionInfo({ tenantId: this.input.tenantId });
    return c.connected && c.status !== 'needs_reauth' && c.status !== 'revoked' ? 'connection' : undefined;
  };

  /** Every reference the record needs resolves now (a mapping was set, a dependency synced, a stale one fixed). */
  mappingProbe(record: AwraRecord): Probe {
    return async () => {
      const again = await this.act.quick.checkMappings({ tenantId: this.input.tenantId, record });
      return again.checks.every((m) => m.ok) ? 'mapping' : undefined;
    };
  }

  /** QuickBooks was unreachable or kept refusing for now: after the pause, try again. */
  readonly tryAgain: Probe = async () => 'recheck';

  /**
   * The clean path's activity synced the record and projected it on the workflow's behalf (sync-record/clean.ts):
   * take the status it wrote, and show it in the search attributes.
   */
  tookCleanPath(projected: SyncStatus, version: number, attemptNo: number): void {
    Object.assign(this.status, projected);
    this.loadedVersion = version;
    this.logicalAttempt = attemptNo;
    this.syncSearchAttributes();
  }

  /** The record is in QuickBooks: its reference, its final state, and the records waiting on it are told. */
  async finish(state: 'synced' | 'linked', ref: ExternalRef, record: AwraRecord, message: string, actor = 'system'): Promise<void> {
    this.status.externalRef = ref;
    this.setState(state);
    this.event(state, message, actor, { qboId: ref.qboId, entity: ref.entity });
    const tellDependents = async () => {
      const { resumed } = await this.act.qbo.afterSync({ tenantId: this.status.tenantId, record, externalRef: ref, actor: state === 'linked' ? actor : 'sync' });
      if (resumed > 0) this.event('dependents_resumed', EVENTS.dependentsResumed(resumed, record.number));
    };
    // A master record's mapping is written before it shows as synced, so "synced" always means "usable as a
    // reference"; the dependants of an invoice, bill or purchase order read its projected state, so it is projected
    // first. Bills (a bill payment's) and purchase orders (a bill's) have dependants since bill payments and PO links.
    if (isMasterRecordType(record.recordType)) await tellDependents();
    await this.project();
    const txn = record.recordType === 'invoice' || ((record.recordType === 'bill' || record.recordType === 'purchase_order') && patched('bill-and-po-dependents'));
    if (txn) {
      await tellDependents();
      if (this.hasUnprojectedEvents()) await this.project();
    }
  }
}

/** What every write of the record to QuickBooks sends its activity: whose, which logical attempt, the references, the company. */
export function writeInput(sync: RecordSync, prep: PreparedSync, requestId: string) {
  return {
    tenantId: sync.input.tenantId,
    workflowId: sync.workflowId,
    record: prep.record,
    refs: prep.mapping!.refs,
    requestId,
    attemptNo: sync.logicalAttempt,
    homeCurrency: prep.realm.homeCurrency ?? null,
    multicurrency: prep.realm.multicurrency ?? false,
  };
}
