import type { CloseReadiness } from '../../../db/queries/close-readiness.ts';
import type { Tenant } from '../../../db/schema.ts';
import { closeSummary } from '../../../domain/close.ts';
import { FAILURE_CLASS_LABELS, isTerminalState, RECORD_TYPE_LABELS } from '../../../domain/vocabulary.ts';
import { Badge, ClassBadge, DataTable, Empty, Field, FieldError, Money, OwnerBadge, Select, StateBadge } from './components.tsx';
import { formatAmounts, OWNER_LABELS, plural, qs } from './format.ts';

export interface CloseViewProps {
  tenants: Tenant[];
  tenantId: string | undefined;
  period: string;
  report: CloseReadiness | undefined;
  error?: string;
}

const monthName = (period: string) => {
  const [y, m] = period.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
};

export const CloseResults = (p: CloseViewProps) => {
  const r = p.report;
  if (p.error || !r) {
    return (
      <div id="close-results">
        <FieldError error={p.error ?? 'Choose a tenant and a month.'} />
      </div>
    );
  }
  const { synced: done, blocked, inProgress: moving, cancelled, ready } = closeSummary(r);
  const open = r.records.filter((x) => !isTerminalState(x.state));
  const csv = `/close.csv${qs({ tenantId: r.tenantId, period: r.period })}`;
  return (
    <div id="close-results">
      <p class="summary">
        {monthName(r.period)}: {plural(r.total, 'record')} dated in the period. {ready ? 'Everything is in QuickBooks (or cancelled); the period is ready to close.' : ''}
        {r.notStarted > 0 ? ` ${plural(r.notStarted, 'record')} received from AWRA ${r.notStarted === 1 ? 'has' : 'have'} not started syncing yet; ${r.notStarted === 1 ? 'it starts' : 'they start'} as soon as Temporal answers.` : ''}
        {r.behind > 0 ? ` ${plural(r.behind, 'record')} ${r.behind === 1 ? 'has' : 'have'} a newer version from AWRA on its way.` : ''}
        {r.drifted > 0 ? (
          <>
            {' '}
            {plural(r.drifted, 'record was', 'records were')} changed in QuickBooks after the sync; finance must decide whose version stands before the period is ready.{' '}
            <a href={`/queue${qs({ tenantId: r.tenantId, owner: 'finance' })}`}>Changed in QuickBooks after sync →</a>
          </>
        ) : null}
      </p>
      <ul class="state-tiles">
        <li class="tile tile-synced">
          <span class="tile-n">{done}</span>
          <span class="tile-label">In QuickBooks</span>
        </li>
        <li class="tile tile-blocked">
          <span class="tile-n">{blocked}</span>
          <span class="tile-label">Blocked</span>
        </li>
        <li class="tile tile-syncing">
          <span class="tile-n">{moving}</span>
          <span class="tile-label">On their way</span>
        </li>
        <li class="tile tile-cancelled">
          <span class="tile-n">{cancelled}</span>
          <span class="tile-label">Cancelled</span>
        </li>
      </ul>
      <div class="two-col">
        <section class="card">
          <h2>What still needs whom</h2>
          {r.byOwner.length === 0 ? (
            <Empty>Nobody: nothing is open.</Empty>
          ) : (
            <ul class="plain">
              {r.byOwner.map((o) => (
                <li class="dim-row">
                  <OwnerBadge owner={o.owner} /> <span>{plural(o.records, 'record')}</span>
                  <a class="small" href={`/queue${qs({ tenantId: r.tenantId, owner: o.owner === 'system' ? undefined : o.owner })}`}>
                    {o.owner === 'system' ? 'retrying by itself' : `${OWNER_LABELS[o.owner]} queue →`}
                  </a>
                </li>
              ))}
            </ul>
          )}
          <h3>Blocked amounts</h3>
          <p class="big-number small-big">{formatAmounts(r.blockedAmounts)}</p>
          {r.closedPeriodRecords > 0 ? (
            <p>
              <Badge tone="danger">Closed period</Badge> {plural(r.closedPeriodRecords, 'record is', 'records are')} dated on or before the QuickBooks closing date; they
              need re-dating in AWRA or the controller reopening the period.
            </p>
          ) : null}
        </section>
        <section class="card">
          <h2>Why records are blocked</h2>
          {r.byFailureClass.length === 0 ? (
            <Empty>Nothing is blocked.</Empty>
          ) : (
            <ul class="plain">
              {r.byFailureClass.map((f) => (
                <li class="dim-row">
                  <ClassBadge failureClass={f.failureClass} /> <span>{plural(f.records, 'record')}</span>
                  <span class="small muted">{FAILURE_CLASS_LABELS[f.failureClass]}</span>
                </li>
              ))}
            </ul>
          )}
          <p class="card-foot">
            <a href={csv} class="button" download>
              Download the evidence (CSV)
            </a>
          </p>
        </section>
      </div>
      <section class="card">
        <h2>Open records</h2>
        <DataTable
          columns={['Record', 'Date', 'State', 'Owner', 'Assignee', { label: 'Amount', num: true }, 'What is needed']}
          rows={open}
          empty="No open record in this period."
          row={(x) => (
            <tr>
              <td>
                <a href={`/records/${encodeURIComponent(x.workflowId)}`}>{x.number}</a>
                <div class="muted small">{RECORD_TYPE_LABELS[x.recordType]}</div>
              </td>
              <td>{x.txnDate}</td>
              <td>
                <StateBadge state={x.state} /> <ClassBadge failureClass={x.failureClass} />
                {x.closedPeriod ? <Badge tone="danger">Closed period</Badge> : null}
              </td>
              <td>
                <OwnerBadge owner={x.owner} />
              </td>
              <td>{x.assignee ?? <span class="muted">—</span>}</td>
              <td class="num">
                <Money minor={x.amountMinor} currency={x.currency} />
              </td>
              <td class="sentence">{x.actionNeeded ?? x.lastProviderMessage}</td>
            </tr>
          )}
        />
        {r.truncated ? <p class="muted small">Only the first {r.records.length} records are listed; the CSV holds the same.</p> : null}
      </section>
    </div>
  );
};

export const ClosePage = (p: CloseViewProps) => (
  <>
    <div class="page-head">
      <h1>Close readiness</h1>
      <p class="muted">What synced, what did not, why, and who owns what is left — for the records dated in a month.</p>
    </div>
    <form method="get" action="/close" class="filters" hx-get="/close" hx-target="#close-results" hx-swap="outerHTML" hx-trigger="change, submit" hx-push-url="true">
      {p.tenants.length > 1 ? <Select name="tenantId" label="Tenant" value={p.tenantId} options={p.tenants.map((t) => [t.id, t.name])} /> : <input type="hidden" name="tenantId" value={p.tenantId ?? ''} />}
      <Field label="Month">
        <input type="month" name="period" value={p.period} required />
      </Field>
      <button type="submit">Show</button>
    </form>
    <CloseResults {...p} />
  </>
);
