import type { DbOrTx } from '../client.ts';
import { auditEvents } from '../schema.ts';

export interface AuditEntry {
  tenantId: string | null;
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
  succeeded?: boolean;
}

/** Writes one audit row; pass the caller's transaction to make it part of the change it records. */
export async function writeAudit(db: DbOrTx, e: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    tenantId: e.tenantId,
    actor: e.actor,
    action: e.action,
    target: e.target ?? null,
    detail: e.detail ?? null,
    succeeded: e.succeeded ?? true,
  });
}
