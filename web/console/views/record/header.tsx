import type { CreditApplicationRef } from '../../../../domain/sync.ts';
import { FAILURE_CLASS_LABELS, RECORD_TYPE_LABELS, type FailureClass } from '../../../../domain/vocabulary.ts';
import { Age, ClassBadge, Fact, OwnerBadge, SlaLeft, StateBadge, Time } from '../components.tsx';
import { isInFlight, plural, STATE_LABELS } from '../format.ts';
import { HelpLink } from '../help.tsx';
import type { RecordViewProps } from './props.ts';

/** The title: which record, where it stands, and the ways out to Temporal and QuickBooks. */
export const RecordHead = (p: RecordViewProps) => {
  const row = p.row;
  const latest = p.versions[0];
  return (
    <div class="page-head">
      <h1>
        {RECORD_TYPE_LABELS[p.recordType]} {row?.number ?? latest?.number ?? p.workflowId}
      </h1>
      <div class="head-badges">
        <StateBadge state={row?.state ?? 'queued'} />
        <ClassBadge failureClass={row?.failureClass ?? null} />
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
            <QboLink url={row.externalRef.url} />
          </>
        ) : null}
      </p>
    </div>
  );
};

/** The status panel: where the record stands, who owns the next step, and what is needed. */
export const StatusPanel = (p: RecordViewProps) => {
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
          {ref?.url ? <QboLink url={ref.url} /> : null}
        </p>
        {ref?.application ? <ApplicationLine application={ref.application} /> : null}
      </div>
    );
  }
  if (state === 'cancelled' && ref?.goneInQuickBooks) {
    return (
      <div class="callout callout-neutral">
        <p>
          QuickBooks {ref.entity} {ref.qboId}
          {ref.docNumber ? ` (number ${ref.docNumber})` : ''} was {ref.goneInQuickBooks} in QuickBooks after the sync, and that was accepted: the record is no
          longer expected in QuickBooks. {ref.url && ref.goneInQuickBooks === 'voided' ? <QboLink url={ref.url} /> : null}
        </p>
      </div>
    );
  }
  if (state === 'cancelled' && ref?.voided) {
    return (
      <div class="callout callout-neutral">
        <p>
          Voided in AWRA; QuickBooks {ref.entity} {ref.qboId}
          {ref.docNumber ? ` (number ${ref.docNumber})` : ''} was {ref.voided} to match.{' '}
          {ref.url && ref.voided !== 'deleted' ? <QboLink url={ref.url} /> : null}
        </p>
        {ref.application ? <ApplicationLine application={ref.application} /> : null}
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
      {row.failureClass ? (
        <p class="cause">
          {FAILURE_CLASS_LABELS[row.failureClass as FailureClass]} <HelpLink topic={{ failureClass: row.failureClass }} />
        </p>
      ) : null}
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
        <Fact term="Owner">
          <OwnerBadge owner={row.owner} />
        </Fact>
        <Fact term="Assignee">{row.assignee ?? <span class="muted">unassigned</span>}</Fact>
        {state === 'blocked' ? (
          <Fact term="Blocked for">
            <Age since={row.blockedSince} now={p.now} />
          </Fact>
        ) : null}
        {state === 'blocked' ? (
          <Fact term="SLA">
            <SlaLeft due={row.slaDueAt} now={p.now} escalatedTo={row.escalatedTo} />
          </Fact>
        ) : null}
      </dl>
    </div>
  );
};

function QboLink(p: { url: string; label?: string }) {
  return (
    <a href={p.url} target="_blank" rel="noopener noreferrer">
      {p.label ?? 'Open in QuickBooks'} ↗
    </a>
  );
}

/** A credit note's application to its invoices: the QuickBooks Payment that applies it, and whether it was voided. */
function ApplicationLine(p: { application: CreditApplicationRef }) {
  const { application } = p;
  return (
    <p class="small">
      Applied to its invoices by QuickBooks Payment {application.qboId}
      {application.voided ? ', voided to match' : ''}.{' '}
      {application.url ? <QboLink url={application.url} label={`Open Payment ${application.qboId} in QuickBooks`} /> : null}
    </p>
  );
}
