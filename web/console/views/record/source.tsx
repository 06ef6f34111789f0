import type { SourceRecordRow } from '../../../../db/schema.ts';
import { currencyExponent, formatMoney } from '../../../../domain/money.ts';
import { DataTable, Empty, Fact, Time } from '../components.tsx';

const MONEY_KEYS = new Set(['total', 'amount', 'unitPrice']);

function fieldValue(key: string, value: unknown, currency: string | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && currency && MONEY_KEYS.has(key) && Number.isInteger(value) && currencyExponent(currency) >= 0) return formatMoney(value, currency);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One version as AWRA sent it: its fields, then each list (lines, applications) as a table. */
const SourceRecord = (p: { version: SourceRecordRow; older: SourceRecordRow[] }) => {
  const data = p.version.data;
  const currency = typeof data.currency === 'string' ? data.currency : undefined;
  const scalar = Object.entries(data).filter(([, v]) => !Array.isArray(v));
  const lists = Object.entries(data).filter(([, v]) => Array.isArray(v)) as Array<[string, Array<Record<string, unknown>>]>;
  return (
    <div>
      <dl class="facts">
        <Fact term="Number">{p.version.number}</Fact>
        <Fact term="Version">{p.version.version}</Fact>
        <Fact term="AWRA status">{p.version.status}</Fact>
        <Fact term="Received">
          <Time at={p.version.receivedAt} /> <span class="muted small">from {p.version.receivedBy}</span>
        </Fact>
        {scalar.map(([k, v]) => (
          <Fact term={k}>{fieldValue(k, v, currency)}</Fact>
        ))}
      </dl>
      {lists.map(([name, rows]) => {
        const cols = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
        return (
          <DataTable
            compact
            caption={name}
            columns={['#', ...cols]}
            rows={rows}
            row={(r, i) => (
              <tr>
                <td>{i + 1}</td>
                {cols.map((col) => (
                  <td class={MONEY_KEYS.has(col) ? 'num' : ''}>{fieldValue(col, r?.[col], currency)}</td>
                ))}
              </tr>
            )}
          />
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

/** What AWRA sent: the newest version in full, the earlier ones named. */
export const SourceSection = (p: { versions: SourceRecordRow[] }) => {
  const [latest, ...older] = p.versions;
  return (
    <section class="card">
      <h2>AWRA source record</h2>
      {latest ? <SourceRecord version={latest} older={older} /> : <Empty>No version stored.</Empty>}
    </section>
  );
};
