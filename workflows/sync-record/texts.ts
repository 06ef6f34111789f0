import { invoiceList } from '../../domain/credit-application.ts';
import { driftActionNeeded, driftSentence, type Drift } from '../../domain/drift.ts';
import { mappingGapsSentence } from '../../domain/mapping-gaps.ts';
import type { CreditApplicationRef, DuplicateCandidate, ExternalRef, MappingCheck } from '../../domain/sync.ts';
import { FAILURE_CLASS_LABELS, type FailureClass } from '../../domain/vocabulary.ts';
import type { QboClassification } from './types.ts';

/** Every sentence a record's sync writes for people: its action line and its timeline. */

/** "Amount: AWRA 1200, QuickBooks 1300. Date: …": both versions of what changed. */
export function driftChangesText(drift: Pick<Drift, 'changes'>): string {
  return drift.changes.map((c) => `${c.label}: AWRA ${c.awra}, QuickBooks ${c.qbo}.`).join(' ');
}

/** "5 min", "1.5 h", "30 s": how long the record waited, in a sentence. */
export function formatWait(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** "QuickBooks error 6210: message: detail (field X)": what QuickBooks said, for the record's action line. */
export function qboSentence(c: QboClassification | undefined): string {
  if (!c) return '';
  return [c.code && `QuickBooks error ${c.code}`, c.message, c.detail, c.element && `(field ${c.element})`].filter(Boolean).join(': ');
}

/** The timeline sentence of a push that QuickBooks accepted (created, updated, or found already created). */
export function acceptedSentence(p: { number: string; version: number; entity: string; qboId: string; updated: boolean; adopted: boolean; activityAttempt: number }): string {
  if (p.updated) return `QuickBooks updated ${p.entity} ${p.qboId} to version ${p.version} of ${p.number}.`;
  if (p.adopted) return `QuickBooks had already created ${p.entity} ${p.qboId} for ${p.number} before its answer was lost; adopted it.`;
  const retries = p.activityAttempt - 1;
  return `QuickBooks accepted ${p.number} as ${p.entity} ${p.qboId}${retries > 0 ? ` after ${retries} automatic retr${retries === 1 ? 'y' : 'ies'}` : ''}.`;
}

/** What a blocked record asks for (its action line) and what its timeline says happened. */
export interface BlockText {
  action: string;
  event: string;
}

/** The sentences of every block the sync can reach, by situation. */
export const BLOCKS = {
  prepareFailed: (message: string, authorization: boolean): BlockText => ({
    action: authorization ? `An admin must reconnect QuickBooks. ${message}` : `Checking the record against QuickBooks failed: ${message} Retry when QuickBooks answers again.`,
    event: `Could not prepare the sync: ${message}`,
  }),
  notReady: (number: string, failed: ReadonlyArray<{ message: string; label: string }>): BlockText => ({
    action: `Correct ${number} in AWRA: ${failed.map((c) => c.message).join(' ')}`,
    event: `Not ready: ${failed.map((c) => c.label.toLowerCase()).join(', ')}.`,
  }),
  notConnected: (): BlockText => ({
    action: 'Connect this tenant to QuickBooks; the record is ready and waits for the connection.',
    event: 'Ready, but the tenant has no QuickBooks connection.',
  }),
  mappingGaps: (gaps: readonly MappingCheck[]): BlockText => ({
    action: mappingGapsSentence(gaps),
    event: `Waiting on ${gaps.length} mapping(s): ${gaps.map((g) => `${g.kind} ${g.key}`).join(', ')}.`,
  }),
  linkFailed: (qboId: string, message: string): BlockText => ({
    action: `The link did not work: ${message} Choose another entity.`,
    event: `Link to ${qboId} failed: ${message}`,
  }),
  possibleDuplicates: (candidates: readonly DuplicateCandidate[]): BlockText => ({
    action: `QuickBooks may already have this record: ${candidates.map((c) => c.label).join('; ')}. Link it to the existing entity, or create it anyway.`,
    event: `${candidates.length} possible duplicate(s) found in QuickBooks.`,
  }),
  credentialsRefused: (said: string): BlockText => ({
    action: `An admin must reconnect QuickBooks (${said}); the record continues by itself afterwards.`,
    event: `QuickBooks refused the credentials: ${said}`,
  }),
  duplicateReported: (said: string): BlockText => ({
    action: `QuickBooks says this already exists (${said}). Link it to the existing entity, or create it anyway.`,
    event: `QuickBooks reported a duplicate: ${said}`,
  }),
  referenceRefused: (said: string, gaps: readonly MappingCheck[]): BlockText => ({
    action: `QuickBooks refused a reference (${said}). ${gaps.length ? `Fix the mapping: ${gaps.map((g) => g.reason).join(' ')} ` : 'Fix the mapping, '}then the record continues by itself.`,
    event: `QuickBooks refused a reference: ${said}`,
  }),
  rejected: (number: string, said: string): BlockText => ({
    action: `QuickBooks rejected ${number}: ${said}. Correct it in AWRA (a new version resumes it) or retry after fixing the cause.`,
    event: `Rejected by QuickBooks: ${said}`,
  }),
  voidRefused: (number: string, ref: ExternalRef, said: string, closingDate?: string): BlockText => ({
    action: closingDate
      ? `AWRA voided ${number}, but QuickBooks keeps ${ref.entity} ${ref.qboId} in a closed period (books closed through ${closingDate}). Reverse it in an open period in QuickBooks, or have the closing date moved and retry.`
      : `AWRA voided ${number}, but QuickBooks did not void ${ref.entity} ${ref.qboId} (${said}). Retry once the cause is fixed.`,
    event: `QuickBooks refused to void ${ref.entity} ${ref.qboId}: ${said}`,
  }),
  /** A credit note's CreditMemo is in QuickBooks, but applying it to its invoices failed. */
  creditNotApplied: (number: string, creditMemo: ExternalRef, said: string, cls: FailureClass): BlockText => {
    const held = `${number} is in QuickBooks as CreditMemo ${creditMemo.qboId}, but`;
    let action: string;
    if (cls === 'authorization') {
      action = `An admin must reconnect QuickBooks (${said}); ${number} is in QuickBooks as CreditMemo ${creditMemo.qboId} and is applied to its invoices by itself afterwards.`;
    } else if (cls === 'source_data' || cls === 'provider_rejection' || cls === 'mapping') {
      action = `${held} QuickBooks refused to apply it to its invoices: ${said}. Check those invoices in QuickBooks (one already paid, credited or voided cannot take the credit), then retry; or correct the credit note in AWRA (a new version resumes it).`;
    } else {
      action = `${held} applying it to its invoices kept failing (${said}). ${FAILURE_CLASS_LABELS[cls]}; retry when QuickBooks is reachable again: only the application is sent, not the credit memo.`;
    }
    return { action, event: `QuickBooks did not apply CreditMemo ${creditMemo.qboId} to its invoices: ${said}` };
  },
  /** A newer AWRA version of a record whose QuickBooks entity someone changed there since the sync: not sent. */
  editedInQuickBooks: (number: string, version: number, ref: ExternalRef, drift: Drift): BlockText => ({
    action: `Version ${version} of ${number} was not sent: ${driftSentence(drift, ref.entity, ref.qboId)} ${driftActionNeeded(drift)}`,
    event: `Held version ${version} for review instead of overwriting QuickBooks: ${driftSentence(drift, ref.entity, ref.qboId)}${drift.changes.length ? ` ${driftChangesText(drift)}` : ''}`,
  }),
  retriesRanOut: (attempts: number, said: string, cls: FailureClass): BlockText => ({
    action: `QuickBooks kept failing after ${attempts} attempt(s) (${said}). ${FAILURE_CLASS_LABELS[cls]}; retry when QuickBooks is reachable again.`,
    event: `Automatic retries ran out: ${said}`,
  }),
};

/** Timeline sentences of the steps that do not block. */
export const EVENTS = {
  versionReceived: (version: number, number: string) => `Version ${version} of ${number} received from AWRA.`,
  voidAction: (ref: ExternalRef, number: string) => `Void ${ref.entity} ${ref.qboId} in QuickBooks as well; AWRA voided ${number} after it synced.`,
  voided: (number: string, ref: ExternalRef | null) =>
    ref
      ? `${number} was voided in AWRA after it synced as QuickBooks ${ref.entity} ${ref.qboId}; it is not changed in QuickBooks.`
      : `${number} was voided in AWRA, so it will not be sent to QuickBooks.`,
  linked: (actor: string, number: string, ref: ExternalRef) => `${actor} linked ${number} to existing QuickBooks ${ref.entity} ${ref.qboId}; nothing was created.`,
  adoptedBeforeCreate: (number: string, ref: ExternalRef) => `${number} was already in QuickBooks from an earlier attempt (${ref.entity} ${ref.qboId}); adopted it instead of creating a duplicate.`,
  voidPush: (number: string, ref: ExternalRef, requestId: string) => `${number} was voided in AWRA; changing ${ref.entity} ${ref.qboId} in QuickBooks to match (request ${requestId}).`,
  voidedInQuickBooks: (number: string, ref: ExternalRef, alreadyGone = false) =>
    alreadyGone
      ? `${number} was voided in AWRA; QuickBooks ${ref.entity} ${ref.qboId} had already been deleted there.`
      : `${number} was voided in AWRA and QuickBooks ${ref.entity} ${ref.qboId} was ${ref.voided ?? 'voided'} to match.`,
  push: (number: string, requestId: string) => `Sending ${number} to QuickBooks (request ${requestId}).`,
  retrying: (activityAttempt: number, requestId: string, said: string) => `Attempt ${activityAttempt} of request ${requestId}: QuickBooks answered "${said}"; trying again by itself.`,
  retryingAction: (said: string, requestId: string) => `QuickBooks answered "${said}"; retrying automatically with the same request id ${requestId}.`,
  dependentsResumed: (n: number, number: string) => `${n} waiting record(s) were told that ${number} is now in QuickBooks.`,
  slaEscalated: (level: number, to: string, actionNeeded: string | null) =>
    `${level === 1 ? 'Nobody acted within the SLA' : 'Still open a second SLA period after its escalation'}; escalated to ${to} (level ${level}), who is told with the evidence.${actionNeeded ? ` ${actionNeeded}` : ''}`,
  notifyFailed: (trigger: string, message: string) => `Could not ask for the ${trigger.replace('_', ' ')} message to be sent (${message}); the record goes on without it.`,
  driftSeen: (ref: ExternalRef, drift: Drift) => `${driftSentence(drift, ref.entity, ref.qboId)}${drift.changes.length ? ` ${driftChangesText(drift)}` : ''} (noticed ${drift.detectedAt}).`,
  pushAgainChosen: (actor: string, number: string, ref: ExternalRef, drift: Drift) =>
    drift.kind === 'changed'
      ? `${actor} chose to push AWRA's version of ${number} to QuickBooks again, replacing what was changed in ${ref.entity} ${ref.qboId}.`
      : `${actor} chose to push AWRA's version of ${number} to QuickBooks again; ${ref.entity} ${ref.qboId} was ${drift.kind} there, so a new one is created.`,
  keptQuickBooks: (actor: string, number: string, ref: ExternalRef, notSent?: number) =>
    `${actor} decided that QuickBooks' version of ${ref.entity} ${ref.qboId} stands for ${number}${notSent ? `; AWRA version ${notSent} was not sent` : ''}. What QuickBooks holds now is the new reference for later changes.`,
  acceptedGone: (actor: string, number: string, ref: ExternalRef, kind: string) =>
    `${actor} accepted that ${ref.entity} ${ref.qboId} was ${kind} in QuickBooks; ${number} is no longer expected there.`,
  nothingToDecide: (actor: string, number: string) => `${actor} decided on ${number}, but QuickBooks matches the sync again; the record is checked and sent as usual.`,
  creditApply: (number: string, creditMemo: ExternalRef, invoices: number, requestId: string) =>
    `Applying credit note ${number} (CreditMemo ${creditMemo.qboId}) to ${invoices === 1 ? 'its invoice' : `its ${invoices} invoices`} in QuickBooks (request ${requestId}).`,
  creditApplied: (number: string, invoices: readonly string[], paymentId: string, adopted: boolean) =>
    adopted
      ? `Credit note ${number} was already applied in QuickBooks to ${invoiceList(invoices)} (Payment ${paymentId}) by an earlier attempt whose answer was lost; adopted it instead of applying it twice.`
      : `Credit note ${number} applied in QuickBooks to ${invoiceList(invoices)} (Payment ${paymentId}).`,
  applicationVoidPush: (number: string, application: CreditApplicationRef, requestId: string) =>
    `${number} was voided in AWRA; voiding Payment ${application.qboId}, which applied it to invoices, in QuickBooks first so they are open again (request ${requestId}).`,
  applicationVoided: (number: string, application: CreditApplicationRef, alreadyGone: boolean) =>
    alreadyGone
      ? `Payment ${application.qboId}, which applied ${number} to invoices, had already been deleted in QuickBooks.`
      : `QuickBooks voided Payment ${application.qboId}, which applied ${number} to invoices; they are open again.`,
};
