import { patched } from '@temporalio/workflow';
import { keepApplication } from '../../domain/credit-application.ts';
import { tellsRootCause } from '../../domain/notifications.ts';
import { isReady, recordAmount, recordTxnDate } from '../../domain/readiness.ts';
import type { AwraRecord } from '../../domain/records.ts';
import { pushRequestId } from '../../domain/request-id.ts';
import type { ExternalRef, MappingCheck, SyncStatus } from '../../domain/sync.ts';
import { voidOperationFor, voidSteps } from '../../domain/voids.ts';
import { appliesCredit, applyCredit, onlyApplicationLeft, voidApplication } from './credit.ts';
import { readFailure } from './failure.ts';
import { holdForReview, recreates } from './drift.ts';
import { writeInput, type RecordSync } from './state.ts';
import { acceptedSentence, BLOCKS, EVENTS, qboSentence } from './texts.ts';
import type { CleanSyncResult, PreparedSync } from './types.ts';

/** A push the clean path's activity made, for the push step to take as its own. */
export type CleanPush = Extract<CleanSyncResult, { outcome: 'pushed' }>;

/**
 * The steps of one pass through a record's sync (DESIGN.md §3), in order. Each returns whether the pass goes on
 * (`next`), starts again after a wait (`again`), or the sync is over (`done`).
 */
export type Verdict = 'next' | 'again' | 'done';

/** Steps 1-3 (readiness with the company's settings, mappings, duplicate risk) in one activity, so a clean sync's
 * history stays short; it stops at the first step that blocks. */
export async function prepare(sync: RecordSync, version: number, o: { afterPush?: boolean } = {}): Promise<PreparedSync | undefined> {
  const { input } = sync;
  sync.setState('validating');
  try {
    return await sync.act.qbo.prepareSync({
      tenantId: input.tenantId,
      workflowId: sync.workflowId,
      recordType: input.recordType,
      sourceId: input.sourceId,
      version,
      // After the clean path's push (sync-record/clean-pass.ts) only the record and the projection are wanted.
      skipDuplicates: sync.createAnyway || sync.linkRequest !== undefined || o.afterPush === true,
    });
  } catch (err) {
    const f = readFailure(err);
    const authorization = f.failureClass === 'authorization';
    const t = BLOCKS.prepareFailed(f.message, authorization);
    await sync.block(f.failureClass, t.action, t.event, undefined, 'admin');
    await sync.waitForChange(['connection', 'retry'], authorization ? sync.connectionProbe : sync.tryAgain);
    return undefined;
  }
}

/** What this pass loaded: the reference an earlier run made, the projection's counter, a new version's facts. */
export function takeVersion(sync: RecordSync, prep: PreparedSync, version: number, o: { received?: 'shown' } = {}): void {
  const { status } = sync;
  const record = prep.record;
  // An earlier run created or linked this record in QuickBooks: newer versions update that entity.
  if (!status.externalRef && prep.existingRef) status.externalRef = prep.existingRef;
  // What the reference refresh found changed there since (histories from before drift never carry it).
  if (status.drift === undefined && prep.existingDrift !== undefined) status.drift = prep.existingDrift;
  sync.continueSeqFrom(prep.projectedSeq);
  // An earlier run's attempts are evidence already: this run's requestids and attempt numbers follow on.
  if ((prep.lastAttemptNo ?? 0) > sync.logicalAttempt) sync.logicalAttempt = prep.lastAttemptNo!;
  if (version === sync.loadedVersion) return;
  // A run started only to carry out a decision on drift received no new version.
  const decisionRun = sync.input.driftDecision !== undefined && sync.loadedVersion === 0;
  status.version = version;
  sync.loadedVersion = version;
  const amount = recordAmount(record);
  sync.facts = { currency: amount?.currency ?? null, amountMinor: amount?.amount ?? null, txnDate: recordTxnDate(record) };
  status.number = record.number;
  // The clean path's activity showed it already.
  if (!decisionRun && o.received !== 'shown') sync.event('version_received', EVENTS.versionReceived(version, record.number), 'awra', { version });
}

/**
 * AWRA voided the record. One that never synced is cancelled; one that did is voided, deleted or closed in QuickBooks
 * to match (domain/voids.ts) — histories from before that change only said so.
 */
