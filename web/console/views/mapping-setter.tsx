import type { QboRefRow } from '../../../db/schema.ts';
import { REF_KIND_NAMES } from '../../../domain/queue.ts';
import type { MappingKind } from '../../../domain/vocabulary.ts';
import { CsrfField, Field, Flash } from './components.tsx';
import { idToken, plural } from './format.ts';

/** Where the result of setting a mapping goes: the queue shows a confirmation, the mappings page the updated row. */
export type SetterContext = 'queue' | 'row';

export interface SetterTarget {
  tenantId: string;
  kind: MappingKind;
  key: string;
  /** QuickBooks entity searched for this kind (Item, Account, TaxCode, …). */
  entity: string;
}

export const setterId = (t: Pick<SetterTarget, 'tenantId' | 'kind' | 'key'>) => `ms-${idToken(t.tenantId, t.kind, t.key)}`;
export const valueRowId = (t: Pick<SetterTarget, 'tenantId' | 'kind' | 'key'>) => `mv-${idToken(t.tenantId, t.kind, t.key)}`;

const ENTITY_WORDS: Record<string, string> = {
  Account: 'account',
  TaxCode: 'tax code',
  Vendor: 'vendor',
  Customer: 'customer',
  Item: 'item',
  PaymentMethod: 'payment method',
  Class: 'class',
};
export const entityWord = (entity: string) => ENTITY_WORDS[entity] ?? entity;

export interface RefResultsProps {
  target: SetterTarget;
  context: SetterContext;
  csrf: string;
  q: string;
  refs: QboRefRow[];
  /** How many entities of this kind the reference cache holds at all (0: not loaded yet). */
  cached: number;
}

/** Search results: each a one-click form that sets the mapping to that QuickBooks entity. */
export const RefResults = (p: RefResultsProps) => {
  const word = entityWord(p.target.entity);
  if (p.cached === 0) {
    return <p class="muted small">The QuickBooks list of {word}s has not been loaded for this tenant yet; it refreshes every few minutes.</p>;
  }
  if (p.refs.length === 0) {
    return <p class="muted small">{p.q ? `No active QuickBooks ${word} matches “${p.q}”.` : `Type part of the ${word}'s name or its QuickBooks id.`}</p>;
  }
  const swapTarget = p.context === 'row' ? valueRowId(p.target) : setterId(p.target);
  return (
    <ul class="ref-results">
      {p.refs.map((r) => (
        <li>
          <form method="post" action="/mappings/set" hx-post="/mappings/set" hx-target={`#${swapTarget}`} hx-swap="outerHTML" class="inline">
            <CsrfField token={p.csrf} />
            <input type="hidden" name="tenantId" value={p.target.tenantId} />
            <input type="hidden" name="kind" value={p.target.kind} />
            <input type="hidden" name="key" value={p.target.key} />
            <input type="hidden" name="qboId" value={r.qboId} />
            <input type="hidden" name="context" value={p.context} />
            <button type="submit" class="choice">
              Use “{r.name}”
            </button>
            <span class="muted small"> QuickBooks id {r.qboId}</span>
          </form>
        </li>
      ))}
    </ul>
  );
};

export interface MappingSetterProps {
  target: SetterTarget;
  context: SetterContext;
  csrf: string;
  q?: string;
  error?: string;
  /** Pre-rendered first results (e.g. after a 422), otherwise they load as the person types. */
  results?: RefResultsProps;
}

/**
 * Active search over the tenant's cached QuickBooks list (htmx: input with a delay, no script), then one click sets
 * the mapping — through the same steps as PUT /api/v1/mappings — and resumes exactly the records waiting on it.
 */
export const MappingSetter = (p: MappingSetterProps) => {
  const id = setterId(p.target);
  const what = `${REF_KIND_NAMES[p.target.kind] ?? p.target.kind} ${p.target.key}`;
  return (
    <div class="mapping-setter" id={id}>
      {p.error ? <Flash tone="error">{p.error}</Flash> : null}
      <Field
        label={
          <>
            Find the QuickBooks {entityWord(p.target.entity)} for <strong>{what}</strong>
          </>
        }
      >
        <input
          type="search"
          name="q"
          value={p.q ?? ''}
          placeholder="Name or QuickBooks id"
          autocomplete="off"
          hx-get="/mappings/search"
          hx-trigger="input changed delay:300ms, search, focus once"
          hx-target={`#${id}-results`}
          hx-vals={JSON.stringify({ tenantId: p.target.tenantId, kind: p.target.kind, key: p.target.key, context: p.context })}
          aria-controls={`${id}-results`}
        />
      </Field>
      <div id={`${id}-results`} class="ref-results-box" aria-live="polite">
        {p.results ? <RefResults {...p.results} /> : null}
      </div>
    </div>
  );
};

/** After a mapping was set from the queue: what happened, in a sentence. */
export const MappingSetDone = (p: { target: SetterTarget; qboId: string; qboName: string; resumed: number }) => (
  <div class="mapping-setter done" id={setterId(p.target)}>
    <p class="ok-text" role="status">
      {REF_KIND_NAMES[p.target.kind]} {p.target.key} now maps to QuickBooks {entityWord(p.target.entity)} “{p.qboName}” (id {p.qboId}).{' '}
      {p.resumed > 0 ? `${plural(p.resumed, 'waiting record is', 'waiting records are')} being told to continue.` : 'No record was waiting on it.'}
    </p>
  </div>
);
