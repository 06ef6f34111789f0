import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { FailureClass } from '../../domain/vocabulary.ts';
import type { QboFailureDetails } from './types.ts';

/** An activity failure as the workflow reads it: the message, and the classification the activity attached. */
export interface ReadFailure {
  message: string;
  details?: QboFailureDetails;
  /** The classification's class; `transient` for a failure that carries none (Postgres down, a timeout). */
  failureClass: FailureClass;
}

/**
 * The workflow decides nothing about QuickBooks' answers itself: it reads the classification the activity attached
 * (qbo/failure.ts). A failure without one did not come from QuickBooks, so it is worth trying again.
 */
export function readFailure(err: unknown): ReadFailure {
  const app = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err instanceof ApplicationFailure ? err : undefined;
  const message = app ? app.message : err instanceof Error ? err.message : String(err);
  const details = app?.details?.[0] as QboFailureDetails | undefined;
  const cls = details?.classification?.class;
  return { message, ...(details ? { details } : {}), failureClass: cls && cls !== 'accepted' ? cls : 'transient' };
}
