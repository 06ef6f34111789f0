import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { uncertainAttempts } from '../db/queries/attempts.ts';
import { externalRefFrom, isOurs, queryCandidate, uncertainAttemptCandidate } from '../domain/duplicates.ts';
import type { AwraRecord } from '../domain/records.ts';
import type { ExternalRef } from '../domain/sync.ts';
import { queryRows } from '../qbo/client.ts';
import { duplicateLookupQuery } from '../qbo/mappers.ts';
import type { DuplicateResult } from '../workflows/sync-record/types.ts';
import type { createRealmCaller } from './realm-call.ts';

/**
 * Finding a record in QuickBooks before (or after an unclear answer to) a create: by DocNumber / DisplayName / Name.
 * The rules of what is ours and how a look-alike reads are in domain/duplicates.ts.
 */
export function createDuplicateFinder(db: Db, realm: Pick<ReturnType<typeof createRealmCaller>, 'expectOk' | 'deepLink' | 'batcher'>) {
  /**
   * Entities that may already be this record in QuickBooks. The query is the record's own; records of the realm
   * looked up at the same time share one `… IN (…)` query (activities/realm-batcher.ts) and each gets its own rows.
   */
  async function lookup(tenantId: string, record: AwraRecord) {
    const { entity, query } = duplicateLookupQuery(record);
    const resp = await realm.batcher.lookup(tenantId, query, Context.current());
    realm.expectOk(resp, 'search for an existing entity');
    return { entity, rows: queryRows(resp, entity) as unknown as Record<string, unknown>[] };
  }

  /** The entity an earlier attempt of ours created (it carries our audit note), if QuickBooks has one. */
  async function findOurs(tenantId: string, record: AwraRecord): Promise<ExternalRef | null> {
    const { entity, rows } = await lookup(tenantId, record);
    const ours = rows.find((r) => isOurs(record, r));
    return ours ? externalRefFrom(entity, ours, await realm.deepLink(tenantId, entity, String(ours.Id))) : null;
  }

  /**
   * Duplicate risk before a create (DESIGN.md §3 step 3). An entity carrying our own audit note is this record
   * from an earlier attempt whose answer was lost: it is adopted, not created again. Anything else with the same
   * DocNumber / name is a candidate for a person to decide on; so is an earlier attempt of ours whose outcome is
   * still unknown.
   */
  async function findDuplicates(tenantId: string, workflowId: string, record: AwraRecord): Promise<DuplicateResult> {
    const { entity, rows } = await lookup(tenantId, record);
    const ours = rows.find((r) => isOurs(record, r));
    if (ours) return { adopt: externalRefFrom(entity, ours, await realm.deepLink(tenantId, entity, String(ours.Id))), candidates: [] };
    const uncertain = await uncertainAttempts(db, workflowId);
    return { adopt: null, candidates: [...rows.map((r) => queryCandidate(entity, r)), ...uncertain.map((a) => uncertainAttemptCandidate(entity, a))] };
  }

  return { findOurs, findDuplicates };
}
