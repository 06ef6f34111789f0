import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, type ErrorType } from '../domain/errors.ts';
import type { FailureClass } from '../domain/vocabulary.ts';
import { classificationFor, type QboClassification } from './classify.ts';

/**
 * How a QuickBooks outcome leaves an activity: the one place that turns a classification into the Temporal failure
 * the activity throws. Its type drives the activities' retry policies (`nonRetryableErrorTypes`), and the
 * classification rides in `details[0]`, which is all a workflow reads to decide what happens next
 * (workflows/sync-record/failure.ts).
 */
export interface QboFailureDetails {
  classification: QboClassification;
  /** Temporal's attempt number of the activity that failed, when it matters to the workflow (pushes). */
  activityAttempt?: number;
  /** The requestid of the push that failed. */
  requestId?: string;
  /** The company's closing date, when QuickBooks refused a change in a closed period (6210). */
  closingDate?: string;
}

/** The ApplicationFailure type of a classification: what the activities' retry policies key on. */
export function failureTypeFor(c: QboClassification): ErrorType {
  if (c.class === 'authorization') return ErrorTypes.QboAuthorization;
  if (c.class === 'outcome_uncertain') return ErrorTypes.QboOutcomeUncertain;
  return c.retryable ? ErrorTypes.QboRetryable : ErrorTypes.QboRejected;
}

/** The failure an activity throws for this classification; retryable exactly when the classifier says so. */
export function qboFailure(c: QboClassification, message: string, extra: Omit<QboFailureDetails, 'classification'> = {}): ApplicationFailure {
  const details: QboFailureDetails = { classification: c, ...extra };
  return ApplicationFailure.create({ type: failureTypeFor(c), message, nonRetryable: !c.retryable, details: [details] });
}

/** A failure the product itself decided (no QuickBooks answer): the class, and what a person reads. */
export function productFailure(failureClass: FailureClass, message: string, code?: string): ApplicationFailure {
  return qboFailure(classificationFor(failureClass, { message, ...(code ? { code } : {}) }), message);
}

/** "code 6210: message: detail", or "no details": how QuickBooks' answer reads inside a sentence. */
export function summarizeClassification(c: QboClassification): string {
  const parts = [c.code && `code ${c.code}`, c.message, c.detail].filter(Boolean);
  return parts.length ? parts.join(': ') : 'no details';
}
