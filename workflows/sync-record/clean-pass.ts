import { prepare, pushFailed, takeVersion, type CleanPush } from './steps.ts';
import type { RecordSync } from './state.ts';
import type { PreparedSync } from './types.ts';

/**
 * What the clean path left for the steps: `done` (synced and projected), `again` (blocked by the push's answer and
 * woken since), or what was prepared — with the push when the activity made one it could not project.
 */
export type CleanPass = 'done' | 'again' | { prep: PreparedSync; sent?: CleanPush; received?: 'shown' };

/** Whether this pass may take the clean path: the run's first, started by code that has it, nothing asked of it. */
export function mayTakeCleanPath(sync: RecordSync): boolean {
  return sync.input.cleanPath === true && sync.loadedVersion === 0 && !sync.input.driftDecision && !sync.createAnyway && !sync.linkRequest && !sync.triggers.has('cancel');
}

/**
 * A new record's first pass in one activity (sync-record/clean.ts, activities/clean-sync.ts): a clean sync's history
 * is one activity long. When the push's answer is a failure, the record is prepared again (no lookup: something was
 * sent) and blocks the way the push step blocks.
 */
export async function cleanPass(sync: RecordSync, version: number): Promise<CleanPass> {
  const { input } = sync;
  const retryBase = sync.status.retryCount;
  sync.setState('validating');
  try {
    const out = await sync.act.qbo.syncClean({
      tenantId: input.tenantId,
      workflowId: sync.workflowId,
      recordType: input.recordType,
      sourceId: input.sourceId,
      version,
      status: { ...sync.status },
      logicalAttempt: sync.logicalAttempt,
    });
    if (out.outcome === 'prepared') return { prep: out.prep };
    if (out.status) {
      sync.tookCleanPath(out.status, version, out.attemptNo);
      return 'done';
    }
    // Something else wrote the projection meanwhile: read where it stands, then finish as the push step does.
    const prep = await prepare(sync, version, { afterPush: true });
    return prep ? { prep, sent: out, ...shown(prep, version) } : 'again';
  } catch (err) {
    const prep = await prepare(sync, version, { afterPush: true });
    if (!prep) return 'again';
    takeVersion(sync, prep, version, shown(prep, version));
    await pushFailed(sync, prep.record, err, retryBase);
    return 'again';
  }
}

/** The activity showed the version as received (and sent) before it failed or gave way. */
function shown(prep: PreparedSync, version: number): { received?: 'shown' } {
  return prep.projectedVersion === version && (prep.projectedState === 'syncing' || prep.projectedState === 'retrying') ? { received: 'shown' } : {};
}
