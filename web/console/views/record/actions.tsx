import type { Child } from 'hono/jsx';
import type { ConsoleUser } from '../../../../db/queries/users.ts';
import { allowedActions, RECORD_ACTION_NAMES, type ActionContext } from '../../../../domain/actions.ts';
import { actionPermission, type RecordActionName } from '../../../../domain/permissions.ts';
import type { MappingCheck } from '../../../../domain/sync.ts';
import { MAPPING_KINDS, type MappingKind } from '../../../../domain/vocabulary.ts';
import { can } from '../../env.ts';
import { CsrfField, Field, Flash } from '../components.tsx';
import { MappingSetter } from '../mapping-setter.tsx';
import type { RecordViewProps } from './props.ts';

export const ACTION_NAMES = RECORD_ACTION_NAMES;
export type ActionName = RecordActionName;

/** A refused or invalid action, shown in its own form. */
export interface ActionError {
  action: ActionName;
  message?: string;
  fields?: Record<string, string>;
  values?: Record<string, string>;
}

/** Which actions this person can take on a record in this state: the domain's rule (domain/actions.ts) narrowed by their role. */
export function availableActions(at: ActionContext, user: Pick<ConsoleUser, 'role'>): ActionName[] {
  return allowedActions(at).filter((action) => can(user, actionPermission(action)));
}

export const actionUrl = (workflowId: string, action: ActionName) => `/records/${encodeURIComponent(workflowId)}/actions/${action}`;

interface ActionFormProps {
  workflowId: string;
  action: ActionName;
  csrf: string;
  user: ConsoleUser;
  error?: ActionError | undefined;
  /** Keep what the person is typing while the region polls (htmx hx-preserve). */
  preserve?: boolean;
  suggestedLink?: string;
}

function ActionShell(p: ActionFormProps & { title: string; hint?: string; confirm?: string; submit: string; tone?: 'primary' | 'danger'; children?: Child }) {
  const url = actionUrl(p.workflowId, p.action);
  const err = p.error?.action === p.action ? p.error : undefined;
  return (
    <form
      id={`action-${p.action}`}
      class="action"
      method="post"
      action={url}
      hx-post={url}
      hx-target="#record"
      hx-swap="outerHTML"
      hx-confirm={p.confirm}
      hx-preserve={p.preserve && !err ? 'true' : undefined}
    >
      <h3>{p.title}</h3>
      {p.hint ? <p class="hint">{p.hint}</p> : null}
      {err?.message ? <Flash tone="error">{err.message}</Flash> : null}
      <CsrfField token={p.csrf} />
      {p.children}
      <button type="submit" class={p.tone ?? ''}>
        {p.submit}
      </button>
    </form>
  );
}

/** One action's form: the page shows it among the others, and a refusal answers with it alone. */
export const ActionForm = (p: ActionFormProps) => {
  const err = p.error?.action === p.action ? p.error : undefined;
  const v = (name: string, fallback = '') => err?.values?.[name] ?? fallback;
  // A request's text: what the person typed survives a refusal, and the refusal's reason shows under it.
  const line = (name: string, label: string, fallback = '', extra: Record<string, string> = {}) => (
    <Field label={label} error={err?.fields?.[name]}>
      <input type="text" name={name} value={v(name, fallback)} {...extra} />
    </Field>
  );
  const prose = (name: string, label: string) => (
    <Field label={label} error={err?.fields?.[name]}>
      <textarea name={name} rows={2}>
        {v(name)}
      </textarea>
    </Field>
  );
  switch (p.action) {
    case 'accept-quickbooks':
      return (
        <ActionShell
          {...p}
          title="Keep QuickBooks' version"
          hint="Nothing is sent. Your decision is recorded, and what QuickBooks holds becomes the reference for later changes (a deleted or voided entry is no longer expected there)."
          confirm="Keep QuickBooks' version and send nothing?"
          submit="Keep QuickBooks' version"
        />
      );
    case 'push-again':
      return (
        <ActionShell
          {...p}
          title="Push AWRA's version again"
          hint="Replaces what was changed in QuickBooks with AWRA's version (or, if it was deleted or voided there, creates it again)."
          confirm="Replace QuickBooks' version with AWRA's?"
          submit="Push AWRA's version"
          tone="primary"
        />
      );
    case 'retry':
      return <ActionShell {...p} title="Retry now" hint="Checks the record again and sends it if it is ready. The retry count is kept." submit="Retry now" tone="primary" />;
    case 'link':
      return (
        <ActionShell {...p} title="Link to an existing QuickBooks entity" hint="Nothing is created in QuickBooks; the record is marked as that entity." submit="Link">
          {line('qboId', 'QuickBooks id', p.suggestedLink ?? '', { inputmode: 'numeric', autocomplete: 'off' })}
        </ActionShell>
      );
    case 'create-anyway':
      return (
        <ActionShell
          {...p}
          title="Create anyway"
          hint="Creates a new entity in QuickBooks even though a similar one exists."
          confirm="Create a new entity in QuickBooks even though it may already exist?"
          submit="Create anyway"
          tone="danger"
        />
      );
    case 'escalate':
      return (
        <ActionShell {...p} title="Escalate" submit="Escalate">
          {line('to', 'To', 'finance controller')}
          {prose('note', 'Note')}
        </ActionShell>
      );
    case 'assign':
      return (
        <ActionShell {...p} title="Assign" submit="Assign">
          {line('assignee', 'Owner of the next step', p.user.email)}
        </ActionShell>
      );
    case 'cancel':
      return (
        <ActionShell {...p} title="Cancel the sync" confirm="Cancel this record's sync? It will not be sent to QuickBooks." submit="Cancel sync" tone="danger">
          {prose('reason', 'Reason')}
        </ActionShell>
      );
  }
};

/** "What you can do": the actions that fit, and for an admin the mappings a blocked record waits on, set right here. */
export const ActionsSection = (p: RecordViewProps & { actions: ActionName[]; suggestedLink: string | undefined }) => {
  const row = p.row;
  // An admin can fix a missing or stale mapping right here; the record continues by itself.
  const gaps =
    row?.state === 'blocked' && row.failureClass === 'mapping' && can(p.user, 'mappings.set')
      ? ((row.mappings ?? []) as MappingCheck[]).filter((m) => !m.ok && (MAPPING_KINDS as readonly string[]).includes(m.kind)).slice(0, 5)
      : [];
  if (p.actions.length === 0 && gaps.length === 0) return null;
  return (
    <section class="card actions">
      <h2>What you can do</h2>
      {gaps.length > 0 ? (
        <div class="gap-setters">
          {gaps.map((g) => (
            <MappingSetter target={{ tenantId: p.tenantId, kind: g.kind as MappingKind, key: g.key, entity: p.entityFor[g.kind as MappingKind] }} context="queue" csrf={p.csrf} />
          ))}
        </div>
      ) : null}
      <div class="action-grid">
        {p.actions.map((a) => (
          <ActionForm workflowId={p.workflowId} action={a} csrf={p.csrf} user={p.user} error={p.error} preserve={p.pollUrl !== null} suggestedLink={p.suggestedLink} />
        ))}
      </div>
    </section>
  );
};
