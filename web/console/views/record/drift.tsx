import { driftActionNeeded, driftSentence, type Drift } from '../../../../domain/drift.ts';
import type { ExternalRef } from '../../../../domain/sync.ts';
import { DataTable, Time } from '../components.tsx';
import { HelpLink } from '../help.tsx';

/**
 * "Changed in QuickBooks after sync": what happened to the record's QuickBooks entity since the sync, both versions
 * side by side (what the sync left there — AWRA's version — and what QuickBooks holds now), and what to decide.
 */
export const DriftPanel = (p: { drift: Drift; externalRef: ExternalRef }) => {
  const { drift, externalRef: ref } = p;
  return (
    <section class="card drift" id="drift">
      <h2>
        Changed in QuickBooks after sync <HelpLink topic={{ drift: true }} />
      </h2>
      <div class="callout callout-blocked">
        <p class="cause">{driftSentence(drift, ref.entity, ref.qboId)}</p>
        <p class="action-needed">{driftActionNeeded(drift)}</p>
        <p class="small muted">
          Noticed <Time at={drift.detectedAt} />
          {drift.changedAt ? (
            <>
              {' '}
              · changed in QuickBooks <Time at={drift.changedAt} />
            </>
          ) : null}
        </p>
      </div>
      {drift.changes.length > 0 ? (
        <DataTable
          columns={['What', 'AWRA (as synced)', 'QuickBooks now']}
          rows={drift.changes}
          row={(c) => (
            <tr>
              <th scope="row">{c.label}</th>
              <td>{c.awra}</td>
              <td>{c.qbo}</td>
            </tr>
          )}
        />
      ) : null}
    </section>
  );
};
