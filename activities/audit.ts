import type { Db } from '../db/client.ts';
import { writeAudit, type AuditEntry } from '../db/queries/audit.ts';

export function createAuditActivities({ db }: { db: Db }) {
  return {
    /** Records an automatic action (e.g. an SLA escalation) in the audit log beside people's actions. */
    async writeAuditEvent(entry: AuditEntry): Promise<void> {
      await writeAudit(db, entry);
    },
  };
}
