import { allHandlersFinished, condition, continueAsNew, log, patched, workflowInfo } from '@temporalio/workflow';
import { cleanPass, mayTakeCleanPath } from './sync-record/clean-pass.ts';
import { registerHandlers } from './sync-record/handlers.ts';
import { decide } from './sync-record/drift.ts';
import { RecordSync } from './sync-record/state.ts';
import { checkDuplicates, checkMappings, checkReady, link, prepare, push, takeVersion, voided } from './sync-record/steps.ts';
import type { SyncRecordInput, SyncResult } from './sync-record/types.ts';

export * from './sync-record/messages.ts';
export type * from './sync-record/types.ts';

/** Keep histories replayable and cheap: start afresh (carrying what matters) before they grow large. */
const MAX_HISTORY_EVENTS = 5_000;

/**
 * One record's controlled sync to QuickBooks (DESIGN.md §3): validate, check mappings, check duplicate risk, push
 * with a stable requestid, classify, then resolve, retry or escalate. Every state change is projected to Postgres
 * and kept in search attributes, so the console, the API and the Temporal UI tell the same story. The steps are in
 * sync-record/steps.ts, the shared moves (block, wait, finish) in sync-record/state.ts, what it answers while it
 * runs in sync-record/handlers.ts.
 */
export async function syncRecord(input: SyncRecordInput): Promise<SyncResult> {
  const sync = new RecordSync(input);
  registerHandlers(sync);
  const { status, triggers } = sync;
  const result = (): SyncResult => ({ state: status.state, externalRef: status.externalRef, retryCount: status.retryCount });
  // A newer version that AWRA sent while the record was finishing (telling its dependants, projecting) is taken now,
  // instead of ending the run with it unread.
  const finished = () => !(triggers.has('version') && !triggers.has('cancel') && patched('take-late-version'));

  for (;;) {
    if (triggers.has('cancel')) break;
    // The "create anyway" decision lives in `sync.createAnyway` until the push it allows has run.
    for (const t of ['version', 'mapping', 'connection', 'retry', 'recheck', 'create_anyway'] as const) triggers.delete(t);

    if (workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS)) {
      await sync.project();
      await condition(allHandlersFinished);
      return await continueAsNew<typeof syncRecord>({
        ...input,
        version: sync.latestVersion,
        carry: {
          retryCount: status.retryCount,
          logicalAttempt: sync.logicalAttempt,
          seq: status.seq,
          createAnyway: sync.createAnyway,
          ...(status.assignee ? { assignee: status.assignee } : {}),
          ...(status.escalatedTo ? { escalatedTo: status.escalatedTo } : {}),
          ...(sync.slaLevelReached ? { slaLevel: sync.slaLevelReached } : {}),
        },
      });
    }

    const version = sync.latestVersion;
    // A new record's clean first pass is one activity (sync-record/clean.ts); what it leaves goes through the steps.
    const clean = mayTakeCleanPath(sync) ? await cleanPass(sync, version) : undefined;
    if (clean === 'done' && finished()) break;
    if (clean === 'done' || clean === 'again') continue;
    const prep = clean?.prep ?? (await prepare(sync, version));
    if (!prep) continue;
    takeVersion(sync, prep, version, clean?.received ? { received: clean.received } : {});
    if (prep.record.status === 'void') {
      if ((await voided(sync, prep.record, version)) === 'done' && finished()) return result();
      continue;
    }
    const decided = await decide(sync, prep.record);
    if (decided !== 'next') {
      if (decided === 'done' && finished()) break;
      continue;
    }
    if ((await checkReady(sync, prep)) === 'again') continue;
    if ((await checkMappings(sync, prep)) === 'again') continue;
    const linked = await link(sync, prep.record);
    if (linked !== 'next') {
      if (linked === 'done' && finished()) break;
      continue;
    }
    const dup = await checkDuplicates(sync, prep);
    if (dup === 'done' && finished()) break;
    if (dup !== 'next') continue;
    if ((await push(sync, prep, version, clean?.sent)) === 'done' && finished()) break;
  }

  const cancel = sync.cancelRequest;
  if (cancel && !sync.isTerminal()) {
    sync.setState('cancelled');
    sync.event('cancelled', `Cancelled by ${cancel.actor}: ${cancel.reason}`, cancel.actor);
    await sync.project();
  }
  log.debug('sync finished', { state: status.state, retryCount: status.retryCount });
  return result();
}
