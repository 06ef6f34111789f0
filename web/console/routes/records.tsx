import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { auditForTarget, sourceVersions } from '../../../db/queries/console.ts';
import { KIND_ENTITY } from '../../../db/queries/refs.ts';
import { notificationsForRecord } from '../../../db/queries/notifications.ts';
import { getSync, getSyncChain } from '../../../db/queries/syncs.ts';
import type { SyncRow } from '../../../db/schema.ts';
import type { SyncStatus } from '../../../domain/sync.ts';
import { ACTION_TEXT, type TextRule } from '../../../domain/text.ts';
import { textField } from '../../../domain/text-schema.ts';
import { actionPermission } from '../../../domain/permissions.ts';
import { isTerminalState, type SyncState } from '../../../domain/vocabulary.ts';
import { parseSyncWorkflowId, type RecordRef } from '../../../domain/workflow-id.ts';
import { runRecordAction } from '../../../services/record-actions.ts';
import { temporalWorkflowUrl } from '../../api/records.ts';
import { signedIn } from '../auth.ts';
import { can, canSeeTenant, type ConsoleEnv } from '../env.ts';
import { formFields, refuse, respond, sendFragment } from '../http.tsx';
import { ACTION_NAMES, ActionForm, RecordView, type ActionError, type ActionName, type RecordViewProps } from '../views/record/index.tsx';

/** An action's field under the shared text rule (the same limits as the API and the workflow), asked for in the console's words. */
const text = (rule: TextRule, required: string) => textField({ ...rule, required });

/** The console's own field checks, phrased for a clerk; the API and the workflow's validators check again. */
const ACTION_FORMS: Record<ActionName, z.ZodType<Record<string, string>>> = {
  'accept-quickbooks': z.object({}),
  'push-again': z.object({}),
  retry: z.object({}),
  'create-anyway': z.object({}),
  link: z.object({
    qboId: text(ACTION_TEXT.qboId, 'Enter the QuickBooks id of the existing entity.').regex(/^[A-Za-z0-9_-]+$/, 'A QuickBooks id is letters and digits only, e.g. 58.'),
  }),
  escalate: z.object({ to: text(ACTION_TEXT.to, 'Say whom to escalate to.'), note: text(ACTION_TEXT.note, 'Add a note that says what is needed.') }),
  assign: z.object({ assignee: text(ACTION_TEXT.assignee, 'Say who should own the next step.') }),
  cancel: z.object({ reason: text(ACTION_TEXT.reason, 'Say why the sync is cancelled.') }),
};

/** Actions after which the workflow moves on, so the page follows it (polls) until it reports back. */
const MOVING: readonly ActionName[] = ['retry', 'link', 'create-anyway', 'cancel', 'accept-quickbooks', 'push-again'];
const FOLLOW_MS = 60_000;

function flashFor(action: ActionName, input: Record<string, string>): string {
  switch (action) {
    case 'accept-quickbooks':
      return "Keeping QuickBooks' version; your decision is recorded.";
    case 'push-again':
      return "Pushing AWRA's version to QuickBooks again.";
    case 'retry':
      return 'Retry requested: the record is being checked and sent again.';
    case 'link':
      return `Linking to QuickBooks entity ${input.qboId}; nothing will be created.`;
    case 'create-anyway':
      return 'Creating the record in QuickBooks despite the possible duplicate.';
    case 'escalate':
      return `Escalated to ${input.to}.`;
    case 'assign':
      return `Assigned to ${input.assignee}.`;
    case 'cancel':
      return 'Cancelling the sync.';
  }
}

type C = Context<ConsoleEnv>;

async function loadRecord(
  c: C,
  workflowId: string,
  ref: RecordRef,
  extra: { follow?: { after: number; until: number }; flash?: RecordViewProps['flash']; error?: ActionError; live?: SyncStatus },
): Promise<RecordViewProps | undefined> {
  const { db, temporalUiUrl, temporal } = c.get('deps');
  const [row, chain, versions, audit, notifications] = await Promise.all([
    getSync(db, ref.tenantId, workflowId),
    getSyncChain(db, workflowId),
    sourceVersions(db, ref),
    auditForTarget(db, ref.tenantId, workflowId, 20),
    notificationsForRecord(db, workflowId),
  ]);
  if (!row && versions.length === 0) return undefined;
  // An assignment or escalation is answered by the workflow at once but projected with its next state change:
  // show the workflow's own answer until the projection catches up.
  const shown: SyncRow | undefined =
    row && extra.live && extra.live.seq >= row.seq ? { ...row, assignee: extra.live.assignee, escalatedTo: extra.live.escalatedTo } : row;
  const state = row?.state ?? 'queued';
  const following = extra.follow && row && row.seq <= extra.follow.after && Date.now() < extra.follow.until;
  const base = `/records/${encodeURIComponent(workflowId)}`;
  const pollUrl = isTerminalState(state as SyncState) ? null : state !== 'blocked' ? base : following ? `${base}?after=${extra.follow!.after}&until=${extra.follow!.until}` : null;
  return {
    now: new Date(),
    user: c.get('user'),
    csrf: c.get('csrfToken'),
    workflowId,
    tenantId: ref.tenantId,
    recordType: ref.recordType,
    row: shown,
    attempts: chain.attempts,
    events: chain.events,
    versions,
    audit,
    notifications,
    temporalUrl: temporalWorkflowUrl(temporalUiUrl, temporal.options.namespace, workflowId),
    entityFor: KIND_ENTITY,
    pollUrl,
    ...(extra.flash ? { flash: extra.flash } : {}),
    ...(extra.error ? { error: extra.error } : {}),
  };
}

