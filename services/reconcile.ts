/**
 * The reconciler: for one tenant, finds what the projection, the stored versions and Temporal disagree on, and
 * repairs it the normal way — delivering a version, sending the signal a waiting record missed, asking a workflow to
 * project itself again — never by writing a workflow's state behind Temporal's back. Run by a per-tenant Schedule
 * (RECONCILE_MINUTES) and by an admin (POST /api/v1/tenants/{tenantId}/reconcile).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { getRecordVersion, owedVersions } from '../db/queries/records.ts';
import { blockedOnMappingOrAuthorization, connectionUsable, projectedStates } from '../db/queries/waiting.ts';
import type { AwraRecord } from '../domain/records.ts';
import type { MappingCheck } from '../domain/sync.ts';
import type { ReconcileReport } from '../domain/reconcile.ts';
import { isTerminalState, type RecordType, type SyncState } from '../domain/vocabulary.ts';
import { SyncStateAttr } from '../workflows/search-attributes.ts';
import { connectionRestoredSignal, mappingChangedSignal, reprojectSignal } from '../workflows/signals.ts';
import { deliverRecordVersion, type DeliveryDeps } from './outbox.ts';

export type { ReconcileReport };

export interface ReconcileDeps extends DeliveryDeps {
  /** The mapping check the sync workflow uses (activities/mappings.ts), so "already satisfied" means the same. */
  checkMappings(input: { tenantId: string; record: AwraRecord }): Promise<{ checks: MappingCheck[] }>;
}

export async function reconcileTenant(deps: ReconcileDeps, tenantId: string): Promise<ReconcileReport> {
  const report: ReconcileReport = { tenantId, versionsDelivered: 0, mappingWakeUps: 0, connectionWakeUps: 0, projectionsRepaired: 0, failures: [] };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
      return true;
    } catch (err) {
      report.failures.push(`${what}: ${(err as Error).message}`);
      return false;
    }
  };

  // 1. Versions stored in Postgres that their workflow does not have (never started, or behind).
  const owed = await owedVersions(deps.db, tenantId);
  for (const r of owed) {
    const key = { tenantId, recordType: r.recordType as RecordType, sourceId: r.sourceId };
    if (await attempt(`deliver ${r.recordType} ${r.sourceId}`, () => deliverRecordVersion(deps, key))) report.versionsDelivered += 1;
  }

  // 2. Records waiting on something that is already there.
  const blocked = await blockedOnMappingOrAuthorization(deps.db, tenantId);
  const connected = await connectionUsable(deps.db, tenantId);
  for (const b of blocked) {
    if (b.failureClass === 'authorization') {
      if (!connected) continue;
      if (await attempt(`wake ${b.workflowId}`, () => signal(deps.temporal, b.workflowId, connectionRestoredSignal, { tenantId }))) report.connectionWakeUps += 1;
      continue;
    }
    const record = await getRecordVersion(deps.db, { tenantId, recordType: b.recordType, sourceId: b.sourceId, version: b.version });
    if (!record) continue;
    const { checks } = await deps.checkMappings({ tenantId, record });
    if (!checks.every((c) => c.ok)) continue;
    if (await attempt(`wake ${b.workflowId}`, () => signal(deps.temporal, b.workflowId, mappingChangedSignal, { kind: 'reconcile', key: b.workflowId }))) report.mappingWakeUps += 1;
  }

  // 3. Projections that disagree with their workflow: the state it keeps as a search attribute, or its being over.
  const projected = new Map((await projectedStates(deps.db, tenantId)).map((p) => [p.workflowId, p] as const));
  const running = new Set<string>();
  for await (const wf of deps.temporal.workflow.list({ query: `TenantId = "${tenantId}" AND ExecutionStatus = "Running"` })) {
    running.add(wf.workflowId);
    const shown = wf.typedSearchAttributes.get(SyncStateAttr);
    const p = projected.get(wf.workflowId);
    // Not projected yet (it just started), or the same; 'retrying' is written by the push activity itself.
    if (!p || shown === undefined || shown === 'queued' || shown === p.state || (p.state === 'retrying' && shown === 'syncing')) continue;
    if (await attempt(`re-project ${wf.workflowId}`, () => signal(deps.temporal, wf.workflowId, reprojectSignal, {}))) report.projectionsRepaired += 1;
  }
  for (const p of projected.values()) {
    if (isTerminalState(p.state as SyncState) || running.has(p.workflowId)) continue;
    // Visibility lags a moment behind a start: ask the workflow itself before calling it gone.
    const status = await deps.temporal.workflow
      .getHandle(p.workflowId)
      .describe()
      .then((d) => d.status.name)
      .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? 'NOT_FOUND' : Promise.reject(err)))
      .catch((err: Error) => (report.failures.push(`describe ${p.workflowId}: ${err.message}`), 'UNKNOWN'));
    if (status === 'RUNNING' || status === 'UNKNOWN' || status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') continue;
    // Terminated, failed, timed out or gone while its projection says it is still at work: start it again.
    const key = { tenantId, recordType: p.recordType as RecordType, sourceId: p.sourceId };
    if (await attempt(`restart ${p.workflowId}`, () => deliverRecordVersion(deps, key, { restart: true }))) report.projectionsRepaired += 1;
  }
  return report;
}

async function signal<T>(client: Client, workflowId: string, def: { name: string } & object, arg: T): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(def as never, arg as never);
}
