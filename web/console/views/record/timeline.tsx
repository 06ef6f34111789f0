import type { RecordNotification } from '../../../../db/queries/notifications.ts';
import type { AuditEventRow, SyncEventRow } from '../../../../db/schema.ts';
import { CHANNEL_LABELS } from '../../../../domain/notifications.ts';
import { Badge, DataTable, Empty, Time } from '../components.tsx';

type Entry = Pick<SyncEventRow, 'at' | 'kind' | 'message' | 'actor'>;

/**
 * Who was told, as timeline entries: each delivery attempt (with the SMTP answer or HTTP status), and a row that was
 * never attempted (suppressed, or still waiting) at the time it was written. They come from the notifications
 * ledger, not from the workflow's own events, whose numbering is the workflow's alone.
 */
export function notificationEntries(list: readonly RecordNotification[]): Entry[] {
  const to = (n: RecordNotification) => `${CHANNEL_LABELS[n.channel]} to ${n.recipient}: “${n.subject}”`;
  return list.flatMap((n): Entry[] =>
    n.deliveries.length === 0
      ? [{ at: n.createdAt, kind: 'notification', actor: 'notify', message: `${to(n)} — ${n.status}${n.lastError ? ` (${n.lastError})` : ''}` }]
      : n.deliveries.map((d) => ({
          at: d.at,
          kind: 'notification',
          actor: 'notify',
          message: `${to(n)} — ${d.ok ? 'delivered' : 'failed'}, attempt ${d.attempt}${d.detail ? ` (${d.detail})` : ''}${!d.ok && n.status === 'failed' && d.attempt === n.attempts ? '; gave up' : ''}`,
        })),
  );
}

/** What the workflow did and who was told, newest first, and what people asked of it (refusals included). */
export const TimelineSection = (p: { events: SyncEventRow[]; audit: AuditEventRow[]; notifications?: RecordNotification[] }) => {
  const entries: Entry[] = [...p.events, ...notificationEntries(p.notifications ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime());
  return (
    <section class="card">
      <h2>Timeline</h2>
      {entries.length === 0 ? (
        <Empty>No events yet.</Empty>
      ) : (
        <ol class="timeline">
          {entries.reverse().map((e) => (
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
};
