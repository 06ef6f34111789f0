import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { connectionWorkflowId } from '../domain/workflow-id.ts';
import { realmConnection, reconnectedSignal, refreshReferences } from '../workflows/index.ts';

export function refsScheduleId(tenantId: string): string {
  return `qbo-refs:${tenantId}`;
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
