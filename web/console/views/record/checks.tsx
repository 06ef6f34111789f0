import { REF_KIND_NAMES } from '../../../../domain/queue.ts';
import { isTxnDependencyKind } from '../../../../domain/required-mappings.ts';
import type { MappingCheck, ReadinessCheck } from '../../../../domain/sync.ts';
import { Badge, DataTable, Empty } from '../components.tsx';
import { qs } from '../format.ts';
import { HelpLink } from '../help.tsx';

/** Step 1 of the sync: is the record complete, approved, posted and eligible. */
export const ReadinessSection = (p: { checks: ReadinessCheck[] }) => (
  <section class="card">
    <h2>Readiness</h2>
    {p.checks.length === 0 ? (
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
              {c.ok ? null : (
                <>
                  {' '}
                  <HelpLink topic={{ checkId: c.id, failureClass: 'source_data' }} />
                </>
              )}
            </span>
          </li>
        ))}
      </ul>
    )}
  </section>
);

/** Step 2: every reference the QuickBooks payload needs, and whether it resolves. */
export const MappingsSection = (p: { checks: MappingCheck[]; tenantId: string; canSet: boolean }) => (
  <section class="card">
    <h2>Required mappings</h2>
    <DataTable
      compact
      columns={['Reference', 'QuickBooks', 'Status']}
      rows={p.checks}
      empty="Not checked yet, or this record needs no mapping."
      row={(m) => (
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
                {p.canSet && !isTxnDependencyKind(m.kind) ? (
                  <a class="small" href={`/mappings${qs({ tenantId: p.tenantId, kind: m.kind, key: m.key })}`}>
                    Set mapping →
                  </a>
                ) : null}
              </>
            )}
          </td>
        </tr>
      )}
    />
  </section>
);
