import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { lastAttemptNo } from '../db/queries/attempts.ts';
import { projectSyncAt } from '../db/queries/syncs.ts';
import { pushRequestId } from '../domain/request-id.ts';
import type { AwraRecord } from '../domain/records.ts';
import type { ExternalRef } from '../domain/sync.ts';
import { isMasterRecordType } from '../domain/vocabulary.ts';
import type { QboFailureDetails } from '../qbo/failure.ts';
import { summarizeClassification } from '../qbo/failure.ts';
import { CleanProjection, cleanToPush } from '../workflows/sync-record/clean.ts';
import type { CleanSyncInput, CleanSyncResult, PrepareInput, PreparedSync, PushInput, PushResult } from '../workflows/sync-record/types.ts';

export interface CleanSyncDeps {
  db: Db;
  prepareSync(input: PrepareInput): Promise<PreparedSync>;
  pushRecord(input: PushInput): Promise<PushResult>;
  afterSync(input: { tenantId: string; record: AwraRecord; externalRef: ExternalRef; actor: string }): Promise<{ resumed: number }>;
  now?: () => number;
}

/**
 * A new record's clean sync in one activity (workflows/sync-record/clean.ts): prepare, look for duplicates, push
 * with the logical attempt's requestid, project "synced" and tell the records waiting on it. It writes the record's
 * projection on its workflow's behalf only while nothing else wrote it (compare-and-set on the projection's seq);
 * anything that is not plainly clean goes back to the workflow, with what was prepared, before anything is sent.
 */
export function createCleanSync(deps: CleanSyncDeps) {
  const now = deps.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();

  return async function syncClean(input: CleanSyncInput): Promise<CleanSyncResult> {
    const activityAttempt = Context.current().info.attempt;
    const attemptNo = input.logicalAttempt + 1;
    const { workflowId } = input;
    // An earlier try of this activity sent the record already: no duplicate lookup now — the push looks for a lost
    // create itself before it sends again, with the same requestid.
    const sentBefore = activityAttempt > 1 && (await lastAttemptNo(deps.db, workflowId)) >= attemptNo;
    const prep = await deps.prepareSync({ ...input, skipDuplicates: sentBefore });
    if (!cleanToPush(prep, { logicalAttempt: input.logicalAttempt, sentBefore })) return { outcome: 'prepared', prep };

    const requestId = pushRequestId(workflowId, input.version, attemptNo);
    const retryBase = input.status.retryCount;
    const view = new CleanProjection(input.status, prep, input.version, iso);
    // "Syncing" is shown once per logical attempt: a retry finds it (or "retrying") projected already.
    const shown = prep.projectedState === 'syncing' || prep.projectedState === 'retrying';
    if (!(activityAttempt > 1 && shown && prep.projectedVersion === input.version)) {
      const before = view.seq;
      if (!(await write(before, view.syncing(requestId).take()))) return { outcome: 'prepared', prep };
    }

    let pushed: PushResult;
    try {
      pushed = await deps.pushRecord({
        tenantId: input.tenantId,
        workflowId,
        record: prep.record,
        refs: prep.mapping!.refs,
        requestId,
        attemptNo,
        allowDuplicate: false,
        homeCurrency: prep.realm.homeCurrency ?? null,
        multicurrency: prep.realm.multicurrency ?? false,
      });
    } catch (err) {
      // Temporal tries the same request again: the record says so meanwhile (the workflow writes the block if not).
      if (err instanceof ApplicationFailure && !err.nonRetryable) {
        const d = err.details?.[0] as QboFailureDetails | undefined;
        if (d?.classification) {
          const c = d.classification;
          const step = view.retrying({ requestId, activityAttempt, said: summarizeClassification(c), failureClass: c.class === 'accepted' ? 'transient' : c.class }, retryBase);
          await write(view.seq - 1, step.take());
        }
      }
      throw err;
    }

    const base = { outcome: 'pushed' as const, prep, attemptNo, requestId, pushed };
    const record = prep.record;
    const tell = () => deps.afterSync({ tenantId: input.tenantId, record, externalRef: pushed.externalRef, actor: 'sync' });
    // A master record's mapping is written before it shows as synced (its dependants resolve it by then); an
    // invoice's, bill's or purchase order's dependants read its projected state, so it is projected first.
    const master = isMasterRecordType(record.recordType);
    const resumedFirst = master ? (await tell()).resumed : 0;
    const before = view.seq;
    if (!(await write(before, view.synced(pushed, retryBase).resumed(resumedFirst).take()))) return base;
    if (!master) {
      const { resumed } = await tell();
      if (resumed > 0) await write(view.seq, view.resumed(resumed).take());
    }
    return { ...base, status: view.status };
  };

  async function write(expectedSeq: number, w: ReturnType<CleanProjection['take']>): Promise<boolean> {
    return await projectSyncAt(deps.db, expectedSeq, w.status, w.events, w.facts);
  }
}
