import type { Db } from '../client.ts';
import { auditEvents } from '../schema.ts';

export interface AuditEntry {
  tenantId: string | null;
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
  succeeded?: boolean;
}

export async function writeAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    tenantId: e.tenantId,
    actor: e.actor,
    action: e.action,
    target: e.target ?? null,
    detail: e.detail ?? null,
    succeeded: e.succeeded ?? true,
  });
}