export async function voided(sync: RecordSync, record: AwraRecord, version: number): Promise<Verdict> {
  const ref = sync.status.externalRef;
  const operation = voidOperationFor(record.recordType);
  if (ref && !ref.voided && operation && patched('propagate-voids')) return propagateVoid(sync, record, ref, version);
  sync.setState('cancelled', null, ref && !ref.voided ? EVENTS.voidAction(ref, record.number) : null);
  sync.event('cancelled', ref?.voided ? EVENTS.voidedInQuickBooks(record.number, ref) : EVENTS.voided(record.number, ref), 'awra');
  await sync.project();
  return 'done';
}

async function propagateVoid(sync: RecordSync, record: AwraRecord, voiding: ExternalRef, version: number): Promise<Verdict> {
  // An applied credit note's application Payment is voided first (domain/voids.ts); no earlier history has one.
  const ref = voidSteps(voiding).includes('application') ? await voidApplication(sync, record, voiding, version) : voiding;
  if (!ref) return 'again';
  const { input, workflowId } = sync;
  sync.logicalAttempt += 1;
  const requestId = pushRequestId(workflowId, version, sync.logicalAttempt);
  sync.setState('syncing');
  sync.event('void_push', EVENTS.voidPush(record.number, ref, requestId), 'system', { requestId });
  await sync.project();
  try {
    const done = await sync.act.qbo.voidRecord({ tenantId: input.tenantId, workflowId, recordType: record.recordType, number: record.number, externalRef: ref, requestId, attemptNo: sync.logicalAttempt });
    sync.status.externalRef = done.externalRef;
    sync.setState('cancelled');
    sync.event('cancelled', EVENTS.voidedInQuickBooks(record.number, done.externalRef, done.alreadyGone), 'awra', { qboId: ref.qboId, entity: ref.entity, operation: done.externalRef.voided });
    await sync.project();
    return 'done';
  } catch (err) {
    const f = readFailure(err);
    const said = qboSentence(f.details?.classification) || f.message;
    const t = BLOCKS.voidRefused(record.number, ref, said, f.details?.closingDate);
    await sync.block(f.failureClass, t.action, t.event, { requestId });
    await sync.waitForChange(['retry', 'connection'], f.failureClass === 'authorization' ? sync.connectionProbe : f.details?.classification?.retryable ? sync.tryAgain : undefined);
    return 'again';
  }
}

/** 1. The source record is ready, and the tenant is connected. */
export async function checkReady(sync: RecordSync, prep: PreparedSync): Promise<Verdict> {
  const record = prep.record;
  sync.status.readiness = prep.readiness;
  if (!isReady(prep.readiness)) {
    const failed = prep.readiness.filter((c) => !c.ok);
    const t = BLOCKS.notReady(record.number, failed);
    await sync.block('source_data', t.action, t.event, { failed: failed.map((c) => c.id) });
    await sync.waitForChange(['retry']);
    return 'again';
  }
  if (!prep.realm.connected || !prep.mapping) {
    const t = BLOCKS.notConnected();
    await sync.block('authorization', t.action, t.event);
    await sync.waitForChange(['connection', 'retry'], sync.connectionProbe);
    return 'again';
  }
  return 'next';
}

/** 2. Every reference the payload needs is mapped. */
export async function checkMappings(sync: RecordSync, prep: PreparedSync): Promise<Verdict> {
  const mapping = prep.mapping!;
  sync.status.mappings = mapping.checks;
  const gaps = mapping.checks.filter((m) => !m.ok);
  if (gaps.length === 0) return 'next';
  const t = BLOCKS.mappingGaps(gaps);
  await sync.block('mapping', t.action, t.event, { gaps: gaps.map((g) => ({ kind: g.kind, key: g.key, problem: g.problem })) });
  // The dependency may have synced between our check and the projection that makes us findable to it (it then
  // found nobody to tell): now that the block is projected, look once more before waiting for a signal.
  if (patched('recheck-mappings-after-block')) {
    const again = await sync.act.quick.checkMappings({ tenantId: sync.input.tenantId, record: prep.record });
    if (again.checks.every((m) => m.ok)) return 'again';
  }
  if (patched('notify-blocks')) await tellRootCauses(sync, gaps);
  await sync.waitForChange(['mapping', 'retry'], sync.mappingProbe(prep.record));
  return 'again';
}

