import type { AuditEventRow, SyncEventRow } from '../../../../db/schema.ts';
import { Badge, DataTable, Empty, Time } from '../components.tsx';

/** What the workflow did, newest first, and what people asked of it (refusals included). */
export const TimelineSection = (p: { events: SyncEventRow[]; audit: AuditEventRow[] }) => (
  <section class="card">
    <h2>Timeline</h2>
    {p.events.length === 0 ? (
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
    )}
    {p.audit.length > 0 ? (
      <>
        <h3>People's actions</h3>
        <DataTable
          compact
          columns={['When', 'Who', 'Action', 'Result']}
          rows={p.audit}
          row={(a) => (
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
          )}
        />
      </>
    ) : null}
  </section>
);
