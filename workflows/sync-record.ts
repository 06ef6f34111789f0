import {
  ActivityFailure,
  allHandlersFinished,
  patched,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { PreparedSync, PushFailureDetails } from '../activities/qbo.ts';
import { ErrorTypes } from '../domain/errors.ts';
import { isReady, recordAmount, recordTxnDate } from '../domain/readiness.ts';
import type { AwraRecord } from '../domain/records.ts';
import { pushRequestId } from '../domain/request-id.ts';
import { ACTION_TEXT, assertText } from '../domain/text.ts';
import type { ExternalRef, ProjectionFacts, SyncEvent, SyncRecordInput, SyncResult, SyncStatus } from '../domain/sync.ts';
import { FAILURE_CLASS_LABELS, isMasterRecordType, ownerForFailureClass, type FailureClass, type Owner, type SyncState } from '../domain/vocabulary.ts';
import type { QboClassification } from '../qbo/classify.ts';
import { FailureClassAttr, OwnerAttr, RecordNumberAttr, SyncStateAttr } from './search-attributes.ts';
import { connectionRestoredSignal, mappingChangedSignal, reprojectSignal, sourceUpdatedSignal } from './signals.ts';

export { connectionRestoredSignal, mappingChangedSignal, reprojectSignal, sourceUpdatedSignal };

/** Who asks, for the audit trail. */
export interface Actor {
  actor: string;
}
export interface CancelRequest extends Actor {
  reason: string;
}
export interface LinkRequest extends Actor {
  qboId: string;
}
export interface EscalateRequest extends Actor {
  to: string;
  note: string;
}
export interface AssignRequest extends Actor {
  assignee: string;
}

export const stateQuery = defineQuery<SyncStatus>('state');
export const retryUpdate = defineUpdate<SyncStatus, [Actor]>('retry');
export const linkUpdate = defineUpdate<SyncStatus, [LinkRequest]>('link');
export const createAnywayUpdate = defineUpdate<SyncStatus, [Actor]>('createAnyway');
export const escalateUpdate = defineUpdate<SyncStatus, [EscalateRequest]>('escalate');
export const assignUpdate = defineUpdate<SyncStatus, [AssignRequest]>('assign');
export const cancelUpdate = defineUpdate<SyncStatus, [CancelRequest]>('cancel');

const DEFAULT_SLA_SECONDS = 86_400;
const DEFAULT_WAIT_RECHECK_SECONDS = 300;
const MAX_WAIT_RECHECK_MS = 6 * 3600 * 1000;
/** Keep histories replayable and cheap: start afresh (carrying what matters) before they grow large. */
const MAX_HISTORY_EVENTS = 5_000;

type Trigger = 'version' | 'mapping' | 'connection' | 'retry' | 'link' | 'create_anyway' | 'cancel' | 'recheck';

/** What a healing wait checks by itself on its timer; a trigger when the wait is over. */
type Probe = () => Promise<Trigger | undefined>;

function failureOf(err: unknown): { type?: string; message: string; details?: PushFailureDetails } {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    return { type: err.cause.type ?? undefined, message: err.cause.message, details: err.cause.details?.[0] as PushFailureDetails | undefined };
  }
  if (err instanceof ApplicationFailure) return { type: err.type ?? undefined, message: err.message, details: err.details?.[0] as PushFailureDetails | undefined };
  return { message: err instanceof Error ? err.message : String(err) };
}

