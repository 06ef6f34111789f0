import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { ReconcileReport } from '../domain/reconcile.ts';
import { connectionWorkflowId } from '../domain/workflow-id.ts';
import { realmConnection, reconcile, reconnectedSignal, refreshReferences } from '../workflows/index.ts';

export function refsScheduleId(tenantId: string): string {
  return `qbo-refs:${tenantId}`;
}

export function reconcileScheduleId(tenantId: string): string {
  return `qbo-reconcile:${tenantId}`;
}

/** The tenant's reconciler runs every `minutes` (services/reconcile.ts); creating it again changes nothing. */
export async function ensureReconcileSchedule(client: Client, opts: { taskQueue: string; tenantId: string; minutes: number }): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: reconcileScheduleId(opts.tenantId),
      spec: { intervals: [{ every: `${opts.minutes} minutes` }] },
      action: { type: 'startWorkflow', workflowType: reconcile, args: [{ tenantId: opts.tenantId }], taskQueue: opts.taskQueue, workflowId: reconcileScheduleId(opts.tenantId) },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

/** Runs the tenant's reconciler now (an admin asked) and waits for its report. */
export async function reconcileNow(client: Client, opts: { taskQueue: string; tenantId: string; actor: string }): Promise<ReconcileReport> {
  return client.workflow.execute(reconcile, {
    workflowId: `qbo-reconcile-now:${opts.tenantId}:${Date.now().toString(36)}`,
    taskQueue: opts.taskQueue,
    args: [{ tenantId: opts.tenantId, actor: opts.actor }],
  });
}

/** Refreshes a realm's QuickBooks lists now (webhook, first connection), besides its schedule. */
export async function refreshReferencesNow(client: Client, taskQueue: string, tenantId: string, reason: string, full = false): Promise<string> {
  const workflowId = `qbo-refs-now:${tenantId}:${reason}:${Date.now().toString(36)}`;
  await client.workflow.start(refreshReferences, { workflowId, taskQueue, args: [{ tenantId, ...(full ? { full } : {}) }] });
  return workflowId;
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
  try {
    await client.schedule.create({
      scheduleId: refsScheduleId(tenantId),
      spec: { intervals: [{ every: `${opts.refsRefreshMinutes ?? 15} minutes` }] },
      action: { type: 'startWorkflow', workflowType: refreshReferences, args: [{ tenantId }], taskQueue, workflowId: `qbo-refs:${tenantId}` },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await refreshReferencesNow(client, taskQueue, tenantId, 'connect', true);
}
