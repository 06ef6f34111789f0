import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { writeAudit } from '../db/queries/audit.ts';
import type { SyncRecordInput } from '../workflows/sync-record/types.ts';
import { reconcileTenant, type ReconcileReport } from '../services/reconcile.ts';
import { createMappingActivities } from './mappings.ts';

export interface ReconcileActivityDeps {
  db: Db;
  /** What workflows the reconciler (re)starts are given, like the ones intake starts. */
  workflowDefaults?: Pick<SyncRecordInput, 'retry' | 'historyLimit' | 'waitRecheckSeconds'>;
}

export function createReconcileActivities(deps: ReconcileActivityDeps) {
  const { checkMappings } = createMappingActivities({ db: deps.db });
  return {
    /** One reconciliation of a tenant (services/reconcile.ts), audited with what it found and repaired. */
    async reconcileTenant(input: { tenantId: string; actor: string }): Promise<ReconcileReport> {
      const ctx = Context.current();
      const report = await reconcileTenant(
        { db: deps.db, temporal: ctx.client, taskQueue: ctx.info.taskQueue, ...(deps.workflowDefaults ? { workflowDefaults: deps.workflowDefaults } : {}), checkMappings },
        input.tenantId,
      );
      await writeAudit(deps.db, { tenantId: input.tenantId, actor: input.actor, action: 'tenant.reconcile', detail: { ...report }, succeeded: report.failures.length === 0 });
      return report;
    },
  };
}
