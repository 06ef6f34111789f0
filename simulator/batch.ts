import type { SimContext } from './context.ts';
import { ENTITIES } from './entities.ts';
import { malformedRequest, QboFault, requiredParam, unsupportedProperty } from './errors.ts';
import { parseInclude, query, write, type WriteOp } from './operations.ts';
import type { CompanyState } from './store.ts';
import type { EntityName, QboObject } from './types.ts';

/**
 * POST /batch (reference §2.3): up to `maxBatchItems` operations run serially; each answers with its entity, a
 * QueryResponse, or its own Fault inside the HTTP 200. Items do not see entities created earlier in the same batch
 * (B-BATCH17), so a dependency between items fails like it does in QBO.
 */

const ITEM_KEYS = new Set(['bId', 'operation', 'optionsData', 'Query']);
const OPERATIONS = new Set(['create', 'update', 'delete']);

export function runBatch(sim: SimContext, company: CompanyState, body: unknown): QboObject[] {
  const items = body && typeof body === 'object' && !Array.isArray(body) ? (body as QboObject).BatchItemRequest : undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const extra = Object.keys(body).find((k) => k !== 'BatchItemRequest');
    if (extra) throw unsupportedProperty(`Unrecognized field "${extra}" (class com.intuit.schema.finance.v3.IntuitBatchRequest), not marked as ignorable`);
  }
  if (!Array.isArray(items) || items.length === 0) throw malformedRequest('Batch Request is Empty');
  if (items.length > sim.opts.maxBatchItems) {
    throw malformedRequest(`Batch request has ${items.length} items; the maximum is ${sim.opts.maxBatchItems}.`);
  }
  const seen = new Set<string>();
  for (const item of items) {
    const bId = item && typeof item === 'object' ? (item as QboObject).bId : undefined;
    if (typeof bId !== 'string' || !bId) throw malformedRequest('Every BatchItemRequest needs a bId.');
    if (seen.has(bId)) throw malformedRequest(`Duplicate bId ${bId} in the batch request.`);
    seen.add(bId);
  }

  const invisible = new Set<string>();
  return (items as QboObject[]).map((item) => {
    const bId = String(item.bId);
    try {
      return { bId, ...runItem(sim, company, item, invisible) };
    } catch (err) {
      if (err instanceof QboFault) return { bId, ...err.body() };
      throw err;
    }
  });
}

function runItem(sim: SimContext, company: CompanyState, item: QboObject, invisible: Set<string>): QboObject {
  if (typeof item.Query === 'string') return { QueryResponse: query(sim, company, item.Query) };
  const entityKeys = Object.keys(item).filter((k) => !ITEM_KEYS.has(k));
  for (const k of entityKeys) {
    if (!(k in ENTITIES)) throw unsupportedProperty(`Unrecognized field "${k}" (class com.intuit.schema.finance.v3.BatchItemRequest), not marked as ignorable`);
  }
  if (entityKeys.length === 0) throw requiredParam('Query');
  if (entityKeys.length > 1) throw unsupportedProperty('Only one entity may be given per BatchItemRequest; a property');
  const entity = entityKeys[0] as EntityName;
  const operation = typeof item.operation === 'string' ? item.operation.toLowerCase() : undefined;
  if (!operation) throw requiredParam('operation');
  if (!OPERATIONS.has(operation)) {
    throw unsupportedProperty(`Can not construct instance of com.intuit.schema.finance.v3.OperationEnum from String value '${operation}': value not one of declared Enum instance names`);
  }
  const include = parseInclude(item.optionsData as string | string[] | undefined);
  const op: WriteOp = operation === 'update' && include.has('void') ? 'void' : (operation as WriteOp);
  const result = write(sim, company, entity, op, item[entity], include, invisible);
  if (op === 'create') invisible.add(`${entity}:${String(result.Id)}`);
  return { [entity]: result };
}
