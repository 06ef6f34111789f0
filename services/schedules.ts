/**
 * A tenant's own Temporal work beside its records' syncs: the Schedules that refresh its QuickBooks lists, run its
 * reconciler and send its daily notifications, their run-now variants, and what a (re)connection starts.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { ReconcileReport } from '../domain/reconcile.ts';
import { connectionWorkflowId } from '../domain/workflow-id.ts';
import { dailyNotifications, realmConnection, reconcile, reconnectedSignal, refreshReferences } from '../workflows/index.ts';

export function refsScheduleId(tenantId: string): string {
  return `qbo-refs:${tenantId}`;
}

export function reconcileScheduleId(tenantId: string): string {
  return `qbo-reconcile:${tenantId}`;
}

/** Creates a Schedule; one that exists already is left as it is. */
async function createSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

/** The tenant's reconciler runs every `minutes` (services/reconcile.ts); creating it again changes nothing. */
export async function ensureReconcileSchedule(client: Client, opts: { taskQueue: string; tenantId: string; minutes: number }): Promise<void> {
  await createSchedule(client, {
    scheduleId: reconcileScheduleId(opts.tenantId),
    spec: { intervals: [{ every: `${opts.minutes} minutes` }] },
    action: { type: 'startWorkflow', workflowType: reconcile, args: [{ tenantId: opts.tenantId }], taskQueue: opts.taskQueue, workflowId: reconcileScheduleId(opts.tenantId) },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  });
}

export function dailyScheduleId(tenantId: string): string {
  return `qbo-daily:${tenantId}`;
}

/**
 * The tenant's daily notifications (workflows/notify.ts `dailyNotifications`: each person's digest, the reconnect
 * reminder) at `hourUtc`:00 UTC; creating it again changes nothing.
 */
export async function ensureDailySchedule(client: Client, opts: { taskQueue: string; tenantId: string; hourUtc: number }): Promise<void> {
  await createSchedule(client, {
    scheduleId: dailyScheduleId(opts.tenantId),
    spec: { calendars: [{ hour: opts.hourUtc, minute: 0 }] },
    action: { type: 'startWorkflow', workflowType: dailyNotifications, args: [{ tenantId: opts.tenantId }], taskQueue: opts.taskQueue, workflowId: dailyScheduleId(opts.tenantId) },
    // A day whose run was missed (Temporal down) is caught up within a few hours, not the next morning.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' },
  });
}

/** Runs the tenant's reconciler now (an admin asked) and waits for its report. */
export async function reconcileNow(client: Client, opts: { taskQueue: string; tenantId: string; actor: string }): Promise<ReconcileReport> {
  return client.workflow.execute(reconcile, {
    workflowId: `qbo-reconcile-now:${opts.tenantId}:${Date.now().toString(36)}`,
    taskQueue: opts.taskQueue,
    args: [{ tenantId: opts.tenantId, actor: opts.actor }],
  });
}

/**
 * Starts a refresh of a realm's QuickBooks lists now, besides its schedule (first connection: `full`; a webhook for a
 * tenant without a schedule). The id is fixed per tenant and reason (`qbo-refs-now:{tenantId}:{reason}`, which
 * scripts/forget-tenant.ts matches) and a start while that refresh still runs joins it instead of starting another:
 * an outbox redelivery of the same connection, or a burst of webhooks, runs one refresh.
 */
export async function refreshReferencesNow(client: Client, taskQueue: string, tenantId: string, reason: 'connect' | 'webhook', full = false): Promise<string> {
  const workflowId = `qbo-refs-now:${tenantId}:${reason}`;
  await client.workflow.start(refreshReferences, {
    workflowId,
    taskQueue,
    args: [{ tenantId, ...(full ? { full } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return workflowId;
}

/**
 * QuickBooks said something in a realm changed (a webhook): its lists are refreshed by change data capture soon.
 *
 * Through the tenant's refs Schedule, triggered with BUFFER_ONE: at most one refresh runs and one waits, however
 * many webhooks arrive. The waiting one matters: a change that lands after a running refresh read its changes is
 * picked up by the next one, where joining the running refresh (a fixed workflow id) would drop it. And the
 * Schedule's own runs share that one slot, instead of overlapping a webhook's.
 *
 * A tenant without a Schedule (connected before there were Schedules, or it was deleted) still gets refreshed, by
 * `refreshReferencesNow`: one refresh at a time, without the waiting one. The Schedule is not created here, since a
 * deleted one may have been deleted on purpose (scripts/forget-tenant.ts deletes it before the tenant's rows);
 * reconnecting the tenant creates it again.
 */
export async function refreshReferencesSoon(client: Client, taskQueue: string, tenantId: string): Promise<'schedule' | 'started'> {
  try {
    await client.schedule.getHandle(refsScheduleId(tenantId)).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    return 'schedule';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await refreshReferencesNow(client, taskQueue, tenantId, 'webhook');
  return 'started';
}

/**
 * After a tenant (re)connects QuickBooks: its connection workflow (the only writer of its tokens) is started or told,
 * which resumes every record paused on authorization; its reference cache gets a Schedule and a first full load.
 */
export async function afterConnect(client: Client, opts: { taskQueue: string; tenantId: string; refsRefreshMinutes?: number }): Promise<void> {
  const { taskQueue, tenantId } = opts;
  await client.workflow.signalWithStart(realmConnection, {
    workflowId: connectionWorkflowId(tenantId),
    taskQueue,
    args: [{ tenantId }],
    signal: reconnectedSignal,
    signalArgs: [],
  });
  await createSchedule(client, {
    scheduleId: refsScheduleId(tenantId),
    spec: { intervals: [{ every: `${opts.refsRefreshMinutes ?? 15} minutes` }] },
    action: { type: 'startWorkflow', workflowType: refreshReferences, args: [{ tenantId }], taskQueue, workflowId: refsScheduleId(tenantId) },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  });
  await refreshReferencesNow(client, taskQueue, tenantId, 'connect', true);
}
