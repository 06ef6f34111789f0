import type { DuplicateCandidate } from '../../../../domain/sync.ts';
import { CsrfField } from '../components.tsx';
import { actionUrl } from './actions.tsx';

/** What QuickBooks may already hold, each with a one-click link for whoever may link. */
export const PossibleDuplicates = (p: { candidates: DuplicateCandidate[]; workflowId: string; csrf: string; canLink: boolean }) =>
  p.candidates.length === 0 ? null : (
    <section class="card">
      <h2>Possible duplicates in QuickBooks</h2>
      <p class="hint">Check these before anyone recreates the record by hand; linking creates nothing.</p>
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
              <form method="post" action={actionUrl(p.workflowId, 'link')} hx-post={actionUrl(p.workflowId, 'link')} hx-target="#record" hx-swap="outerHTML" class="inline">
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
    </section>
  );
