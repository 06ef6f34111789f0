import type { SimContext } from './context.ts';
import { entityByName } from './entities.ts';
import { businessValidation, requiredParam, unsupportedProperty } from './errors.ts';
import type { CompanyState } from './store.ts';
import { parseQboInstant, qboDateTime } from './time.ts';
import type { EntityName, QboObject } from './types.ts';

/**
 * Change data capture (reference §2.4, §6.1): full payloads of entities changed since `changedSince` (inactive ones
 * included), `status: "Deleted"` stubs for deleted transactions, a 30-day look-back and at most 1000 objects.
 */

const LOOKBACK_MS = 30 * 24 * 3600_000;
const MAX_OBJECTS = 1000;
const NOT_SUPPORTED = new Set(['TaxCode']);

export function changeDataCapture(sim: SimContext, company: CompanyState, entitiesParam: string | undefined, changedSince: string | undefined): QboObject[] {
  if (!entitiesParam) throw requiredParam('entities');
  if (!changedSince) throw requiredParam('changedSince');
  const offset = sim.opts.utcOffsetMinutes;
  const since = parseQboInstant(changedSince, offset);
  if (Number.isNaN(since)) {
    throw unsupportedProperty(`Can not construct instance of java.util.Date from String value '${changedSince}': not a valid representation`);
  }
  if (sim.now() - since > LOOKBACK_MS) throw businessValidation('changedSince must be within the last 30 days.', 'changedSince');

  const names: EntityName[] = [];
  for (const raw of entitiesParam.split(',').map((s) => s.trim()).filter(Boolean)) {
    const def = entityByName(raw);
    if (!def) throw businessValidation(`Entity ${raw} is not supported by change data capture.`, 'entities');
    if (NOT_SUPPORTED.has(def.name)) throw businessValidation(`Entity ${def.name} is not supported by change data capture.`, 'entities');
    if (!names.includes(def.name)) names.push(def.name);
  }

  let budget = MAX_OBJECTS;
  const responses: QboObject[] = [];
  for (const entity of names) {
    const changed = Object.values(company.entities[entity])
      .map((e) => ({ at: company.changedAt[`${entity}:${String(e.Id)}`] ?? 0, row: sim.engine.render(company, entity, e) }))
      .filter((x) => x.at >= since);
    const deleted = company.tombstones
      .filter((t) => t.entity === entity && t.deletedAt >= since)
      .map((t) => ({
        at: t.deletedAt,
        row: { domain: 'QBO', status: 'Deleted', Id: t.Id, MetaData: { LastUpdatedTime: qboDateTime(t.deletedAt, offset) } } as QboObject,
      }));
    const rows = [...changed, ...deleted]
      .sort((a, b) => a.at - b.at)
      .slice(0, Math.max(0, budget))
      .map((x) => x.row);
    budget -= rows.length;
    responses.push(rows.length ? { [entity]: rows, startPosition: 1, maxResults: rows.length, totalCount: rows.length } : {});
  }
  return [{ QueryResponse: responses }];
}
