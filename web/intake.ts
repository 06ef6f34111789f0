import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import { latestRecordVersion, storeRecordVersion } from '../db/queries/records.ts';
import { getSync } from '../db/queries/syncs.ts';
import { getTenant } from '../db/queries/tenants.ts';
import type { AwraRecord } from '../domain/records.ts';
import type { SyncCarry, SyncRecordInput } from '../domain/sync.ts';
import { isTerminalState, type SyncState } from '../domain/vocabulary.ts';
import { syncWorkflowId } from '../domain/workflow-id.ts';
import { sourceUpdatedSignal, syncRecord } from '../workflows/index.ts';
import {
  FailureClassAttr,
  OwnerAttr,
  RecordNumberAttr,
  RecordTypeAttr,
  SyncStateAttr,
  TenantIdAttr,
} from '../workflows/search-attributes.ts';

export type IntakeResult =
  | { ok: true; workflowId: string; outcome: 'accepted' | 'duplicate' | 'older_version'; latestVersion: number }
  | { ok: false; status: 400 | 409 | 503; code: string; message: string; fields?: Record<string, string> };

export interface IntakeDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  defaultSlaSeconds?: number;
  workflowDefaults?: Pick<SyncRecordInput, 'retry' | 'historyLimit' | 'waitRecheckSeconds'>;
}

/**
 * Takes one validated AWRA record version: stores it, then starts the record's workflow or tells the running one
 * about the new version. Storing first means nothing is lost if Temporal is unreachable; re-submitting the same
 * version is then the way to start it. A version the record's workflow already has (its projection says so) is
 * never delivered again, so a cancelled or synced record stays as it is; a newer one after it finished starts the
 * next run, which keeps the earlier runs' retry count, assignee and escalation (their evidence stays in Postgres).
 */
export async function submitRecord(deps: IntakeDeps, record: AwraRecord, actor: string): Promise<IntakeResult> {
  const tenant = await getTenant(deps.db, record.tenantId);
  if (!tenant) {
    return {
      ok: false,
      status: 400,
      code: 'unknown_tenant',
      message: `Tenant "${record.tenantId}" does not exist; create it first (POST /api/v1/tenants).`,
      fields: { tenantId: 'unknown tenant' },
    };
  }
  const stored = await storeRecordVersion(deps.db, record, actor);
  if (stored === 'conflict') {
    return {
      ok: false,
      status: 409,
      code: 'version_conflict',
      message: `Version ${record.version} of ${record.number} was already received with different content. Send changes as a new version.`,
      fields: { version: 'already received with different content' },
    };
  }
  const workflowId = syncWorkflowId(record);
  const latest = (await latestRecordVersion(deps.db, record)) ?? record.version;
  const outcome = stored === 'duplicate' ? 'duplicate' : record.version < latest ? 'older_version' : 'accepted';
  const projected = await getSync(deps.db, record.tenantId, workflowId);
  if (projected && projected.version >= latest) return { ok: true, workflowId, outcome, latestVersion: latest };
  // Only read when a run starts: a running workflow keeps its own count, assignee and escalation.
  const carry: SyncCarry | undefined =
    projected && isTerminalState(projected.state as SyncState)
      ? {
          retryCount: projected.retryCount,
          logicalAttempt: 0,
          seq: projected.seq,
          ...(projected.assignee ? { assignee: projected.assignee } : {}),
          ...(projected.escalatedTo ? { escalatedTo: projected.escalatedTo } : {}),
        }
      : undefined;
  try {
    await deps.temporal.workflow.signalWithStart(syncRecord, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [
        {
          tenantId: record.tenantId,
          recordType: record.recordType,
          sourceId: record.sourceId,
          version: latest,
          slaSeconds: tenant.slaSeconds ?? deps.defaultSlaSeconds,
          ...deps.workflowDefaults,
          ...(carry ? { carry } : {}),
        },
      ],
      signal: sourceUpdatedSignal,
      signalArgs: [{ version: latest }],
      typedSearchAttributes: [
        { key: TenantIdAttr, value: record.tenantId },
        { key: RecordTypeAttr, value: record.recordType },
        { key: RecordNumberAttr, value: record.number },
        { key: SyncStateAttr, value: 'queued' },
        { key: FailureClassAttr, value: 'none' },
        { key: OwnerAttr, value: 'none' },
      ],
      staticSummary: `${record.recordType} ${record.number} (${record.tenantId})`,
    });
  } catch (err) {
    return {
      ok: false,
      status: 503,
      code: 'workflow_unavailable',
      message: `The record was stored, but its sync could not be started (${(err as Error).message}). Send the same version again to start it.`,
    };
  }
  return { ok: true, workflowId, outcome, latestVersion: latest };
}
