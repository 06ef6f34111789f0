import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { ErrorTypes } from '../../domain/errors.ts';
import type { SyncRecordInput } from './types.ts';

/**
 * The activities a record's sync calls, with their retry policies. `quick` are local activities against Postgres
 * (projection, mapping checks, audit); `qbo` talk to QuickBooks and may wait on the realm's limiter; `notify` asks
 * for a message to people.
 */
export function syncActivities(retry: NonNullable<SyncRecordInput['retry']> = {}) {
  const quick = proxyLocalActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 ms', maximumInterval: '30 seconds', nonRetryableErrorTypes: [ErrorTypes.RecordNotFound] },
  });
  const qbo = proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    // The worker heartbeats while an activity runs (worker/keep-alive.ts): a dead worker or a task lost in a server
    // restart is retried after this, not after the whole start-to-close timeout.
    heartbeatTimeout: '20 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs ?? 2_000,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs ?? 5 * 60_000,
      maximumAttempts: retry.maximumAttempts ?? 10,
      nonRetryableErrorTypes: [ErrorTypes.QboRejected, ErrorTypes.QboAuthorization, ErrorTypes.RecordNotFound],
    },
  });
  // Telling people (activities/notify.ts `requestNotification`) only starts a delivery workflow. It must never hold
  // a record (or a person's update) up for long: it gives up after a few tries, and the record's timeline says so.
  const notify = proxyLocalActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 3 },
  });
  return { quick, qbo, notify };
}

export type SyncActivities = ReturnType<typeof syncActivities>;
