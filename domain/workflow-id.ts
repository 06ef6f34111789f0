import { characterFault } from './text.ts';
import { RECORD_TYPES, type RecordType } from './vocabulary.ts';

const PREFIX = 'qbo-sync';

/** The one place a record's workflow id is built: `qbo-sync:{tenantId}:{recordType}:{sourceId}`. */
export function syncWorkflowId(ref: { tenantId: string; recordType: RecordType; sourceId: string }): string {
  return `${PREFIX}:${ref.tenantId}:${ref.recordType}:${ref.sourceId}`;
}

export interface RecordRef {
  tenantId: string;
  recordType: RecordType;
  sourceId: string;
}

/**
 * Parses a sync workflow id; returns undefined when it is not one. Source ids may themselves contain ':'. Only ids
 * intake could have built pass (tenant id ≤ 63, source id ≤ 100 characters, no spaces or control characters), so a
 * hostile id never reaches Temporal or Postgres.
 */
export function parseSyncWorkflowId(id: string): RecordRef | undefined {
  if (id.length > 200 || /\s/.test(id) || characterFault(id)) return undefined;
  const parts = id.split(':');
  if (parts.length < 4 || parts[0] !== PREFIX) return undefined;
  const [, tenantId, recordType, ...rest] = parts;
  if (!tenantId || !(RECORD_TYPES as readonly string[]).includes(recordType ?? '')) return undefined;
  const sourceId = rest.join(':');
  if (!sourceId || sourceId.length > 100 || tenantId.length > 63) return undefined;
  return { tenantId, recordType: recordType as RecordType, sourceId };
}

export function connectionWorkflowId(tenantId: string): string {
  return `qbo-connection:${tenantId}`;
}
