import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { attemptsOf } from '../db/queries/attempts.ts';
import { markMappingStale } from '../db/queries/mappings.ts';
import { KIND_ENTITY } from '../db/queries/refs.ts';
import { detectDrift } from '../domain/drift.ts';
import { externalRefFrom } from '../domain/duplicates.ts';
import type { ResolvedRef } from '../domain/mapping-gaps.ts';
import type { MappingKind } from '../domain/vocabulary.ts';
import { classifyQboResponse, readsAsDeleted, type QboClassification } from '../qbo/classify.ts';
import { entityFrom, type QboResponse } from '../qbo/client.ts';
import type { BatchPlace } from '../qbo/coalesce.ts';
import { qboFailure, summarizeClassification } from '../qbo/failure.ts';
import { qboEntityFor, toQboPayload, type QboEntityName } from '../qbo/mappers.ts';
import type { WorkerMetrics } from '../runtime/metrics.ts';
import { pushRetryingSignal } from '../workflows/sync-record/messages.ts';
import type { PushInput, PushResult } from '../workflows/sync-record/types.ts';
import type { createDuplicateFinder } from './duplicates.ts';
import { classifyAndKeep } from './evidence.ts';
import type { createRealmCaller } from './realm-call.ts';

export interface PushDeps {
  db: Db;
  metrics?: WorkerMetrics;
  now?: () => number;
}

/**
 * Sending a record to QuickBooks. The activity reports what happened — the entity, or a classified failure — and
 * keeps the attempt ledger; the record's state is the workflow's to write.
 */
