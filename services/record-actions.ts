import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../db/queries/audit.ts';
import { can, refusal, RECORD_ACTION_PERMISSIONS } from '../domain/permissions.ts';
import type { SyncStatus } from '../domain/sync.ts';
import { ACTION_TEXT, textProblem } from '../domain/text.ts';
import { textField } from '../domain/text-schema.ts';
import { parseSyncWorkflowId } from '../domain/workflow-id.ts';
import { acceptQuickBooksUpdate, assignUpdate, cancelUpdate, createAnywayUpdate, escalateUpdate, linkUpdate, pushAgainUpdate, retryUpdate, stateQuery } from '../workflows/index.ts';
import type { DriftDecision } from '../workflows/sync-record/types.ts';
import { deliverRecordVersion, type DeliveryDeps } from './outbox.ts';
import { type Principal, actorOf, canActForTenant } from '../domain/principal.ts';
import { fieldErrors } from '../domain/text-schema.ts';
import { actionRefusal } from '../domain/actions.ts';
import { getSync } from '../db/queries/syncs.ts';
import { isTerminalState, type FailureClass, type SyncState } from '../domain/vocabulary.ts';

// The same text rules as the workflow's update validators (domain/text.ts), so a request the API accepts is one the
// workflow accepts too, and nothing the database cannot store ever reaches the workflow.
// Who may run each action is the permission table's answer (domain/permissions.ts), not this file's.
const ACTIONS = {
  retry: { schema: z.strictObject({}), update: retryUpdate },
  link: { schema: z.strictObject({ qboId: textField(ACTION_TEXT.qboId) }), update: linkUpdate },
  'create-anyway': { schema: z.strictObject({}), update: createAnywayUpdate },
  escalate: { schema: z.strictObject({ to: textField(ACTION_TEXT.to), note: textField(ACTION_TEXT.note) }), update: escalateUpdate },
  assign: { schema: z.strictObject({ assignee: textField(ACTION_TEXT.assignee) }), update: assignUpdate },
  cancel: { schema: z.strictObject({ reason: textField(ACTION_TEXT.reason) }), update: cancelUpdate },
  'accept-quickbooks': { schema: z.strictObject({}), update: acceptQuickBooksUpdate },
  'push-again': { schema: z.strictObject({}), update: pushAgainUpdate },
} as const satisfies Record<keyof typeof RECORD_ACTION_PERMISSIONS, unknown>;
export type RecordAction = keyof typeof ACTIONS;
export const RECORD_ACTIONS = Object.keys(ACTIONS) as RecordAction[];

export type ActionOutcome =
  | { ok: true; state: string; failureClass: string | null; /** The workflow's answer: its live state right after the action. */ sync: SyncStatus }
  | { ok: false; status: 400 | 403 | 404 | 409 | 422; code: string; message: string; fields?: Record<string, string> };

/** What a record action needs: the database (its audit) and Temporal (the Update, or a new run for a decision). */
export type RecordActionDeps = DeliveryDeps;

/** The drift decisions, by action. */
const DECISIONS: Partial<Record<RecordAction, DriftDecision['decision']>> = { 'accept-quickbooks': 'accept_quickbooks', 'push-again': 'push_awra' };

/**
 * Runs a human action on a record's workflow as a Temporal Update, for the JSON API and the console alike. The
 * workflow's validator decides whether the action fits the state; its reason comes back as a 422 for the person to
 * read. Every attempt is audited.
 */
export async function runRecordAction(
  deps: RecordActionDeps,
  principal: Principal,
  workflowId: string,
  action: string,
  input: unknown,
): Promise<ActionOutcome> {
  const ref = parseSyncWorkflowId(workflowId);
  if (!ref || !canActForTenant(principal, ref.tenantId)) return { ok: false, status: 404, code: 'not_found', message: `No record sync "${workflowId}".` };
  const spec = Object.hasOwn(ACTIONS, action) ? ACTIONS[action as RecordAction] : undefined;
  if (!spec) return { ok: false, status: 404, code: 'unknown_action', message: `Unknown action "${action}"; use one of ${RECORD_ACTIONS.join(', ')}.` };
  const permission = RECORD_ACTION_PERMISSIONS[action as RecordAction];
  if (!can(principal.role, permission)) return { ok: false, status: 403, code: 'forbidden', message: refusal(permission, principal.role, `"${principal.name}"`) };
  const parsed = spec.schema.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, status: 400, code: 'invalid_action', message: 'The action is missing details.', fields: fieldErrors(parsed.error) };
  const actor = actorOf(principal);
  const actorProblem = textProblem(actor, ACTION_TEXT.actor);
  if (actorProblem) return { ok: false, status: 400, code: 'invalid_actor', message: actorProblem };
  const args = { ...(parsed.data as object), actor } as never;
  const decision = DECISIONS[action as RecordAction];
  if (decision) {
    // A finished record whose QuickBooks entity drifted: a new run of its workflow carries the decision out.
    const row = await getSync(deps.db, ref.tenantId, workflowId);
    if (row && isTerminalState(row.state as SyncState)) {
      const refused = actionRefusal(action as RecordAction, { state: row.state as SyncState, failureClass: row.failureClass as FailureClass | null, drift: row.drift });
      if (refused) {
        await writeAudit(deps.db, { tenantId: ref.tenantId, actor, action: `sync.${action}`, target: workflowId, detail: { rejected: refused }, succeeded: false });
        return { ok: false, status: 422, code: 'action_rejected', message: refused };
      }
      await deliverRecordVersion(deps, { tenantId: ref.tenantId, recordType: ref.recordType, sourceId: ref.sourceId }, { restart: true, driftDecision: { decision, actor } });
      await writeAudit(deps.db, { tenantId: ref.tenantId, actor, action: `sync.${action}`, target: workflowId, detail: { drift: row.drift } });
      const status = await deps.temporal.workflow.getHandle(workflowId).query(stateQuery);
      return { ok: true, state: status.state, failureClass: status.failureClass, sync: status };
    }
  }
  try {
    const status = await deps.temporal.workflow.getHandle(workflowId).executeUpdate(spec.update as typeof retryUpdate, { args: [args] });
    await writeAudit(deps.db, { tenantId: ref.tenantId, actor, action: `sync.${action}`, target: workflowId, detail: parsed.data as Record<string, unknown> });
    return { ok: true, state: status.state, failureClass: status.failureClass, sync: status };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = (err.cause as Error | undefined)?.message ?? err.message;
      await writeAudit(deps.db, { tenantId: ref.tenantId, actor, action: `sync.${action}`, target: workflowId, detail: { ...(parsed.data as object), rejected: reason }, succeeded: false });
      return { ok: false, status: 422, code: 'action_rejected', message: reason };
    }
    if (err instanceof WorkflowNotFoundError) {
      return { ok: false, status: 409, code: 'not_running', message: 'This record\'s sync has finished; there is nothing left to act on.' };
    }
    throw err;
  }
}