/**
 * Each mapping gap is a root cause the tenant's admins hear of once, however many records it holds
 * (domain/notifications.ts): every record blocked on it asks, and the asks after the first join its message. A
 * reference still on its way is not one (`tellsRootCause`).
 */
async function tellRootCauses(sync: RecordSync, gaps: readonly MappingCheck[]): Promise<void> {
  for (const g of gaps.filter((gap) => tellsRootCause(gap.problem))) {
    await sync.tell({ trigger: 'root_cause', workflowId: sync.workflowId, cause: { refKind: g.kind, refKey: g.key, problem: g.problem ?? 'missing' } });
  }
}

/** A person linked the record to an entity that already exists: record the reference, create nothing. */
export async function link(sync: RecordSync, record: AwraRecord): Promise<Verdict> {
  const req = sync.linkRequest;
  if (!req) return 'next';
  sync.linkRequest = undefined;
  sync.triggers.delete('link');
  try {
    const ref = await sync.act.qbo.readEntity({ tenantId: sync.input.tenantId, recordType: sync.input.recordType, qboId: req.qboId.trim() });
    await sync.finish('linked', ref, record, EVENTS.linked(req.actor, record.number, ref), req.actor);
    return 'done';
  } catch (err) {
    const { message } = readFailure(err);
    const t = BLOCKS.linkFailed(req.qboId, message);
    await sync.block(sync.status.failureClass ?? 'duplicate_risk', t.action, t.event);
    await sync.waitForChange(['link', 'create_anyway', 'retry']);
    return 'again';
  }
}

/** 3. Duplicate risk before any create: adopt our own lost create, or let a person decide on a look-alike. */
export async function checkDuplicates(sync: RecordSync, prep: PreparedSync): Promise<Verdict> {
  const dup = prep.duplicates;
  if (sync.createAnyway || !dup) return 'next';
  const record = prep.record;
  if (dup.adopt) {
    if (appliesCredit(record, dup.adopt)) return applyCredit(sync, prep, record.version, dup.adopt, EVENTS.adoptedBeforeCreate(record.number, dup.adopt));
    await sync.finish('synced', dup.adopt, record, EVENTS.adoptedBeforeCreate(record.number, dup.adopt));
    return 'done';
  }
  sync.status.duplicateCandidates = dup.candidates;
  if (dup.candidates.length === 0) return 'next';
  const t = BLOCKS.possibleDuplicates(dup.candidates);
  await sync.block('duplicate_risk', t.action, t.event, { candidates: dup.candidates.map((c) => c.qboId) });
  await sync.waitForChange(['link', 'create_anyway']);
  return 'again';
}