/** `/records/:workflowId`: the full chain of one record, and the actions that fit its state and the person's role. */
export function recordRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);

  const notFound = (c: C, workflowId: string) => refuse(c, 404, 'Record not found', `There is no record sync "${workflowId}" you can see.`);

  app.get('/:workflowId', async (c) => {
    const workflowId = c.req.param('workflowId');
    const ref = parseSyncWorkflowId(workflowId);
    if (!ref || !canSeeTenant(c.get('user'), ref.tenantId)) return notFound(c, workflowId);
    const after = Number(c.req.query('after'));
    const until = Number(c.req.query('until'));
    const props = await loadRecord(c, workflowId, ref, Number.isFinite(after) && Number.isFinite(until) ? { follow: { after, until } } : {});
    if (!props) return notFound(c, workflowId);
    const title = `${props.row?.number ?? props.versions[0]?.number ?? workflowId}`;
    return respond(c, { title, nav: 'queue', page: () => <RecordView {...props} />, fragment: () => <RecordView {...props} /> });
  });

  app.post('/:workflowId/actions/:action', async (c) => {
    const workflowId = c.req.param('workflowId');
    const action = c.req.param('action') as ActionName;
    const ref = parseSyncWorkflowId(workflowId);
    const user = c.get('user');
    if (!ref || !canSeeTenant(user, ref.tenantId)) return notFound(c, workflowId);
    if (!(ACTION_NAMES as readonly string[]).includes(action)) return refuse(c, 404, 'Unknown action', `There is no action "${action}".`);
    if (!can(user, actionPermission(action))) return refuse(c, 403, 'Not allowed', `Your role (${user.role}) may not ${action.replace('-', ' ')} records; ask an admin.`);

    const form = await formFields(c);
    const { _csrf: _ignored, ...values } = form;
    const reject = async (status: 409 | 422, error: ActionError) => {
      if (c.get('fragment')) {
        return sendFragment(c, <ActionForm workflowId={workflowId} action={action} csrf={c.get('csrfToken')} user={user} error={error} />, status, {
          'HX-Retarget': `#action-${action}`,
          'HX-Reswap': 'outerHTML',
        });
      }
      const props = await loadRecord(c, workflowId, ref, { error });
      if (!props) return notFound(c, workflowId);
      return respond(c, { title: props.row?.number ?? workflowId, nav: 'queue', page: () => <RecordView {...props} />, fragment: () => <RecordView {...props} /> }, status);
    };

    const parsed = ACTION_FORMS[action].safeParse(values);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? 'form')] ??= issue.message;
      return reject(422, { action, message: 'Please correct the highlighted field.', fields, values });
    }
    const out = await runRecordAction(c.get('deps'), c.get('principal'), workflowId, action, parsed.data);
    if (!out.ok) {
      if (out.status === 404) return notFound(c, workflowId);
      return reject(out.status === 409 ? 409 : 422, { action, message: out.message, ...(out.fields ? { fields: out.fields } : {}), values });
    }
    if (!c.get('fragment')) return c.redirect(`/records/${encodeURIComponent(workflowId)}`, 303);
    const current = await getSync(c.get('deps').db, ref.tenantId, workflowId);
    const props = await loadRecord(c, workflowId, ref, {
      flash: { tone: 'ok', text: flashFor(action, parsed.data) },
      live: out.sync,
      ...(MOVING.includes(action) ? { follow: { after: current?.seq ?? 0, until: Date.now() + FOLLOW_MS } } : {}),
    });
    if (!props) return notFound(c, workflowId);
    return sendFragment(c, <RecordView {...props} />);
  });

  return app;
}
