import { and, desc, eq, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Db, DbOrTx } from '../client.ts';
import { sourceRecords } from '../schema.ts';
import type { AwraRecord } from '../../domain/records.ts';
import { requiredReferences } from '../../domain/required-mappings.ts';

/** Stable JSON (sorted keys) so the same record always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(record: AwraRecord): string {
  return createHash('sha256')
    .update(canonical({ number: record.number, status: record.status, data: record.data }))
    .digest('hex');
}

/** Every version of one AWRA record (tenant, type, source id). */
function sameRecord(key: { tenantId: string; recordType: string; sourceId: string }) {
  return and(eq(sourceRecords.tenantId, key.tenantId), eq(sourceRecords.recordType, key.recordType), eq(sourceRecords.sourceId, key.sourceId));
}

export type StoreOutcome = 'stored' | 'duplicate' | 'conflict';

/**
 * Stores one record version. Re-sending identical content is a no-op ('duplicate'); the same version with other
 * content is refused ('conflict') so evidence is never silently overwritten.
 */
export async function storeRecordVersion(db: DbOrTx, record: AwraRecord, receivedBy: string): Promise<StoreOutcome> {
  const hash = contentHash(record);
  const inserted = await db
    .insert(sourceRecords)
    .values({
      tenantId: record.tenantId,
      recordType: record.recordType,
      sourceId: record.sourceId,
      version: record.version,
      number: record.number,
      status: record.status,
      data: record.data as Record<string, unknown>,
      contentHash: hash,
      receivedBy,
      refs: requiredReferences(record).map((r) => ({ kind: r.kind, key: r.key })),
    })
    .onConflictDoNothing()
    .returning({ version: sourceRecords.version });
  if (inserted.length > 0) return 'stored';
  const [existing] = await db
    .select({ contentHash: sourceRecords.contentHash })
    .from(sourceRecords)
    .where(and(sameRecord(record), eq(sourceRecords.version, record.version)));
  return existing?.contentHash === hash ? 'duplicate' : 'conflict';
}

export interface RecordKey {
  tenantId: string;
  recordType: string;
  sourceId: string;
}

export async function getRecordVersion(db: Db, key: RecordKey & { version: number }): Promise<AwraRecord | undefined> {
  const [row] = await db
    .select()
    .from(sourceRecords)
    .where(and(sameRecord(key), eq(sourceRecords.version, key.version)));
  if (!row) return undefined;
  return {
    tenantId: row.tenantId,
    recordType: row.recordType,
    sourceId: row.sourceId,
    version: row.version,
    number: row.number,
    status: row.status,
    data: row.data,
  } as AwraRecord;
}

export async function latestRecordVersion(db: Db, key: RecordKey): Promise<number | undefined> {
  const [row] = await db
    .select({ version: sourceRecords.version })
    .from(sourceRecords)
    .where(sameRecord(key))
    .orderBy(desc(sourceRecords.version))
    .limit(1);
  return row?.version;
}

/** A record whose newest stored version its sync has not taken: never started (`workflowId` null) or behind. */
export interface OwedVersion {
  recordType: string;
  sourceId: string;
  version: number;
  number: string;
  workflowId: string | null;
  txnDate: string | null;
  currency: string | null;
  amount: number | null;
}

/** Every owed version of the tenant (close readiness and the reconciler ask the same question), optionally by date. */
export async function owedVersions(db: Db, tenantId: string, dated?: { from: string; until: string }): Promise<OwedVersion[]> {
  const rows = (await db.execute(sql`
    with latest as (
      select distinct on (record_type, source_id) record_type, source_id, version, number, data
        from source_records where tenant_id = ${tenantId}
       order by record_type, source_id, version desc)
    select l.record_type, l.source_id, l.version, l.number, l.data->>'txnDate' as txn_date, l.data->>'currency' as currency,
           coalesce(l.data->>'total', l.data->>'amount') as amount, s.workflow_id
      from latest l
      left join syncs s on s.tenant_id = ${tenantId} and s.record_type = l.record_type and s.source_id = l.source_id
     where (s.workflow_id is null or s.version < l.version)
       ${dated ? sql`and l.data->>'txnDate' >= ${dated.from} and l.data->>'txnDate' < ${dated.until}` : sql``}`)) as unknown as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    recordType: String(r.record_type),
    sourceId: String(r.source_id),
    version: Number(r.version),
    number: String(r.number),
    workflowId: r.workflow_id == null ? null : String(r.workflow_id),
    txnDate: r.txn_date == null ? null : String(r.txn_date),
    currency: r.currency == null ? null : String(r.currency),
    amount: r.amount == null ? null : Number(r.amount),
  }));
}