/** 4. Push with a requestid that stays the same across automatic retries of this logical attempt; 5. act on the answer. */
export async function push(sync: RecordSync, prep: PreparedSync, version: number, sent?: CleanPush): Promise<Verdict> {
  const { status, workflowId } = sync;
  const record = prep.record;
  if (onlyApplicationLeft(sync, record, version)) return applyCredit(sync, prep, version, status.externalRef!);
  const recreate = recreates(sync);
  const retryBase = status.retryCount;
  if (sent) {
    // The clean path's activity sent it (and showed "syncing" with its request) but could not project the answer.
    sync.logicalAttempt = sent.attemptNo;
    sync.setState('syncing');
  } else {
    sync.logicalAttempt += 1;
    const requestId = pushRequestId(workflowId, version, sync.logicalAttempt);
    sync.setState('syncing');
    sync.event('push', EVENTS.push(record.number, requestId), 'system', { requestId });
    // Set before anything is awaited: on replay a "retrying" report may be handled before this step's await resolves.
    sync.pushing = { attemptNo: sync.logicalAttempt, retryBase };
    // The workflow alone writes the record's projection: "syncing" is projected here, not by the push activity.
    if (patched('project-before-push')) await sync.project();
  }
  const requestId = sent?.requestId ?? pushRequestId(workflowId, version, sync.logicalAttempt);
  try {
    const result =
      sent?.pushed ??
      (await sync.act.qbo.pushRecord({
        ...writeInput(sync, prep, requestId),
        // A person chose AWRA's version over an entity deleted or voided in QuickBooks: a new one, despite its number.
        allowDuplicate: sync.createAnyway || recreate,
        ...(status.externalRef && !recreate ? { updateOf: status.externalRef } : {}),
        ...(sync.overwrite ? { overwrite: true } : {}),
      }));
    sync.pushing = undefined;
    status.retryCount = retryBase + result.activityAttempt - 1;
    if (result.edited) {
      await holdForReview(sync, record, version, result.edited);
      return 'again';
    }
    const ref = keepApplication(result.externalRef, status.externalRef);
    const updated = status.externalRef !== null && !result.adopted && !recreate;
    // What QuickBooks holds is AWRA's version again: no drift stands.
    if (status.drift) status.drift = null;
    sync.overwrite = false;
    const accepted = acceptedSentence({ number: record.number, version, entity: ref.entity, qboId: ref.qboId, updated, adopted: result.adopted, activityAttempt: result.activityAttempt });
    // A credit note applied to invoices is synced once its application is in QuickBooks too (sync-record/credit.ts).
    if (appliesCredit(record, ref)) return await applyCredit(sync, prep, version, ref, accepted);
    await sync.finish('synced', ref, record, accepted);
    return 'done';
  } catch (err) {
    sync.pushing = undefined;
    await pushFailed(sync, record, err, retryBase);
    return 'again';
  }
}

/** 5. Resolve, retry or escalate, by what QuickBooks said (its classification, carried in the failure). */
export async function pushFailed(sync: RecordSync, record: AwraRecord, err: unknown, retryBase: number): Promise<void> {
  const { status, input, workflowId } = sync;
  const f = readFailure(err);
  const c = f.details?.classification;
  status.retryCount = retryBase + Math.max(0, (f.details?.activityAttempt ?? 1) - 1);
  const said = qboSentence(c) || f.message;
  const cls = f.failureClass;
  switch (cls) {
    case 'authorization': {
      const t = BLOCKS.credentialsRefused(said);
      await sync.block('authorization', t.action, t.event);
      await sync.waitForChange(['connection', 'retry'], sync.connectionProbe);
      return;
    }
    case 'duplicate_risk': {
      const dup = await sync.act.qbo.findDuplicates({ tenantId: input.tenantId, workflowId, record }).catch(() => ({ adopt: null, candidates: [] as SyncStatus['duplicateCandidates'] }));
      status.duplicateCandidates = dup.candidates;
      sync.createAnyway = false;
      const t = BLOCKS.duplicateReported(said);
      await sync.block('duplicate_risk', t.action, t.event);
      await sync.waitForChange(['link', 'create_anyway']);
      return;
    }
    case 'mapping': {
      // The refused references are marked stale by now: name them as gaps, so fixing one finds this record
      // like any other record waiting on a mapping.
      let gaps: SyncStatus['mappings'] = [];
      if (patched('refused-reference-gaps')) {
        status.mappings = (await sync.act.quick.checkMappings({ tenantId: input.tenantId, record })).checks;
        gaps = status.mappings.filter((m) => !m.ok);
      }
      const t = BLOCKS.referenceRefused(said, gaps);
      await sync.block('mapping', t.action, t.event, gaps.length ? { gaps: gaps.map((g) => ({ kind: g.kind, key: g.key, problem: g.problem })) } : undefined);
      if (gaps.length && patched('notify-blocks')) await tellRootCauses(sync, gaps);
      await sync.waitForChange(['mapping', 'retry'], gaps.length ? sync.mappingProbe(record) : undefined);
      return;
    }
    case 'source_data':
    case 'provider_rejection': {
      const t = BLOCKS.rejected(record.number, said);
      await sync.block(cls, t.action, t.event);
      await sync.waitForChange(['retry']);
      return;
    }
    default: {
      const t = BLOCKS.retriesRanOut(f.details?.activityAttempt ?? 1, said, cls);
      await sync.block(cls, t.action, t.event, undefined, 'admin');
      await sync.waitForChange(['retry', 'connection'], sync.tryAgain);
    }
  }
}
