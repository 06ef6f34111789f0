import type { Child } from 'hono/jsx';
import type { ConsoleUser } from '../../../db/queries/users.ts';
import type { AttemptRow, AuditEventRow, SourceRecordRow, SyncEventRow, SyncRow } from '../../../db/schema.ts';
import { currencyExponent, formatMoney } from '../../../domain/money.ts';
import { REF_KIND_NAMES } from '../../../domain/queue.ts';
import type { DuplicateCandidate, MappingCheck, ReadinessCheck } from '../../../domain/sync.ts';
import { FAILURE_CLASS_LABELS, MAPPING_KINDS, RECORD_TYPE_LABELS, type FailureClass, type MappingKind, type RecordType } from '../../../domain/vocabulary.ts';
import { can } from '../env.ts';
import { Age, Badge, ClassBadge, CsrfField, Empty, FieldError, Flash, OwnerBadge, SlaLeft, StateBadge, Time } from './components.tsx';
import { isInFlight, isTerminal, plural, qs, STATE_LABELS } from './format.ts';
import { MappingSetter } from './mapping-setter.tsx';

export const ACTION_NAMES = ['retry', 'link', 'create-anyway', 'escalate', 'assign', 'cancel'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** A refused or invalid action, shown in its own form. */
export interface ActionError {
  action: ActionName;
  message?: string;
  fields?: Record<string, string>;
  values?: Record<string, string>;
}

export interface RecordViewProps {
  now: Date;
  user: ConsoleUser;
  csrf: string;
  workflowId: string;
  tenantId: string;
  recordType: RecordType;
  /** The projection row; absent while the record waits for its workflow's first report. */
  row: SyncRow | undefined;
  attempts: AttemptRow[];
  events: SyncEventRow[];
  versions: SourceRecordRow[];
  audit: AuditEventRow[];
  temporalUrl: string;
  /** QuickBooks entity per mapping kind, for the mapping search. */
  entityFor: Record<MappingKind, string>;
  /** Set while the record is on its way: the region reloads itself from this URL every 2 s. */
  pollUrl: string | null;
  flash?: { tone: 'ok' | 'error' | 'info'; text: string };
  error?: ActionError;
}

const recordPath = (workflowId: string) => `/records/${encodeURIComponent(workflowId)}`;

/** Which actions fit this state and this person's role (the workflow's validators have the last word). */
export function availableActions(state: string, failureClass: string | null, user: Pick<ConsoleUser, 'role'>): ActionName[] {
  const blocked = state === 'blocked';
  const terminal = isTerminal(state);
  const out: ActionName[] = [];
  if (blocked && failureClass !== 'duplicate_risk' && can(user, 'sync.retry')) out.push('retry');
  if (blocked && ['duplicate_risk', 'provider_rejection', 'outcome_uncertain', 'transient', 'throttled'].includes(failureClass ?? '') && can(user, 'sync.link')) out.push('link');
  if (blocked && failureClass === 'duplicate_risk' && can(user, 'sync.create-anyway')) out.push('create-anyway');
  if (blocked && can(user, 'sync.escalate')) out.push('escalate');
  if (!terminal && can(user, 'sync.assign')) out.push('assign');
  if (!terminal && can(user, 'sync.cancel')) out.push('cancel');
  return out;
}

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
  const url = `${recordPath(p.workflowId)}/actions/${p.action}`;
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

export const ActionForm = (p: ActionFormProps) => {
  const err = p.error?.action === p.action ? p.error : undefined;
  const v = (name: string, fallback = '') => err?.values?.[name] ?? fallback;
  const field = (name: string) => err?.fields?.[name];
  switch (p.action) {
    case 'retry':
      return <ActionShell {...p} title="Retry now" hint="Checks the record again and sends it if it is ready. The retry count is kept." submit="Retry now" tone="primary" />;
    case 'link':
      return (
        <ActionShell {...p} title="Link to an existing QuickBooks entity" hint="Nothing is created in QuickBooks; the record is marked as that entity." submit="Link">
          <label class="field">
            <span>QuickBooks id</span>
            <input type="text" name="qboId" value={v('qboId', p.suggestedLink ?? '')} inputmode="numeric" autocomplete="off" />
            <FieldError error={field('qboId')} />
          </label>
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
          <label class="field">
            <span>To</span>
            <input type="text" name="to" value={v('to', 'finance controller')} />
            <FieldError error={field('to')} />
          </label>
          <label class="field">
            <span>Note</span>
            <textarea name="note" rows={2}>
              {v('note')}
            </textarea>
            <FieldError error={field('note')} />
          </label>
        </ActionShell>
      );
    case 'assign':
      return (
        <ActionShell {...p} title="Assign" submit="Assign">
          <label class="field">
            <span>Owner of the next step</span>
            <input type="text" name="assignee" value={v('assignee', p.user.email)} />
            <FieldError error={field('assignee')} />
          </label>
        </ActionShell>
      );
    case 'cancel':
      return (
        <ActionShell {...p} title="Cancel the sync" confirm="Cancel this record's sync? It will not be sent to QuickBooks." submit="Cancel sync" tone="danger">
          <label class="field">
            <span>Reason</span>
            <textarea name="reason" rows={2}>
              {v('reason')}
            </textarea>
            <FieldError error={field('reason')} />
          </label>
        </ActionShell>
      );
  }
};

const ReadinessList = (p: { checks: ReadinessCheck[] }) =>
  p.checks.length === 0 ? (
    <Empty>Not checked yet.</Empty>
  ) : (
    <ul class="checks">
      {p.checks.map((c) => (
        <li class={c.ok ? 'check-ok' : 'check-fail'}>
          <span class="mark" aria-hidden="true">
            {c.ok ? '✓' : '✗'}
          </span>
          <span>
            <strong>{c.label}</strong> <span class="sr-only">{c.ok ? 'passed' : 'failed'}</span>
            <br />
            <span class="small">{c.message}</span>
          </span>
        </li>
      ))}
    </ul>
  );

const MappingList = (p: { checks: MappingCheck[]; tenantId: string; canSet: boolean }) =>
  p.checks.length === 0 ? (
    <Empty>Not checked yet, or this record needs no mapping.</Empty>
  ) : (
    <table class="data compact">
      <thead>
        <tr>
          <th>Reference</th>
          <th>QuickBooks</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {p.checks.map((m) => (
          <tr class={m.ok ? '' : 'row-problem'}>
            <td>
              {REF_KIND_NAMES[m.kind] ?? m.kind} <code>{m.key}</code>
            </td>
            <td>{m.ok ? `${m.qboName ?? ''}${m.qboName ? ' ' : ''}(id ${m.qboId})` : m.qboId ? `id ${m.qboId}` : <span class="muted">—</span>}</td>
            <td>
              {m.ok ? (
                <Badge tone="ok">Mapped</Badge>
              ) : (
                <>
                  <Badge tone="danger">{m.problem === 'stale' ? 'Stale' : m.problem === 'not_synced' ? 'Not synced yet' : 'Missing'}</Badge>{' '}
                  <span class="small">{m.reason}</span>{' '}
                  {p.canSet && m.kind !== 'invoice' ? (
                    <a class="small" href={`/mappings${qs({ tenantId: p.tenantId, kind: m.kind, key: m.key })}`}>
                      Set mapping →
                    </a>
                  ) : null}
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const CandidateList = (p: { candidates: DuplicateCandidate[]; workflowId: string; csrf: string; canLink: boolean }) => (
  <ul class="candidates">
    {p.candidates.map((cand) => (
      <li>
        <div>
          <strong>{cand.label}</strong>
          <div class="small muted">
            {cand.source === 'qbo_query' ? `QuickBooks ${cand.entity}${cand.qboId ? ` id ${cand.qboId}` : ''}` : 'From our attempt ledger'}
            {cand.docNumber ? ` · number ${cand.docNumber}` : ''}
            {cand.amount ? ` · amount ${cand.amount}` : ''}
            {cand.txnDate ? ` · dated ${cand.txnDate}` : ''}
          </div>
        </div>
        {p.canLink && cand.qboId ? (
          <form
            method="post"
            action={`${recordPath(p.workflowId)}/actions/link`}
            hx-post={`${recordPath(p.workflowId)}/actions/link`}
            hx-target="#record"
            hx-swap="outerHTML"
            class="inline"
          >
            <CsrfField token={p.csrf} />
            <input type="hidden" name="qboId" value={cand.qboId} />
            <button type="submit" class="primary">
              Link to {cand.entity} {cand.qboId}
            </button>
          </form>
        ) : null}
      </li>
    ))}
  </ul>
);

const AttemptTable = (p: { attempts: AttemptRow[] }) =>
  p.attempts.length === 0 ? (
    <Empty>Nothing has been sent to QuickBooks yet.</Empty>
  ) : (
    <table class="data compact">
      <thead>
        <tr>
          <th>Attempt</th>
          <th>When</th>
          <th>HTTP</th>
          <th>Result</th>
          <th>QuickBooks code and message</th>
          <th>intuit_tid</th>
          <th>Request id</th>
        </tr>
      </thead>
      <tbody>
        {p.attempts.map((a) => (
          <tr>
            <td>
              {a.attemptNo}
              {a.activityAttempt > 1 ? <span class="muted small"> · try {a.activityAttempt}</span> : null}
            </td>
            <td>
              <Time at={a.startedAt} />
            </td>
            <td>{a.httpStatus === 0 ? <span class="muted">no answer</span> : a.httpStatus}</td>
            <td>{a.class === 'accepted' ? <Badge tone="ok">Accepted</Badge> : <ClassBadge failureClass={a.class} />}</td>
            <td class="sentence">
              {a.code ? <strong>{a.code} </strong> : null}
              {a.message}
              {a.detail ? <div class="small">{a.detail}</div> : null}
              {a.element ? <div class="small muted">field {a.element}</div> : null}
            </td>
            <td>
              <code class="small">{a.intuitTid ?? '—'}</code>
            </td>
            <td>
              <code class="small">{a.requestId}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const MONEY_KEYS = new Set(['total', 'amount', 'unitPrice']);

function fieldValue(key: string, value: unknown, currency: string | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && currency && MONEY_KEYS.has(key) && Number.isInteger(value) && currencyExponent(currency) >= 0) return formatMoney(value, currency);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const SourceRecord = (p: { version: SourceRecordRow; older: SourceRecordRow[] }) => {
  const data = p.version.data;
  const currency = typeof data.currency === 'string' ? data.currency : undefined;
  const scalar = Object.entries(data).filter(([, v]) => !Array.isArray(v));
  const lists = Object.entries(data).filter(([, v]) => Array.isArray(v)) as Array<[string, Array<Record<string, unknown>>]>;
  return (
    <div>
      <dl class="facts">
        <div>
          <dt>Number</dt>
          <dd>{p.version.number}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{p.version.version}</dd>
        </div>
        <div>
          <dt>AWRA status</dt>
          <dd>{p.version.status}</dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd>
            <Time at={p.version.receivedAt} /> <span class="muted small">from {p.version.receivedBy}</span>
          </dd>
        </div>
        {scalar.map(([k, v]) => (
          <div>
            <dt>{k}</dt>
            <dd>{fieldValue(k, v, currency)}</dd>
          </div>
        ))}
      </dl>
      {lists.map(([name, rows]) => {
        const cols = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
        return (
          <table class="data compact">
            <caption>{name}</caption>
            <thead>
              <tr>
                <th>#</th>
                {cols.map((col) => (
                  <th>{col}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr>
                  <td>{i + 1}</td>
                  {cols.map((col) => (
                    <td class={MONEY_KEYS.has(col) ? 'num' : ''}>{fieldValue(col, r?.[col], currency)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
      {p.older.length > 0 ? (
        <p class="small muted">
          Earlier versions: {p.older.map((v) => `v${v.version} (${v.status}, received ${v.receivedAt.toISOString().slice(0, 10)})`).join(' · ')}
        </p>
      ) : null}
    </div>
  );
};

const Timeline = (p: { events: SyncEventRow[] }) =>
  p.events.length === 0 ? (
    <Empty>No events yet.</Empty>
  ) : (
    <ol class="timeline">
      {[...p.events].reverse().map((e) => (
        <li class={`ev ev-${e.kind}`}>
          <Time at={e.at} /> <span class="actor">{e.actor}</span>
          <div>{e.message}</div>
        </li>
      ))}
    </ol>
  );

const AuditList = (p: { audit: AuditEventRow[] }) =>
  p.audit.length === 0 ? null : (
    <table class="data compact">
      <thead>
        <tr>
          <th>When</th>
          <th>Who</th>
          <th>Action</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {p.audit.map((a) => (
          <tr>
            <td>
              <Time at={a.at} />
            </td>
            <td>{a.actor}</td>
            <td>
              {a.action}
              {a.detail ? <div class="small muted">{Object.entries(a.detail).filter(([k]) => k !== 'rejected').map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ')}</div> : null}
            </td>
            <td>{a.succeeded ? <Badge tone="ok">done</Badge> : <Badge tone="danger">refused</Badge>}{typeof a.detail?.rejected === 'string' ? <div class="small">{a.detail.rejected}</div> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

/** The status panel: where the record stands, who owns the next step, and what is needed. */
const StatusPanel = (p: RecordViewProps) => {
  const row = p.row;
  const state = row?.state ?? 'queued';
  if (!row) {
    return (
      <div class="callout callout-info">
        <p>
          <span class="spinner" aria-hidden="true"></span> Received from AWRA; the sync is starting.
        </p>
      </div>
    );
  }
  const ref = row.externalRef;
  const last = p.attempts.at(-1);
  if (state === 'synced' || state === 'linked') {
    return (
      <div class="callout callout-ok">
        <p>
          {state === 'synced' ? 'In QuickBooks' : 'Linked to an existing QuickBooks entity'}
          {ref ? ` as ${ref.entity} ${ref.qboId}${ref.docNumber ? ` (number ${ref.docNumber})` : ''}` : ''}.{' '}
          {ref?.url ? (
            <a href={ref.url} target="_blank" rel="noopener noreferrer">
              Open in QuickBooks ↗
            </a>
          ) : null}
        </p>
      </div>
    );
  }
  if (state === 'cancelled') {
    return (
      <div class="callout callout-neutral">
        <p>This record's sync was cancelled; it will not be sent to QuickBooks.</p>
      </div>
    );
  }
  return (
    <div class={`callout ${state === 'blocked' ? 'callout-blocked' : 'callout-info'}`}>
      {isInFlight(state) ? (
        <p>
          <span class="spinner" aria-hidden="true"></span> {STATE_LABELS[state as keyof typeof STATE_LABELS] ?? state}…
        </p>
      ) : null}
      {row.failureClass ? <p class="cause">{FAILURE_CLASS_LABELS[row.failureClass as FailureClass]}</p> : null}
      {row.actionNeeded ? <p class="action-needed">{row.actionNeeded}</p> : null}
      {last && last.class !== 'accepted' ? (
        <p class="last-answer small">
          Last answer from QuickBooks (attempt {last.attemptNo}
          {last.activityAttempt > 1 ? `, try ${last.activityAttempt}` : ''}, <Time at={last.startedAt} />):{' '}
          {last.httpStatus === 0 ? 'no answer' : `HTTP ${last.httpStatus}`}
          {last.code ? ` · error ${last.code}` : ''}
          {last.message ? ` · ${last.message}` : ''}
          {last.intuitTid ? (
            <>
              {' '}
              · intuit_tid <code>{last.intuitTid}</code>
            </>
          ) : null}
        </p>
      ) : null}
      <dl class="facts inline-facts">
        <div>
          <dt>Owner</dt>
          <dd>
            <OwnerBadge owner={row.owner} />
          </dd>
        </div>
        <div>
          <dt>Assignee</dt>
          <dd>{row.assignee ?? <span class="muted">unassigned</span>}</dd>
        </div>
        {state === 'blocked' ? (
          <div>
            <dt>Blocked for</dt>
            <dd>
              <Age since={row.blockedSince} now={p.now} />
            </dd>
          </div>
        ) : null}
        {state === 'blocked' ? (
          <div>
            <dt>SLA</dt>
            <dd>
              <SlaLeft due={row.slaDueAt} now={p.now} escalatedTo={row.escalatedTo} />
            </dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
};

/** The whole record: the region that polls while the sync is on its way and that every action re-renders. */
export const RecordView = (p: RecordViewProps) => {
  const row = p.row;
  const state = row?.state ?? 'queued';
  const failureClass = row?.failureClass ?? null;
  const latest = p.versions[0];
  const actions = availableActions(state, failureClass, p.user);
  const poll = p.pollUrl ? { 'hx-get': p.pollUrl, 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {};
  const candidates = (row?.duplicateCandidates ?? []) as DuplicateCandidate[];
  const firstCandidate = candidates.find((c) => c.qboId)?.qboId;
  const number = row?.number ?? latest?.number ?? p.workflowId;
  // An admin can fix a missing or stale mapping right here; the record continues by itself.
  const gaps =
    state === 'blocked' && failureClass === 'mapping' && can(p.user, 'mappings.set')
      ? ((row?.mappings ?? []) as MappingCheck[]).filter((m) => !m.ok && (MAPPING_KINDS as readonly string[]).includes(m.kind)).slice(0, 5)
      : [];
  return (
    <div id="record" class="record" {...poll} aria-busy={p.pollUrl ? 'true' : undefined}>
      <div class="page-head">
        <h1>
          {RECORD_TYPE_LABELS[p.recordType]} {number}
        </h1>
        <div class="head-badges">
          <StateBadge state={state} />
          <ClassBadge failureClass={failureClass} />
        </div>
        <p class="muted small">
          Tenant {p.tenantId} · {row ? `version ${row.version}` : latest ? `version ${latest.version}` : ''} · {plural(row?.retryCount ?? 0, 'retry', 'retries')} ·{' '}
          <a href={p.temporalUrl} target="_blank" rel="noopener noreferrer">
            Workflow in the Temporal UI ↗
          </a>
          {row?.externalRef?.url ? (
            <>
              {' '}
              ·{' '}
              <a href={row.externalRef.url} target="_blank" rel="noopener noreferrer">
                Open in QuickBooks ↗
              </a>
            </>
          ) : null}
        </p>
      </div>
      {p.flash ? <Flash tone={p.flash.tone}>{p.flash.text}</Flash> : null}
      <StatusPanel {...p} />

      {candidates.length > 0 ? (
        <section class="card">
          <h2>Possible duplicates in QuickBooks</h2>
          <p class="hint">Check these before anyone recreates the record by hand; linking creates nothing.</p>
          <CandidateList candidates={candidates} workflowId={p.workflowId} csrf={p.csrf} canLink={actions.includes('link')} />
        </section>
      ) : null}

      {actions.length > 0 || gaps.length > 0 ? (
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
            {actions.map((a) => (
              <ActionForm workflowId={p.workflowId} action={a} csrf={p.csrf} user={p.user} error={p.error} preserve={p.pollUrl !== null} suggestedLink={firstCandidate} />
            ))}
          </div>
        </section>
      ) : null}

      <div class="two-col">
        <section class="card">
          <h2>Readiness</h2>
          <ReadinessList checks={(row?.readiness ?? []) as ReadinessCheck[]} />
        </section>
        <section class="card">
          <h2>Required mappings</h2>
          <MappingList checks={(row?.mappings ?? []) as MappingCheck[]} tenantId={p.tenantId} canSet={can(p.user, 'mappings.set')} />
        </section>
      </div>

      <section class="card">
        <h2>
          QuickBooks responses <span class="muted small">· {plural(p.attempts.length, 'attempt')}, {plural(row?.retryCount ?? 0, 'retry', 'retries')}</span>
        </h2>
        <AttemptTable attempts={p.attempts} />
        {row?.externalRef ? (
          <dl class="facts">
            <div>
              <dt>QuickBooks entity</dt>
              <dd>
                {row.externalRef.entity} {row.externalRef.qboId}
              </dd>
            </div>
            {row.externalRef.docNumber ? (
              <div>
                <dt>DocNumber</dt>
                <dd>{row.externalRef.docNumber}</dd>
              </div>
            ) : null}
            {row.externalRef.syncToken ? (
              <div>
                <dt>SyncToken</dt>
                <dd>{row.externalRef.syncToken}</dd>
              </div>
            ) : null}
          </dl>
        ) : null}
      </section>

      <div class="two-col">
        <section class="card">
          <h2>AWRA source record</h2>
          {latest ? <SourceRecord version={latest} older={p.versions.slice(1)} /> : <Empty>No version stored.</Empty>}
        </section>
        <section class="card">
          <h2>Timeline</h2>
          <Timeline events={p.events} />
          {p.audit.length > 0 ? (
            <>
              <h3>People's actions</h3>
              <AuditList audit={p.audit} />
            </>
          ) : null}
        </section>
      </div>
    </div>
  );
};