function formatWait(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function qboSentence(c: QboClassification | undefined): string {
  if (!c) return '';
  return [c.code && `QuickBooks error ${c.code}`, c.message, c.detail, c.element && `(field ${c.element})`].filter(Boolean).join(': ');
}

/**
 * One record's controlled sync to QuickBooks (DESIGN.md §3): validate, check mappings, check duplicate risk, push
 * with a stable requestid, classify, then resolve, retry or escalate. Every state change is projected to Postgres
 * and kept in search attributes, so the console, the API and the Temporal UI tell the same story.
 */
export async function syncRecord(input: SyncRecordInput): Promise<SyncResult> {
  const { workflowId } = workflowInfo();
  const carry = input.carry;
  const status: SyncStatus = {
    workflowId,
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
  let logicalAttempt = carry?.logicalAttempt ?? 0;
  let latestVersion = input.version;
  const triggers = new Set<Trigger>();
  let cancelRequest: CancelRequest | undefined;
  let linkRequest: LinkRequest | undefined;
  let createAnyway = carry?.createAnyway ?? false;
  const pending: SyncEvent[] = [];
  let facts: ProjectionFacts = {};

  const retry = input.retry ?? {};
  const quick = proxyLocalActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 ms', maximumInterval: '30 seconds', nonRetryableErrorTypes: [ErrorTypes.RecordNotFound] },
  });
  const qbo = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    // The worker heartbeats while an activity runs (worker/keep-alive.ts): a dead worker or a task lost in a server
    // restart is retried after this, not after the whole start-to-close timeout.
    heartbeatTimeout: '20 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs ?? 2_000,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs ?? 5 * 60_000,
      maximumAttempts: retry.maximumAttempts ?? 10,
      nonRetryableErrorTypes: [ErrorTypes.QboRejected, ErrorTypes.QboAuthorization, ErrorTypes.NotConnected, ErrorTypes.RecordNotFound],
    },
  });

  const event = (kind: string, message: string, actor = 'system', data?: Record<string, unknown>) => {
    status.seq += 1;
    pending.push({ seq: status.seq, at: new Date().toISOString(), kind, message, actor, ...(data ? { data } : {}) });
  };
  const isTerminal = () => status.state === 'synced' || status.state === 'linked' || status.state === 'cancelled';
  const requireBlocked = (what: string) => {
    if (status.state !== 'blocked') throw new Error(`${what} is only possible while the record is blocked; it is ${status.state.replace('_', ' ')}.`);
  };
  // Every text of a request passes the shared text rule before it is accepted: a NUL in an assignee once wedged
  // every projection write of the record (Postgres cannot store it). Validators add no commands, so no patch.
  const requireActor = (req: Actor) => {
    if (!req?.actor?.trim()) throw new Error('Say who is acting.');
    assertText(req.actor, ACTION_TEXT.actor);
  };

  setHandler(stateQuery, () => status);
  setHandler(sourceUpdatedSignal, ({ version }) => {
    if (version > latestVersion) {
      latestVersion = version;
      triggers.add('version');
    }
  });
  setHandler(mappingChangedSignal, () => {
    triggers.add('mapping');
  });
  setHandler(connectionRestoredSignal, () => {
    triggers.add('connection');
  });
  // Only the reconciler sends it, to histories recorded after it existed: no patch needed.
  setHandler(reprojectSignal, async () => {
    // A new event moves the projection's sequence on, so the write is taken (and the repair shows in the timeline).
    event('reprojected', 'The reconciler found this record shown wrongly in the console; its state was written again.');
    await project();
  });
  setHandler(
    retryUpdate,
    (req) => {
      status.retryCount += 1;
      triggers.add('retry');
      event('retry_requested', `Retry requested by ${req.actor}.`, req.actor);
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireBlocked('A retry');
        if (status.failureClass === 'duplicate_risk') {
          throw new Error('This record may already exist in QuickBooks: choose "link to existing" or "create anyway" instead of retrying.');
        }
      },
    },
  );
  setHandler(
    linkUpdate,
    (req) => {
      linkRequest = req;
      triggers.add('link');
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireBlocked('Linking to an existing QuickBooks entity');
        if (!req.qboId?.trim()) throw new Error('Give the QuickBooks id of the entity to link to.');
        assertText(req.qboId, ACTION_TEXT.qboId);
        if (status.failureClass === 'source_data') throw new Error('Correct the record in AWRA first; it is not ready to sync.');
      },
    },
  );
  setHandler(
    createAnywayUpdate,
    (req) => {
      createAnyway = true;
      triggers.add('create_anyway');
      event('create_anyway', `${req.actor} chose to create the record in QuickBooks despite the duplicate risk.`, req.actor);
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireBlocked('"Create anyway"');
        if (status.failureClass !== 'duplicate_risk') throw new Error('"Create anyway" answers a duplicate risk; this record is not blocked on one.');
      },
    },
  );
  setHandler(
    escalateUpdate,
    async (req) => {
      status.escalatedTo = req.to.trim();
      event('escalated', `Escalated to ${req.to.trim()} by ${req.actor}: ${req.note.trim()}`, req.actor, { to: req.to.trim() });
      await project();
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireBlocked('Escalation');
        if (!req.to?.trim()) throw new Error('Say whom to escalate to.');
        if (!req.note?.trim()) throw new Error('Add a note that says what is needed.');
        assertText(req.to, ACTION_TEXT.to);
        assertText(req.note, ACTION_TEXT.note);
      },
    },
  );
  setHandler(
    assignUpdate,
    async (req) => {
      status.assignee = req.assignee.trim();
      event('assigned', `Assigned to ${req.assignee.trim()} by ${req.actor}.`, req.actor, { assignee: req.assignee.trim() });
      // Ownership changes are visible in the queue at once, not only at the next state change.
      await project();
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        if (isTerminal()) throw new Error(`This record is already ${status.state}; there is nothing to assign.`);
        if (!req.assignee?.trim()) throw new Error('Say who should own it.');
        assertText(req.assignee, ACTION_TEXT.assignee);
      },
    },
  );
  setHandler(
    cancelUpdate,
    (req) => {
      cancelRequest = req;
      triggers.add('cancel');
      return status;
    },
    {
      validator: (req) => {
        requireActor(req);
        if (isTerminal()) throw new Error(`This record is already ${status.state}; there is nothing to cancel.`);
        if (!req.reason?.trim()) throw new Error('Say why the sync is cancelled.');
        assertText(req.reason, ACTION_TEXT.reason);
      },
    },
  );

  let lastBlock: { failureClass: FailureClass | null; blockedSince: string | null; slaDueAt: string | null } | undefined;
  const setState = (state: SyncState, failureClass: FailureClass | null = null, actionNeeded: string | null = null, owner?: Owner) => {
    const wasBlocked = status.state === 'blocked';
    if (wasBlocked) lastBlock = { failureClass: status.failureClass, blockedSince: status.blockedSince, slaDueAt: status.slaDueAt };
    status.state = state;
    status.failureClass = failureClass;
    status.owner = owner ?? (failureClass ? ownerForFailureClass(failureClass) : null);
    status.actionNeeded = actionNeeded;
    if (state === 'blocked' && !wasBlocked && rechecked && lastBlock?.failureClass === failureClass) {
      // Trying again by itself changed nothing: the same block goes on, and so does its SLA clock.
      status.blockedSince = lastBlock.blockedSince;
      status.slaDueAt = lastBlock.slaDueAt;
    } else if (state === 'blocked' && !wasBlocked) {
      const now = Date.now();
      status.blockedSince = new Date(now).toISOString();
      status.slaDueAt = new Date(now + (input.slaSeconds ?? DEFAULT_SLA_SECONDS) * 1000).toISOString();
    } else if (state !== 'blocked') {
      status.blockedSince = null;
      status.slaDueAt = null;
    }
  };

  /**
   * Search attributes follow the projected state: upserted only when it changed since the last upsert, and only
   * when a state is projected (intermediate steps inside one workflow task would only lengthen the history).
   */
  let upserted = '';
  const syncSearchAttributes = () => {
    const values = [status.state, status.failureClass ?? 'none', status.owner ?? 'none', status.number];
    if (values.join('|') === upserted) return;
    upserted = values.join('|');
    upsertSearchAttributes([
      { key: SyncStateAttr, value: status.state },
      { key: FailureClassAttr, value: status.failureClass ?? 'none' },
      { key: OwnerAttr, value: status.owner ?? 'none' },
      ...(status.number ? [{ key: RecordNumberAttr, value: status.number }] : []),
    ]);
  };
  const snapshot = () => ({ status: { ...status, readiness: [...status.readiness], mappings: [...status.mappings], duplicateCandidates: [...status.duplicateCandidates] }, events: pending.splice(0), facts });
  const project = async () => {
    syncSearchAttributes();
    await quick.projectSync(snapshot());
  };

  const block = async (failureClass: FailureClass, actionNeeded: string, message: string, data?: Record<string, unknown>, owner?: Owner) => {
    setState('blocked', failureClass, actionNeeded, owner);
    event('blocked', message, 'system', { failureClass, ...data });
    await project();
  };

  const firstRecheckMs = (input.waitRecheckSeconds ?? DEFAULT_WAIT_RECHECK_SECONDS) * 1000;
  let recheckMs = firstRecheckMs;
  /** The record left its last block by re-checking on its own, not because anything or anyone acted. */
  let rechecked = false;

  /** The SLA escalation: past the tenant's SLA with nobody having acted, the record escalates by itself. */
  const escalateOnSla = async () => {
    const to = 'finance controller';
    status.escalatedTo = to;
    event('sla_escalated', `Nobody acted within the SLA; escalated to the ${to}. ${status.actionNeeded ?? ''}`.trim(), 'system', { to });
    await project();
    await quick.writeAuditEvent({
      tenantId: status.tenantId,
      actor: 'system',
      action: 'sync.escalate.sla',
      target: workflowId,
      detail: { number: status.number, failureClass: status.failureClass, blockedSince: status.blockedSince },
    });
  };
  const slaPending = () => (status.slaDueAt && !status.escalatedTo ? Math.max(0, new Date(status.slaDueAt).getTime() - Date.now()) : undefined);

  /**
   * Waits for something that can unblock the record. Past the tenant's SLA, nobody having acted, the record
   * escalates by itself (a durable timer) and keeps waiting. An automatic wait (`probe` given: a mapping, a
   * dependency, the connection, QuickBooks being reachable) also checks its condition itself on a durable timer —
   * after `waitRecheckSeconds`, then twice as long each time up to 6 hours — so a signal that never came costs a
   * delay, never a stuck record. Nothing is projected while the condition still does not hold.
   */
  const waitForChange = async (wanted: readonly Trigger[], probe?: Probe) => {
    const fired = () => wanted.some((t) => triggers.has(t)) || triggers.has('cancel') || triggers.has('version');
    if (!patched('heal-waits')) {
      if (!fired() && status.slaDueAt && !status.escalatedTo) {
        if (!(await condition(fired, slaPending()!))) await escalateOnSla();
      }
      await condition(fired);
      return;
    }
    for (;;) {
      const sla = fired() ? undefined : slaPending();
      const timeout = Math.min(sla ?? Infinity, probe ? recheckMs : Infinity);
      if (timeout === Infinity) await condition(fired);
      if (timeout === Infinity || (await condition(fired, timeout))) {
        // Something or someone moved the record on: the next automatic wait starts from the first delay again.
        recheckMs = firstRecheckMs;
        rechecked = false;
        return;
      }
      if (sla !== undefined && slaPending() === 0) {
        await escalateOnSla();
        continue;
      }
      if (!probe) continue;
      const wake = await probe();
      const waited = recheckMs;
      // Should the record block again the same way, its next wait is longer: 5 min, 10, 20 … up to 6 h.
      recheckMs = Math.min(recheckMs * 2, MAX_WAIT_RECHECK_MS);
      if (wake) {
        triggers.add(wake);
        rechecked = true;
        event('recheck', wake === 'recheck' ? `Trying again by itself after waiting ${formatWait(waited)}.` : `Checked again by itself after ${formatWait(waited)}: what the record waited for is there; continuing.`);
        return;
      }
    }
  };

  /** The tenant's QuickBooks connection is usable again. */
  const connectionProbe: Probe = async () => {
    const c = await quick.connectionInfo({ tenantId: input.tenantId });
    return c.connected && c.status !== 'needs_reauth' && c.status !== 'revoked' ? 'connection' : undefined;
  };
  /** Every reference the record needs resolves now (a mapping was set, a dependency synced, a stale one fixed). */
  const mappingProbe = (record: AwraRecord): Probe => async () => {
    const again = await quick.checkMappings({ tenantId: input.tenantId, record });
    return again.checks.every((m) => m.ok) ? 'mapping' : undefined;
  };
  /** QuickBooks was unreachable or kept refusing for now: after the pause, try again. */
  const tryAgain: Probe = async () => 'recheck';

  const finish = async (state: 'synced' | 'linked', ref: ExternalRef, record: AwraRecord, message: string, actor = 'system') => {
    status.externalRef = ref;
    setState(state);
    event(state, message, actor, { qboId: ref.qboId, entity: ref.entity });
    const tellDependents = async () => {
      const { resumed } = await qbo.afterSync({ tenantId: status.tenantId, record, externalRef: ref, actor: state === 'linked' ? actor : 'sync' });
      if (resumed > 0) event('dependents_resumed', `${resumed} waiting record(s) were told that ${record.number} is now in QuickBooks.`);
    };
    // A master record's mapping is written before it shows as synced, so "synced" always means "usable as a
    // reference"; an invoice's dependants read its projected state, so it is projected first.
    if (isMasterRecordType(record.recordType)) await tellDependents();
    await project();
    if (record.recordType === 'invoice') {
      await tellDependents();
      if (pending.length > 0) await project();
    }
  };

  let loadedVersion = 0;
  for (;;) {
    if (triggers.has('cancel')) break;
    triggers.delete('version');
    triggers.delete('mapping');
    triggers.delete('connection');
    triggers.delete('retry');
    triggers.delete('recheck');
    // The "create anyway" decision lives in `createAnyway` until the push it allows has run.
    triggers.delete('create_anyway');

    if (workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS)) {
      await project();
      await condition(allHandlersFinished);
      return await continueAsNew<typeof syncRecord>({
        ...input,
        version: latestVersion,
        carry: {
          retryCount: status.retryCount,
          logicalAttempt,
          seq: status.seq,
          createAnyway,
          ...(status.assignee ? { assignee: status.assignee } : {}),
          ...(status.escalatedTo ? { escalatedTo: status.escalatedTo } : {}),
        },
      });
    }

    const version = latestVersion;
    // Steps 1-3 (readiness with the company's settings, mappings, duplicate risk) in one activity, so a clean sync's
    // history stays short; it stops at the first step that blocks.
    setState('validating');
    let prep: PreparedSync;
    try {
      prep = await qbo.prepareSync({
        tenantId: input.tenantId,
        workflowId,
        recordType: input.recordType,
        sourceId: input.sourceId,
        version,
        skipDuplicates: createAnyway || linkRequest !== undefined,
      });
    } catch (err) {
      const f = failureOf(err);
      const cls = f.details?.classification?.class;
      const failureClass: FailureClass = cls && cls !== 'accepted' ? cls : f.type === ErrorTypes.QboAuthorization || f.type === ErrorTypes.NotConnected ? 'authorization' : 'transient';
      await block(
        failureClass,
        failureClass === 'authorization' ? `An admin must reconnect QuickBooks. ${f.message}` : `Checking the record against QuickBooks failed: ${f.message} Retry when QuickBooks answers again.`,
        `Could not prepare the sync: ${f.message}`,
        undefined,
        'admin',
      );
      await waitForChange(['connection', 'retry'], failureClass === 'authorization' ? connectionProbe : tryAgain);
      continue;
    }
    const record = prep.record;
    // An earlier run created or linked this record in QuickBooks: newer versions update that entity.
    if (!status.externalRef && prep.existingRef) status.externalRef = prep.existingRef;
    if (prep.projectedSeq > status.seq) {
      // Renumber what this run has not projected yet, after what earlier runs projected.
      const offset = prep.projectedSeq - status.seq;
      for (const e of pending) e.seq += offset;
      status.seq = prep.projectedSeq;
    }
    if (version !== loadedVersion) {
      status.version = version;
      loadedVersion = version;
      const amount = recordAmount(record);
      facts = { currency: amount?.currency ?? null, amountMinor: amount?.amount ?? null, txnDate: recordTxnDate(record) };
      status.number = record.number;
      event('version_received', `Version ${version} of ${record.number} received from AWRA.`, 'awra', { version });
    }

    if (record.status === 'void') {
      setState('cancelled', null, status.externalRef ? `Void ${status.externalRef.entity} ${status.externalRef.qboId} in QuickBooks as well; AWRA voided ${record.number} after it synced.` : null);
      event(
        'cancelled',
        status.externalRef
          ? `${record.number} was voided in AWRA after it synced as QuickBooks ${status.externalRef.entity} ${status.externalRef.qboId}; it is not changed in QuickBooks.`
          : `${record.number} was voided in AWRA, so it will not be sent to QuickBooks.`,
        'awra',
      );
      await project();
      return { state: status.state, externalRef: status.externalRef, retryCount: status.retryCount };
    }

    // 1. Validate the source record.
    const realm = prep.realm;
    status.readiness = prep.readiness;
    if (!isReady(status.readiness)) {
      const failed = status.readiness.filter((c) => !c.ok);
      await block(
        'source_data',
        `Correct ${record.number} in AWRA: ${failed.map((c) => c.message).join(' ')}`,
        `Not ready: ${failed.map((c) => c.label.toLowerCase()).join(', ')}.`,
        { failed: failed.map((c) => c.id) },
      );
      await waitForChange(['retry']);
      continue;
    }
    if (!realm.connected || !prep.mapping) {
      await block('authorization', 'Connect this tenant to QuickBooks; the record is ready and waits for the connection.', 'Ready, but the tenant has no QuickBooks connection.');
      await waitForChange(['connection', 'retry'], connectionProbe);
      continue;
    }

    // 2. Check required mappings.
    const mapping = prep.mapping;
    status.mappings = mapping.checks;
    const gaps = mapping.checks.filter((m) => !m.ok);
    if (gaps.length > 0) {
      await block(
        'mapping',
        `Map ${gaps.length === 1 ? 'this reference' : `these ${gaps.length} references`} to QuickBooks: ${gaps.map((g) => g.reason).join(' ')}`,
        `Waiting on ${gaps.length} mapping(s): ${gaps.map((g) => `${g.kind} ${g.key}`).join(', ')}.`,
        { gaps: gaps.map((g) => ({ kind: g.kind, key: g.key, problem: g.problem })) },
      );
      // The dependency may have synced between our check and the projection that makes us findable to it (it then
      // found nobody to tell): now that the block is projected, look once more before waiting for a signal.
      if (patched('recheck-mappings-after-block')) {
        const again = await quick.checkMappings({ tenantId: input.tenantId, record });
        if (again.checks.every((m) => m.ok)) continue;
      }
      await waitForChange(['mapping', 'retry'], mappingProbe(record));
      continue;
    }

    // A person linked the record to an entity that already exists: record the reference, create nothing.
    if (linkRequest) {
      const req = linkRequest;
      linkRequest = undefined;
      triggers.delete('link');
      try {
        const ref = await qbo.readEntity({ tenantId: input.tenantId, recordType: input.recordType, qboId: req.qboId.trim() });
        await finish('linked', ref, record, `${req.actor} linked ${record.number} to existing QuickBooks ${ref.entity} ${ref.qboId}; nothing was created.`, req.actor);
        break;
      } catch (err) {
        await block(status.failureClass ?? 'duplicate_risk', `The link did not work: ${failureOf(err).message} Choose another entity.`, `Link to ${req.qboId} failed: ${failureOf(err).message}`);
        await waitForChange(['link', 'create_anyway', 'retry']);
        continue;
      }
    }

    // 3. Duplicate risk before any create.
    const dup = prep.duplicates;
    if (!createAnyway && dup) {
      if (dup.adopt) {
        await finish('synced', dup.adopt, record, `${record.number} was already in QuickBooks from an earlier attempt (${dup.adopt.entity} ${dup.adopt.qboId}); adopted it instead of creating a duplicate.`);
        break;
      }
      status.duplicateCandidates = dup.candidates;
      if (dup.candidates.length > 0) {
        await block(
          'duplicate_risk',
          `QuickBooks may already have this record: ${dup.candidates.map((c) => c.label).join('; ')}. Link it to the existing entity, or create it anyway.`,
          `${dup.candidates.length} possible duplicate(s) found in QuickBooks.`,
          { candidates: dup.candidates.map((c) => c.qboId) },
        );
        await waitForChange(['link', 'create_anyway']);
        continue;
      }
    }

    // 4. Push with a requestid that stays the same across automatic retries of this logical attempt.
    logicalAttempt += 1;
    const requestId = pushRequestId(workflowId, version, logicalAttempt);
    setState('syncing');
    event('push', `Sending ${record.number} to QuickBooks (request ${requestId}).`, 'system', { requestId });
    try {
      const result = await qbo.pushRecord({
        projection: snapshot(),
        tenantId: input.tenantId,
        workflowId,
        record,
        refs: mapping.refs,
        requestId,
        attemptNo: logicalAttempt,
        allowDuplicate: createAnyway,
        ...(status.externalRef ? { updateOf: status.externalRef } : {}),
        homeCurrency: realm.homeCurrency ?? null,
        multicurrency: realm.multicurrency ?? false,
        projectionSeq: status.seq,
        retryCountBefore: status.retryCount,
      });
      status.retryCount += result.activityAttempt - 1;
      const updated = status.externalRef !== null && !result.adopted;
      await finish(
        'synced',
        result.externalRef,
        record,
        updated
          ? `QuickBooks updated ${result.externalRef.entity} ${result.externalRef.qboId} to version ${version} of ${record.number}.`
          : result.adopted
          ? `QuickBooks had already created ${result.externalRef.entity} ${result.externalRef.qboId} for ${record.number} before its answer was lost; adopted it.`
          : `QuickBooks accepted ${record.number} as ${result.externalRef.entity} ${result.externalRef.qboId}${result.activityAttempt > 1 ? ` after ${result.activityAttempt - 1} automatic retr${result.activityAttempt === 2 ? 'y' : 'ies'}` : ''}.`,
      );
      break;
    } catch (err) {
      // 5. Resolve, retry or escalate, by what QuickBooks said.
      const f = failureOf(err);
      const c = f.details?.classification;
      status.retryCount += Math.max(0, (f.details?.activityAttempt ?? 1) - 1);
      const said = qboSentence(c) || f.message;
      const cls: FailureClass = c && c.class !== 'accepted' ? c.class : f.type === ErrorTypes.NotConnected ? 'authorization' : 'transient';
      switch (cls) {
        case 'authorization':
          await block('authorization', `An admin must reconnect QuickBooks (${said}); the record continues by itself afterwards.`, `QuickBooks refused the credentials: ${said}`);
          await waitForChange(['connection', 'retry'], connectionProbe);
          break;
        case 'duplicate_risk': {
          const dup = await qbo.findDuplicates({ tenantId: input.tenantId, workflowId, record }).catch(() => ({ adopt: null, candidates: [] as SyncStatus['duplicateCandidates'] }));
          status.duplicateCandidates = dup.candidates;
          createAnyway = false;
          await block('duplicate_risk', `QuickBooks says this already exists (${said}). Link it to the existing entity, or create it anyway.`, `QuickBooks reported a duplicate: ${said}`);
          await waitForChange(['link', 'create_anyway']);
          break;
        }
        case 'mapping': {
          // The refused references are marked stale by now: name them as gaps, so fixing one finds this record
          // like any other record waiting on a mapping.
          let gaps: SyncStatus['mappings'] = [];
          if (patched('refused-reference-gaps')) {
            status.mappings = (await quick.checkMappings({ tenantId: input.tenantId, record })).checks;
            gaps = status.mappings.filter((m) => !m.ok);
          }
          await block(
            'mapping',
            `QuickBooks refused a reference (${said}). ${gaps.length ? `Fix the mapping: ${gaps.map((g) => g.reason).join(' ')} ` : 'Fix the mapping, '}then the record continues by itself.`,
            `QuickBooks refused a reference: ${said}`,
            gaps.length ? { gaps: gaps.map((g) => ({ kind: g.kind, key: g.key, problem: g.problem })) } : undefined,
          );
          await waitForChange(['mapping', 'retry'], gaps.length ? mappingProbe(record) : undefined);
          break;
        }
        case 'source_data':
        case 'provider_rejection':
          await block(cls, `QuickBooks rejected ${record.number}: ${said}. Correct it in AWRA (a new version resumes it) or retry after fixing the cause.`, `Rejected by QuickBooks: ${said}`);
          await waitForChange(['retry']);
          break;
        default:
          await block(
            cls,
            `QuickBooks kept failing after ${f.details?.activityAttempt ?? 1} attempt(s) (${said}). ${FAILURE_CLASS_LABELS[cls]}; retry when QuickBooks is reachable again.`,
            `Automatic retries ran out: ${said}`,
            undefined,
            'admin',
          );
          await waitForChange(['retry', 'connection'], tryAgain);
      }
    }
  }

  if (cancelRequest && !isTerminal()) {
    setState('cancelled');
    event('cancelled', `Cancelled by ${cancelRequest.actor}: ${cancelRequest.reason}`, cancelRequest.actor);
    await project();
  }
  log.debug('sync finished', { state: status.state, retryCount: status.retryCount });
  return { state: status.state, externalRef: status.externalRef, retryCount: status.retryCount };
}
