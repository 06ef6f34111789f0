/** What one reconciliation of a tenant found and repaired (services/reconcile.ts). */
export interface ReconcileReport {
  tenantId: string;
  /** Stored versions whose workflow did not have them: delivered. */
  versionsDelivered: number;
  /** Records blocked on a mapping or dependency that is there now: told. */
  mappingWakeUps: number;
  /** Records blocked on authorization while the connection is healthy: told. */
  connectionWakeUps: number;
  /** Projections whose workflow says otherwise (or that were left by a workflow that ended abnormally): repaired. */
  projectionsRepaired: number;
  /** What could not be repaired this time, with why; the next run tries again. */
  failures: string[];
}

/** The report in one sentence, for the console and the audit log's readers. */
export function reconcileSentence(r: Pick<ReconcileReport, 'versionsDelivered' | 'mappingWakeUps' | 'connectionWakeUps' | 'projectionsRepaired' | 'failures'>): string {
  const parts = [
    r.versionsDelivered ? `${r.versionsDelivered} stored version(s) delivered to their sync` : '',
    r.mappingWakeUps ? `${r.mappingWakeUps} record(s) told their mapping is there` : '',
    r.connectionWakeUps ? `${r.connectionWakeUps} record(s) told the connection is healthy` : '',
    r.projectionsRepaired ? `${r.projectionsRepaired} record(s) shown wrongly, repaired` : '',
  ].filter(Boolean);
  const done = parts.length ? `${parts.join('; ')}.` : 'Everything agreed; nothing to repair.';
  return r.failures.length ? `${done} ${r.failures.length} repair(s) failed and are tried again on the next run.` : done;
}
