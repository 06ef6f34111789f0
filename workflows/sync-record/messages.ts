import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SyncStatus } from '../../domain/sync.ts';
import { connectionRestoredSignal, mappingChangedSignal, reprojectSignal, sourceUpdatedSignal } from '../signals.ts';
import type { PushRetrying } from './types.ts';

/** The messages a record's sync answers: its state (query), what people do to it (updates), what wakes it (signals). */
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
/** Decisions on a record whose QuickBooks entity was changed there after the sync (domain/drift.ts). */
export const acceptQuickBooksUpdate = defineUpdate<SyncStatus, [Actor]>('acceptQuickBooks');
export const pushAgainUpdate = defineUpdate<SyncStatus, [Actor]>('pushAgain');
/** Sent by the push activity when QuickBooks' answer will be retried by itself, so the record shows "retrying". */
export const pushRetryingSignal = defineSignal<[PushRetrying]>('pushRetrying');
