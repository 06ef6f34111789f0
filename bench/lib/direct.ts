/**
 * QuickBooks calls made directly with the product's own building blocks — qbo/client.ts, qbo/mappers.ts, the token
 * store and the mappings table — without Temporal or the workflow. The benches use them for reference loops (a plain
 * "read record, POST it" loop) and for the bench-only batch pusher.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { createTokenStore, type RealmCredentials } from '../../db/queries/connections.ts';
import { findMappings } from '../../db/queries/mappings.ts';
import { sourceRecords } from '../../db/schema.ts';
import type { AwraRecord } from '../../domain/records.ts';
import { requiredReferences } from '../../domain/required-mappings.ts';
import type { ResolvedRef } from '../../qbo/mappers.ts';
import { createSecretBox, parseEncryptionKeys } from '../../runtime/secrets.ts';
import type { Stack } from './stack.ts';

/** The latest stored version of a record, as the push activity reads it. */
export async function readRecord(db: Db, key: { tenantId: string; recordType: string; sourceId: string }): Promise<AwraRecord> {
  const [row] = await db
    .select()
    .from(sourceRecords)
    .where(and(eq(sourceRecords.tenantId, key.tenantId), eq(sourceRecords.recordType, key.recordType), eq(sourceRecords.sourceId, key.sourceId)))
    .orderBy(desc(sourceRecords.version))
    .limit(1);
  if (!row) throw new Error(`no stored record ${key.tenantId}/${key.recordType}/${key.sourceId}`);
  return { tenantId: row.tenantId, recordType: row.recordType, sourceId: row.sourceId, number: row.number, status: row.status, version: row.version, data: row.data } as unknown as AwraRecord;
}

/** The resolved QuickBooks references a record needs, from the mappings table (keyed `kind:key`, as the mapper wants). */
export async function resolveRefs(db: Db, record: AwraRecord): Promise<Map<string, ResolvedRef>> {
  const rows = await findMappings(db, record.tenantId, requiredReferences(record));
  const refs = new Map<string, ResolvedRef>();
  for (const [k, m] of rows) refs.set(k, { qboId: m.qboId, ...(m.qboName ? { name: m.qboName } : {}) });
  return refs;
}

/** Decrypted credentials of each tenant, from the product's token store. */
export async function credentialsOf(stack: Stack, tenantIds: readonly string[]): Promise<Map<string, RealmCredentials>> {
  const store = createTokenStore(stack.db.db, createSecretBox(parseEncryptionKeys(stack.tokenKeys)));
  const out = new Map<string, RealmCredentials>();
  for (const id of tenantIds) {
    const c = await store.credentials(id);
    if (!c) throw new Error(`${id} is not connected`);
    out.set(id, c);
  }
  return out;
}
