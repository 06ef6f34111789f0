import type { Db } from '../db/client.ts';
import { writeAudit, type AuditEntry } from '../db/queries/audit.ts';
import { writeStorable } from './storable.ts';

export function createAuditActivities({ db }: { db: Db }) {
  return {
    /**
     * Records an automatic action (e.g. an SLA escalation) in the audit log beside people's actions. Text Postgres
     * cannot store is replaced rather than retried for ever (activities/storable.ts).
     */
    async writeAuditEvent(entry: AuditEntry): Promise<void> {
      await writeStorable('audit entry', entry, (e) => writeAudit(db, e), { target: entry.target, action: entry.action });
    },
  };
}
