import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ReconcileReport } from '../domain/reconcile.ts';

export interface ReconcileInput {
  tenantId: string;
  /** Who asked: `schedule` or the admin, for the audit log. */
  actor?: string;
}

/**
 * Reconciles one tenant: stored versions their workflow lacks, records waiting on something already there,
 * projections that disagree with their workflow (services/reconcile.ts). Run by the tenant's Schedule every
 * RECONCILE_MINUTES and on demand by an admin.
 */
export async function reconcile(input: ReconcileInput): Promise<ReconcileReport> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
  });
  return acts.reconcileTenant({ tenantId: input.tenantId, actor: input.actor ?? 'schedule' });
}
