import { latestRecordVersion, storeRecordVersion } from '../db/queries/records.ts';
import { enqueueDelivery } from '../db/queries/outbox.ts';
import { getTenant } from '../db/queries/tenants.ts';
import type { AwraRecord } from '../domain/records.ts';
import { syncWorkflowId } from '../domain/workflow-id.ts';
import { deliverNow, deliverVersionNow, FIRST_TRY_GRACE_MS, type DeliveryDeps } from './outbox.ts';

export type IntakeResult =
  | { ok: true; workflowId: string; outcome: 'accepted' | 'duplicate' | 'older_version'; latestVersion: number; delivery: 'delivered' | 'pending' }
  | { ok: false; status: 400 | 409; code: string; message: string; fields?: Record<string, string> };

export type IntakeDeps = DeliveryDeps;

/**
 * Takes one validated AWRA record version: stores it together with an outbox row in one transaction, then delivers
 * it to the record's workflow at once. Once Postgres has the version it is accepted: if Temporal does not answer,
 * the outbox drainer delivers it later (`delivery: 'pending'`), and AWRA need not send it again. A version the
 * record's workflow already has is never delivered again (services/outbox.ts), so a re-sent version is a no-op
 * whatever the record's state.
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
  const key = { tenantId: record.tenantId, recordType: record.recordType, sourceId: record.sourceId };
  const { stored, row } = await deps.db.transaction(async (tx) => {
    const outcome = await storeRecordVersion(tx, record, actor);
    // The drainer leaves a fresh row alone for a moment: the delivery right below normally takes it.
    const queued = outcome === 'stored' ? await enqueueDelivery(tx, { tenantId: record.tenantId, kind: 'record_version', payload: { recordType: record.recordType, sourceId: record.sourceId }, notBefore: new Date(Date.now() + FIRST_TRY_GRACE_MS) }) : undefined;
    return { stored: outcome, row: queued };
  });
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
  // A re-sent version has no row of its own: deliver what is owed, in case its first delivery never happened.
  const delivery = row ? await deliverNow(deps, row) : await deliverVersionNow(deps, key);
  return { ok: true, workflowId, outcome, latestVersion: latest, delivery };
}