export function createPusher(
  deps: PushDeps,
  realm: Pick<ReturnType<typeof createRealmCaller>, 'callQbo' | 'deepLink' | 'batcher'>,
  duplicates: Pick<ReturnType<typeof createDuplicateFinder>, 'findOurs'>,
) {
  const now = deps.now ?? Date.now;

  /**
   * QuickBooks refused a reference (610 / 2500) without always naming it: read each entity the payload referred to
   * and mark the mappings whose entity is gone or inactive as stale, so the gap shows (and holds the next record)
   * instead of failing again.
   */
  async function markRefusedRefsStale(tenantId: string, refs: Array<[string, ResolvedRef]>, why: string): Promise<void> {
    for (const [id, ref] of refs) {
      const [kind, ...rest] = id.split(':');
      const entity = KIND_ENTITY[kind as MappingKind];
      if (!entity || rest.length === 0) continue;
      const resp = await realm.callQbo(tenantId, (client, ctx) => client.read(ctx, entity as QboEntityName, ref.qboId));
      const e = resp.ok ? (entityFrom(resp, entity as QboEntityName) as { Active?: boolean; Name?: string; DisplayName?: string } | undefined) : undefined;
      const gone = resp.status === 400 || resp.status === 404 || (resp.ok && !e);
      if (gone || e?.Active === false) {
        const name = e?.DisplayName ?? e?.Name ?? ref.qboId;
        await markMappingStale(deps.db, tenantId, kind!, ref.qboId, `QuickBooks refused ${entity} ${name}: ${gone ? 'it no longer exists' : 'it is inactive'} (${why})`);
      }
    }
  }

  /** Tells the workflow that this answer will be retried, so the record shows "retrying" meanwhile. Best effort. */
  async function reportRetrying(input: PushInput, activityAttempt: number, c: QboClassification): Promise<void> {
    const ctx = Context.current();
    try {
      await ctx.client.workflow.getHandle(input.workflowId).signal(pushRetryingSignal, { attemptNo: input.attemptNo, requestId: input.requestId, activityAttempt, said: summarizeClassification(c), classification: c });
    } catch (err) {
      ctx.log.warn('Could not tell the workflow that the push is being retried', { workflowId: input.workflowId, error: (err as Error).message });
    }
  }

  /**
   * Whether a retry of this create must search QuickBooks before sending: an earlier activity attempt's answer left
   * the outcome unknown, or (when writes may go out in a `/batch`, whose requestid is the batch's, not the record's)
   * an earlier attempt left no answer at all — its batch may have committed unseen.
   */
  async function mayExistAlready(input: PushInput, activityAttempt: number): Promise<boolean> {
    if (activityAttempt <= 1 || input.updateOf) return false;
    await realm.batcher.settled(input.requestId);
    const earlier = (await attemptsOf(deps.db, input.workflowId, input.attemptNo)).filter((a) => a.activityAttempt < activityAttempt);
    if (earlier.some((a) => a.class === 'outcome_uncertain')) return true;
    return realm.batcher.coalescing && earlier.length < activityAttempt - 1;
  }

  /**
   * Sends the create with the logical attempt's requestid (the same on every automatic retry), classifies the
   * answer and records it as evidence. After an answer that left the outcome unknown, QuickBooks is searched
   * first, so a lost response never becomes a second entity. Records of the realm ready at the same time go out
   * together in one `/batch` (activities/realm-batcher.ts); each still gets its own answer, evidence and retries.
   */
  async function pushRecord(input: PushInput): Promise<PushResult> {
    const activityAttempt = Context.current().info.attempt;
    const entity = qboEntityFor(input.record.recordType);
    // Only a create can have happened unseen; an update is retried with the same requestid (QuickBooks replays it).
    if (await mayExistAlready(input, activityAttempt)) {
      const ours = await duplicates.findOurs(input.tenantId, input.record);
      if (ours) return { externalRef: ours, activityAttempt, adopted: true };
    }
    const payload = toQboPayload(input.record, new Map(input.refs), { homeCurrency: input.homeCurrency ?? null, multicurrency: input.multicurrency ?? false });
    const startedAt = new Date(now()).toISOString();
    const updateOf = input.updateOf;
    let found: Record<string, unknown> | undefined;
    if (updateOf) {
      // Read the entity right before the update: its current SyncToken (one from an earlier read may be stale: 5010),
      // and whether someone changed it in QuickBooks since the sync.
      const current = await realm.callQbo(input.tenantId, (client, ctx) => client.read(ctx, payload.entity, updateOf.qboId));
      found = current.ok ? (entityFrom(current, payload.entity) as Record<string, unknown> | undefined) : undefined;
      const gone = !current.ok && readsAsDeleted(current.status, classifyQboResponse(current));
      // No blind overwrite: a version of the entity someone changed in QuickBooks is replaced only on a person's say.
      const edited = input.overwrite || (!found && !gone) ? null : detectDrift(updateOf, gone ? { deleted: true } : { entity: found! }, new Date(now()).toISOString());
      if (edited) return { externalRef: updateOf, activityAttempt, adopted: false, edited };
      // A read that failed is the attempt's answer: classified and kept as evidence like any other.
      if (!found) return answered(current);
    }
    const body = updateOf ? { ...payload.body, Id: updateOf.qboId, SyncToken: String((found as { SyncToken?: string }).SyncToken) } : payload.body;
    const op = { operation: updateOf ? ('update' as const) : ('create' as const), entity: payload.entity, body, requestId: input.requestId };
    const out = await realm.batcher.write(input.tenantId, op, Context.current(), { allowDuplicateDocNum: input.allowDuplicate });
    return answered(out.resp, out.batch);

    /** QuickBooks' answer to the attempt: classified, kept as evidence, and turned into the result or the failure. */
    async function answered(resp: QboResponse, batch?: BatchPlace): Promise<PushResult> {
      const c = await classifyAndKeep(deps.db, input, 'a push', input.record.number, { activityAttempt, startedAt, finishedAt: new Date(now()).toISOString(), resp, ...(batch ? { batch } : {}) });
      deps.metrics?.pushAttempts.inc({ class: c.class });
      if (activityAttempt > 1) deps.metrics?.retries.inc();
      if (c.class === 'accepted') {
        const created = entityFrom(resp, payload.entity);
        if (!created) throw new Error(`QuickBooks accepted the ${payload.entity} but returned no entity`);
        return { externalRef: externalRefFrom(entity, created, await realm.deepLink(input.tenantId, entity, String(created.Id))), activityAttempt, adopted: false };
      }
      if (c.class === 'mapping') await markRefusedRefsStale(input.tenantId, input.refs, summarizeClassification(c));
      if (c.retryable) await reportRetrying(input, activityAttempt, c);
      const said = summarizeClassification(c);
      throw qboFailure(c, `QuickBooks ${c.retryable ? 'did not accept the request this time' : 'rejected the record'}: ${said}`, { activityAttempt, requestId: input.requestId });
    }
  }

  return { pushRecord };
}
