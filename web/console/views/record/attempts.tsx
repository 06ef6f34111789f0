import type { AttemptRow, SyncRow } from '../../../../db/schema.ts';
import { Badge, ClassBadge, DataTable, Fact, Time } from '../components.tsx';
import { plural } from '../format.ts';
import { HelpLink } from '../help.tsx';

/** Steps 4 and 5: every attempt with what QuickBooks answered, and the entity the record became. */
export const ResponsesSection = (p: { attempts: AttemptRow[]; row: SyncRow | undefined }) => {
  const ref = p.row?.externalRef;
  return (
    <section class="card">
      <h2>
        QuickBooks responses <span class="muted small">· {plural(p.attempts.length, 'attempt')}, {plural(p.row?.retryCount ?? 0, 'retry', 'retries')}</span>
      </h2>
      <DataTable
        compact
        columns={['Attempt', 'When', 'HTTP', 'Result', 'QuickBooks code and message', 'intuit_tid', 'Request id']}
        rows={p.attempts}
        empty="Nothing has been sent to QuickBooks yet."
        row={(a) => (
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
              {a.class === 'accepted' ? null : (
                <div class="small">
                  <HelpLink topic={{ code: a.code, failureClass: a.class }} />
                </div>
              )}
            </td>
            <td>
              <code class="small">{a.intuitTid ?? '—'}</code>
            </td>
            <td>
              <code class="small">{a.requestId}</code>
            </td>
          </tr>
        )}
      />
      {ref ? (
        <dl class="facts">
          <Fact term="QuickBooks entity">
            {ref.entity} {ref.qboId}
          </Fact>
          {ref.docNumber ? <Fact term="DocNumber">{ref.docNumber}</Fact> : null}
          {ref.syncToken ? <Fact term="SyncToken">{ref.syncToken}</Fact> : null}
        </dl>
      ) : null}
    </section>
  );
};
