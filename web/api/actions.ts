import { Hono } from 'hono';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../../db/queries/audit.ts';
import { can, refusal, RECORD_ACTION_PERMISSIONS } from '../../domain/permissions.ts';
import type { SyncStatus } from '../../domain/sync.ts';
import { ACTION_TEXT, textProblem } from '../../domain/text.ts';
import { textField } from '../../domain/text-schema.ts';
import { parseSyncWorkflowId } from '../../domain/workflow-id.ts';
import { assignUpdate, cancelUpdate, createAnywayUpdate, escalateUpdate, linkUpdate, retryUpdate } from '../../workflows/index.ts';
import type { AppEnv } from '../deps.ts';
import { actorOf, canActForTenant, requirePermission } from './auth.ts';
import { apiError, fieldErrors } from './errors.ts';

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

/**
 * Runs a human action on a record's workflow as a Temporal Update. The workflow's validator decides whether the
 * action fits the state; its reason comes back as a 422 for the person to read. Every attempt is audited.
 */
export async function runRecordAction(
  deps: AppEnv['Variables']['deps'],
  principal: AppEnv['Variables']['principal'],
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

/**
 * `POST /records/{workflowId}/actions/{action}`: one route per action, each declaring the permission it needs; an
 * unknown action finds no route (404).
 */
export function actionsApi() {
  const app = new Hono<AppEnv>();
  for (const action of RECORD_ACTIONS) {
    app.post(`/:workflowId/actions/${action}`, requirePermission(RECORD_ACTION_PERMISSIONS[action]), async (c) => {
      const body = (c.req.header('content-type') ?? '').includes('application/json') ? await c.req.json().catch(() => undefined) : {};
      if (body === undefined) return apiError(c, 400, 'invalid_json', 'The request body is not valid JSON.');
      const out = await runRecordAction(c.get('deps'), c.get('principal'), c.req.param('workflowId'), action, body);
      if (!out.ok) return apiError(c, out.status, out.code, out.message, out.fields);
      return c.json({ workflowId: c.req.param('workflowId'), state: out.state, failureClass: out.failureClass });
    });
  }
  return app;
}
