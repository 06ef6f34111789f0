import { companyInfoEntity, preferencesEntity } from './company.ts';
import type { SimContext } from './context.ts';
import { ENTITIES, entityByName, isNameList } from './entities.ts';
import { invalidQuery, requiredParam } from './errors.ts';
import { parseQuery, runQuery } from './query.ts';
import { any } from './schema.ts';
import type { CompanyState } from './store.ts';
import type { EntityName, QboObject } from './types.ts';

/** The data operations shared by the single-entity endpoints and batch items. */

export type WriteOp = 'create' | 'update' | 'delete' | 'void';

export function parseInclude(raw: string | string[] | undefined): Set<string> {
  const parts = Array.isArray(raw) ? raw : (raw ?? '').split(',');
  return new Set(parts.map((p) => p.trim().toLowerCase()).filter(Boolean));
}

/** What a POST to /{entity} means: ?operation=delete|void, include=void, otherwise update when the body has an Id. */
export function writeOpFor(operation: string | undefined, include: Set<string>, body: unknown): WriteOp {
  const op = operation?.toLowerCase();
  if (op === 'delete') return 'delete';
  if (op === 'void' || include.has('void')) return 'void';
  const hasId = body !== null && typeof body === 'object' && !Array.isArray(body) && (body as QboObject).Id !== undefined;
  if (op === 'update' && !hasId) throw requiredParam('Id');
  return hasId ? 'update' : 'create';
}

export function write(
  sim: SimContext,
  company: CompanyState,
  entity: EntityName,
  op: WriteOp,
  body: unknown,
  include: Set<string>,
  invisible?: Set<string>,
): QboObject {
  const w = { include, ...(invisible ? { invisible } : {}) };
  switch (op) {
    case 'create':
      return sim.engine.create(company, entity, body, w);
    case 'update':
      return sim.engine.update(company, entity, body, w);
    case 'delete':
      return sim.engine.delete(company, entity, body, w);
    case 'void':
      return sim.engine.void(company, entity, body, w);
  }
}

/** Runs a SELECT and returns the `QueryResponse` object. */
export function query(sim: SimContext, company: CompanyState, text: string): QboObject {
  if (!text.trim()) throw invalidQuery('QueryParserError: Encountered " <EOF> " at line 1, column 1.');
  const parsed = parseQuery(text);
  const offset = sim.opts.utcOffsetMinutes;
  const special = parsed.entity.toLowerCase();
  if (special === 'preferences' || special === 'companyinfo') {
    const entity = special === 'preferences' ? 'Preferences' : 'CompanyInfo';
    const row = special === 'preferences' ? preferencesEntity(company, offset) : companyInfoEntity(company, offset);
    const fields = Object.fromEntries(Object.keys(row).map((k) => [k, any]));
    return runQuery(parsed, { entity, fields, rows: [row], activeOnlyByDefault: false, utcOffsetMinutes: offset });
  }
  const def = entityByName(parsed.entity);
  if (!def) throw invalidQuery(`QueryValidationError: Invalid entity ${parsed.entity}`);
  return runQuery(parsed, {
    entity: def.name,
    fields: def.fields,
    queryable: def.queryable,
    rows: sim.engine.list(company, def.name),
    activeOnlyByDefault: isNameList(def.name) && sim.opts.queryActiveOnlyByDefault,
    utcOffsetMinutes: offset,
  });
}

export function entityNamed(name: string): EntityName | undefined {
  return entityByName(name)?.name ?? (Object.keys(ENTITIES) as EntityName[]).find((e) => ENTITIES[e].path === name.toLowerCase());
}
