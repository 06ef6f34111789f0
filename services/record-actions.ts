import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { writeAudit } from '../db/queries/audit.ts';
import { can, refusal, RECORD_ACTION_PERMISSIONS } from '../domain/permissions.ts';
import type { SyncStatus } from '../domain/sync.ts';
import { ACTION_TEXT, textProblem } from '../domain/text.ts';
import { textField } from '../domain/text-schema.ts';
import { parseSyncWorkflowId } from '../domain/workflow-id.ts';
import { assignUpdate, cancelUpdate, createAnywayUpdate, escalateUpdate, linkUpdate, retryUpdate } from '../workflows/index.ts';
import { type Principal, actorOf, canActForTenant } from '../domain/principal.ts';
import { fieldErrors } from '../domain/text-schema.ts';

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
} as const satisfies Record<keyof typeof RECORD_ACTION_PERMISSIONS, unknown>;
export type RecordAction = keyof typeof ACTIONS;
export const RECORD_ACTIONS = Object.keys(ACTIONS) as RecordAction[];

export type ActionOutcome =
  | { ok: true; state: string; failureClass: string | null; /** The workflow's answer: its live state right after the action. */ sync: SyncStatus }
  | { ok: false; status: 400 | 403 | 404 | 409 | 422; code: string; message: string; fields?: Record<string, string> };

/** What a record action needs: the database (its audit) and Temporal (the Update). */
export interface RecordActionDeps {
  db: Db;
  temporal: Client;
}

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
