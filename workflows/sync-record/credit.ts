import { patched } from '@temporalio/workflow';
import { creditApplications, owesCreditApplication } from '../../domain/credit-application.ts';
import type { AwraRecord } from '../../domain/records.ts';
import { pushRequestId } from '../../domain/request-id.ts';
import type { ExternalRef } from '../../domain/sync.ts';
import type { FailureClass } from '../../domain/vocabulary.ts';
import { readFailure } from './failure.ts';
import { writeInput, type RecordSync } from './state.ts';
import type { Verdict } from './steps.ts';
import { BLOCKS, EVENTS, qboSentence } from './texts.ts';
import type { PreparedSync } from './types.ts';

/**
 * A credit note applied to invoices (DESIGN.md §8 `appliedTo`): after its CreditMemo is in QuickBooks, a step of its
 * own applies it — its own logical attempt and requestid, its own evidence, its own block when QuickBooks refuses.
 * A retry then sends only the application; the CreditMemo, already in the record's external reference, is not sent
 * again. AWRA's void of an applied credit note voids the application first (domain/voids.ts).
 */

/**
 * Whether the CreditMemo QuickBooks accepted (or that an earlier attempt was found to have made) still has to be
 * applied to invoices. Histories recorded before applications existed finished at the CreditMemo; the patch keeps
 * them replaying that way.
 */
export function appliesCredit(record: AwraRecord, creditMemo: ExternalRef): boolean {
  return owesCreditApplication(record, creditMemo) && patched('apply-credit-notes');
}

/** A retry after the application failed in this run: QuickBooks holds this version's CreditMemo, only its application is left. */
export function onlyApplicationLeft(sync: RecordSync, record: AwraRecord, version: number): boolean {
  return sync.acceptedVersion === version && owesCreditApplication(record, sync.status.externalRef);
}

/**
 * Applies the credit note's CreditMemo to its invoices and finishes the sync, or blocks with what QuickBooks said.
 * `accepted` is the sentence of the CreditMemo's acceptance when it was sent in this pass.
 */
export async function applyCredit(sync: RecordSync, prep: PreparedSync, version: number, creditMemo: ExternalRef, accepted?: string): Promise<Verdict> {
  const { status, workflowId } = sync;
  const record = prep.record;
  status.externalRef = creditMemo;
  sync.acceptedVersion = version;
  if (accepted) sync.event('accepted', accepted, 'system', { qboId: creditMemo.qboId, entity: creditMemo.entity });
  sync.logicalAttempt += 1;
  const requestId = pushRequestId(workflowId, version, sync.logicalAttempt);
  sync.setState('syncing');
  sync.event('credit_apply', EVENTS.creditApply(record.number, creditMemo, creditApplications(record).length, requestId), 'system', { requestId });
  // The CreditMemo's reference is in Postgres before the application is tried: a retry or a new run finds it there.
  await sync.project();
  const retryBase = status.retryCount;
  try {
    const result = await sync.act.qbo.applyCredit({ ...writeInput(sync, prep, requestId), creditMemo });
    status.retryCount = retryBase + result.activityAttempt - 1;
    const applied = EVENTS.creditApplied(record.number, result.invoices, result.application.qboId, result.adopted);
    await sync.finish('synced', { ...creditMemo, application: result.application }, record, applied);
    return 'done';
  } catch (err) {
    const f = readFailure(err);
    status.retryCount = retryBase + Math.max(0, (f.details?.activityAttempt ?? 1) - 1);
    const said = qboSentence(f.details?.classification) || f.message;
    // "Link to existing" or "create anyway" mean nothing for an application: a refusal is a refusal.
    const cls: FailureClass = f.failureClass === 'duplicate_risk' ? 'provider_rejection' : f.failureClass;
    const t = BLOCKS.creditNotApplied(record.number, creditMemo, said, cls);
    const refused = cls === 'source_data' || cls === 'provider_rejection' || cls === 'mapping';
    await sync.block(cls, t.action, t.event, { requestId, creditMemo: creditMemo.qboId }, cls === 'authorization' || refused ? undefined : 'admin');
    if (cls === 'authorization') await sync.waitForChange(['connection', 'retry'], sync.connectionProbe);
    else if (refused) await sync.waitForChange(['retry']);
    else await sync.waitForChange(['retry', 'connection'], sync.tryAgain);
    return 'again';
  }
}

/**
 * AWRA voided a credit note whose application is in QuickBooks: void that Payment first, on a logical attempt of its
 * own, so the invoices it settled are open again before the CreditMemo goes. The reference with the application
 * voided, or undefined when QuickBooks refused (the record has then blocked and waited).
 */
export async function voidApplication(sync: RecordSync, record: AwraRecord, ref: ExternalRef, version: number): Promise<ExternalRef | undefined> {
  const { input, workflowId } = sync;
  const application = ref.application!;
  sync.logicalAttempt += 1;
  const requestId = pushRequestId(workflowId, version, sync.logicalAttempt);
  sync.setState('syncing');
  sync.event('void_push', EVENTS.applicationVoidPush(record.number, application, requestId), 'system', { requestId });
  await sync.project();
  try {
    const done = await sync.act.qbo.voidRecord({
      tenantId: input.tenantId,
      workflowId,
      recordType: record.recordType,
      number: record.number,
      externalRef: ref,
      requestId,
      attemptNo: sync.logicalAttempt,
      step: 'application',
    });
    sync.status.externalRef = done.externalRef;
    sync.event('application_voided', EVENTS.applicationVoided(record.number, application, done.alreadyGone), 'awra', { qboId: application.qboId, entity: application.entity });
    return done.externalRef;
  } catch (err) {
    const f = readFailure(err);
    const said = qboSentence(f.details?.classification) || f.message;
    const t = BLOCKS.voidRefused(record.number, application, said, f.details?.closingDate);
    await sync.block(f.failureClass, t.action, t.event, { requestId });
    await sync.waitForChange(['retry', 'connection'], f.failureClass === 'authorization' ? sync.connectionProbe : f.details?.classification?.retryable ? sync.tryAgain : undefined);
    return undefined;
  }
}
