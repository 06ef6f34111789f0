import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { checkReadiness, isReady, recordAmount, recordTxnDate } from '../domain/readiness.ts';
import type { ProjectionFacts, SyncEvent, SyncRecordInput, SyncResult, SyncStatus } from '../domain/sync.ts';
import { ownerForFailureClass, type FailureClass, type SyncState } from '../domain/vocabulary.ts';
import { ErrorTypes } from '../domain/errors.ts';
import { FailureClassAttr, OwnerAttr, RecordNumberAttr, SyncStateAttr } from './search-attributes.ts';

export const stateQuery = defineQuery<SyncStatus>('state');
/** AWRA submitted a newer version of the record (fire-and-forget). */
export const sourceUpdatedSignal = defineSignal<[{ version: number }]>('sourceUpdated');
export interface CancelRequest {
  actor: string;
  reason: string;
}
export const cancelUpdate = defineUpdate<SyncStatus, [CancelRequest]>('cancel');

const DEFAULT_SLA_SECONDS = 86_400;

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: [ErrorTypes.RecordNotFound] },
});

/**
 * One record's controlled sync to QuickBooks (DESIGN.md §3). Every state change is projected to Postgres and kept
 * in search attributes, so the console, the API and the Temporal UI tell the same story.
 */
export async function syncRecord(input: SyncRecordInput): Promise<SyncResult> {
  const { workflowId } = workflowInfo();
  const status: SyncStatus = {
    workflowId,
    tenantId: input.tenantId,
    recordType: input.recordType,
    sourceId: input.sourceId,
    number: '',
    version: input.version,
    state: 'queued',
    failureClass: null,
    owner: null,
    actionNeeded: null,
    retryCount: input.carry?.retryCount ?? 0,
    readiness: [],
    mappings: [],
    duplicateCandidates: [],
    externalRef: null,
    assignee: input.carry?.assignee ?? null,
    escalatedTo: input.carry?.escalatedTo ?? null,
    blockedSince: null,
    slaDueAt: null,
    seq: input.carry?.seq ?? 0,
  };
  let latestVersion = input.version;
  let cancelRequest: CancelRequest | undefined;
  const pending: SyncEvent[] = [];
  let facts: ProjectionFacts = {};

  const event = (kind: string, message: string, actor = 'system', data?: Record<string, unknown>) => {
    status.seq += 1;
    pending.push({ seq: status.seq, at: new Date().toISOString(), kind, message, actor, ...(data ? { data } : {}) });
  };

  setHandler(stateQuery, () => status);
  setHandler(sourceUpdatedSignal, ({ version }) => {
    if (version > latestVersion) latestVersion = version;
  });
  setHandler(
    cancelUpdate,
    (req) => {
      cancelRequest = req;
      return status;
    },
    {
      validator: (req) => {
        if (status.state === 'synced' || status.state === 'linked' || status.state === 'cancelled') {
          throw new Error(`This record is already ${status.state}; there is nothing to cancel.`);
        }
        if (!req.reason?.trim()) throw new Error('Say why the sync is cancelled.');
      },
    },
  );

  const setState = (state: SyncState, failureClass: FailureClass | null = null, actionNeeded: string | null = null) => {
    const wasBlocked = status.state === 'blocked';
    status.state = state;
    status.failureClass = failureClass;
    status.owner = failureClass ? ownerForFailureClass(failureClass) : null;
    status.actionNeeded = actionNeeded;
    if (state === 'blocked' && !wasBlocked) {
      const now = Date.now();
      status.blockedSince = new Date(now).toISOString();
      status.slaDueAt = new Date(now + (input.slaSeconds ?? DEFAULT_SLA_SECONDS) * 1000).toISOString();
    } else if (state !== 'blocked') {
      status.blockedSince = null;
      status.slaDueAt = null;
    }
    upsertSearchAttributes([
      { key: SyncStateAttr, value: state },
      { key: FailureClassAttr, value: failureClass ?? 'none' },
      { key: OwnerAttr, value: status.owner ?? 'none' },
    ]);
  };

  const project = async () => {
    const events = pending.splice(0);
    await quick.projectSync({ status: { ...status }, events, facts });
  };

  for (;;) {
    const version = latestVersion;
    status.version = version;
    const record = await quick.loadRecordVersion({
      tenantId: input.tenantId,
      recordType: input.recordType,
      sourceId: input.sourceId,
      version,
    });
    const amount = recordAmount(record);
    facts = { currency: amount?.currency ?? null, amountMinor: amount?.amount ?? null, txnDate: recordTxnDate(record) };
    if (record.number !== status.number) {
      status.number = record.number;
      upsertSearchAttributes([{ key: RecordNumberAttr, value: record.number }]);
    }
    event('version_received', `Version ${version} of ${record.number} received from AWRA.`, 'awra', { version });

    if (record.status === 'void') {
      setState('cancelled');
      event('cancelled', `${record.number} was voided in AWRA, so it will not be sent to QuickBooks.`, 'awra');
      await project();
      break;
    }

    setState('validating');
    status.readiness = checkReadiness(record);
    if (!isReady(status.readiness)) {
      const failed = status.readiness.filter((c) => !c.ok);
      setState('blocked', 'source_data', `Correct ${record.number} in AWRA: ${failed.map((c) => c.message).join(' ')}`);
      event('blocked', `Not ready: ${failed.map((c) => c.label.toLowerCase()).join(', ')}.`, 'system', {
        failed: failed.map((c) => c.id),
      });
      await project();
      await condition(() => latestVersion > version || cancelRequest !== undefined);
      if (cancelRequest) break;
      continue;
    }

    // Ready. The QuickBooks steps (mappings, duplicate check, push) are not built yet, so the record waits here
    // for a newer version or a cancel rather than pretending to sync.
    setState('queued', null, 'Ready for QuickBooks. Sending to QuickBooks is not available yet.');
    event('ready', `${record.number} passed every readiness check.`);
    await project();
    await condition(() => latestVersion > version || cancelRequest !== undefined);
    if (cancelRequest) break;
  }

  if (cancelRequest) {
    setState('cancelled');
    event('cancelled', `Cancelled: ${cancelRequest.reason}`, cancelRequest.actor);
    await project();
  }
  log.info('sync finished', { state: status.state });
  return { state: status.state, externalRef: status.externalRef, retryCount: status.retryCount };
}
