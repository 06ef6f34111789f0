import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { notifyWorkflowId, type NotifyInput } from '../domain/notifications.ts';
import { notify } from '../workflows/notify.ts';

/**
 * Starts the delivery of one message (workflows/notify.ts) under a workflow id made from its message key. A second
 * trigger of the same message while it is delivered joins it (USE_EXISTING); one after it finished is refused by
 * Temporal (REJECT_DUPLICATE) and changes nothing. Past the namespace's retention, when Temporal no longer knows
 * the id, the ledger's unique dedupe keys still keep it from being sent again.
 */
export async function startNotification(client: Client, taskQueue: string, input: NotifyInput): Promise<string> {
  const workflowId = notifyWorkflowId(input.tenantId, input.messageKey);
  try {
    await client.workflow.start(notify, {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}
