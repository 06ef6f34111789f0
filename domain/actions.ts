/**
 * Which human actions a record's state allows: the one rule the sync workflow's update validators enforce and the
 * console reads to offer only what will be accepted. Pure (the workflow sandbox imports it). Who may act is a separate
 * question, answered by the permission table (domain/permissions.ts); what a request's texts may hold is domain/text.ts.
 */
import type { RecordActionName } from './permissions.ts';
import { isTerminalState, type FailureClass, type SyncState } from './vocabulary.ts';

/** Every human action on a record, in the order the console offers them. */
export const RECORD_ACTION_NAMES = ['accept-quickbooks', 'push-again', 'retry', 'link', 'create-anyway', 'escalate', 'assign', 'cancel'] as const satisfies readonly RecordActionName[];

/** Where a record stands, as far as its actions are concerned (a `SyncStatus` or a projection row will do). */
export interface ActionContext {
  state: SyncState;
  failureClass: FailureClass | null;
  /** What changed in QuickBooks after the sync, if anything (domain/drift.ts). */
  drift?: { kind: string } | null;
}

const onlyWhileBlocked = (what: string, state: SyncState) => `${what} is only possible while the record is blocked; it is ${state.replace(/_/g, ' ')}.`;

/**
 * Blocks a link cannot answer. A link says "this record already is that QuickBooks entity"; it is taken once the record
 * is ready and its references resolve, and it reads the entity from QuickBooks, so a record that itself, its mappings
 * or the connection still need fixing is sent to that fix first instead of accepting a link that would only wait.
 */
const LINK_REFUSALS: Partial<Record<FailureClass, string>> = {
  source_data: 'Correct the record in AWRA first; it is not ready to sync.',
  mapping: 'Fix the missing mapping first: a record can be linked only once every reference it needs maps to QuickBooks.',
  authorization: 'An admin must fix the QuickBooks connection first: linking reads the entity from QuickBooks.',
};

/**
 * Why `action` does not fit a record in this state, as the sentence the person who asked reads (the workflow's
 * validators throw it, the console shows it as a 422); `null` when it fits.
 */
export function actionRefusal(action: RecordActionName, { state, failureClass, drift }: ActionContext): string | null {
  // A record whose QuickBooks entity changed after the sync waits for one decision: whose version stands.
  const decidable = !!drift && (state === 'synced' || state === 'linked' || state === 'blocked');
  if (drift && state === 'blocked' && (action === 'retry' || action === 'link' || action === 'create-anyway')) {
    return 'QuickBooks\' copy of this record was changed there after the sync: keep QuickBooks\' version, or push AWRA\'s version again.';
  }
  switch (action) {
    case 'accept-quickbooks':
    case 'push-again':
      return decidable ? null : 'Nothing was changed in QuickBooks after this record synced, so there is no version to choose.';
    case 'retry':
      if (state !== 'blocked') return onlyWhileBlocked('A retry', state);
      return failureClass === 'duplicate_risk'
        ? 'This record may already exist in QuickBooks: choose "link to existing" or "create anyway" instead of retrying.'
        : null;
    case 'link':
      if (state !== 'blocked') return onlyWhileBlocked('Linking to an existing QuickBooks entity', state);
      return (failureClass && LINK_REFUSALS[failureClass]) ?? null;
    case 'create-anyway':
      if (state !== 'blocked') return onlyWhileBlocked('"Create anyway"', state);
      return failureClass === 'duplicate_risk' ? null : '"Create anyway" answers a duplicate risk; this record is not blocked on one.';
    case 'escalate':
      return state === 'blocked' ? null : onlyWhileBlocked('Escalation', state);
    case 'assign':
    case 'cancel':
      return isTerminalState(state) ? `This record is already ${state}; there is nothing to ${action}.` : null;
  }
}

/** The actions a record in this state allows, in `RECORD_ACTION_NAMES` order. */
export function allowedActions(at: ActionContext): RecordActionName[] {
  return RECORD_ACTION_NAMES.filter((action) => actionRefusal(action, at) === null);
}
