import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProjectionFigures } from '../db/queries/metrics.ts';

/** What the worker measures as it talks to QuickBooks (served by the worker's metrics endpoint). */
export function createWorkerMetrics(registry = new Registry()) {
  return {
    registry,
    qboLatency: new Histogram({
      name: 'qsh_qbo_request_duration_seconds',
      help: 'Time of QuickBooks API requests (excluding the wait for the per-realm limiter).',
      labelNames: ['method', 'outcome'] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    qboQueueWait: new Histogram({
      name: 'qsh_qbo_limiter_wait_seconds',
      help: 'Time QuickBooks requests waited for the per-realm limiter (10 concurrent, 500/min).',
      buckets: [0, 0.01, 0.1, 0.5, 1, 5, 15, 60],
      registers: [registry],
    }),
    pushAttempts: new Counter({ name: 'qsh_push_attempts_total', help: 'Push attempts by classified outcome.', labelNames: ['class'] as const, registers: [registry] }),
    retries: new Counter({ name: 'qsh_push_retries_total', help: 'Automatic retries of pushes (same requestid).', registers: [registry] }),
    tokenRefreshes: new Counter({ name: 'qsh_token_refreshes_total', help: 'OAuth token refreshes by outcome.', labelNames: ['outcome'] as const, registers: [registry] }),
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/**
 * Product-level gauges from the Postgres projection's figures (db/queries/metrics.ts), as Prometheus text for the web
 * app's /metrics: records by state and failure class, attempts by class, retries, connections by status, the outbox
 * and each tenant's last reconciliation.
 */
export async function projectionMetrics(figures: ProjectionFigures): Promise<string> {
  const registry = new Registry();
  const records = new Gauge({ name: 'qsh_records', help: 'Records by sync state and failure class.', labelNames: ['tenant', 'state', 'failure_class'] as const, registers: [registry] });
  const attempts = new Gauge({ name: 'qsh_attempts', help: 'Recorded push attempts by class.', labelNames: ['class'] as const, registers: [registry] });
  const retries = new Gauge({ name: 'qsh_retry_count', help: 'Sum of retry counts over all records.', registers: [registry] });
  const connections = new Gauge({ name: 'qsh_connections', help: 'QuickBooks connections by status.', labelNames: ['status'] as const, registers: [registry] });
  const outboxPending = new Gauge({ name: 'qsh_outbox_pending', help: 'Deliveries to Temporal stored but not yet delivered (record versions, mapping fixes, reconnects).', labelNames: ['kind'] as const, registers: [registry] });
  const reconciled = new Gauge({ name: 'qsh_reconcile_last_repairs', help: "What the tenant's last reconciliation repaired, by kind.", labelNames: ['tenant', 'kind'] as const, registers: [registry] });
  const reconciledAt = new Gauge({ name: 'qsh_reconcile_last_run_timestamp_seconds', help: "When the tenant's last reconciliation ran.", labelNames: ['tenant'] as const, registers: [registry] });
  for (const r of figures.outboxPending) outboxPending.set({ kind: r.kind }, r.n);
  for (const r of figures.lastReconciles) {
    reconciledAt.set({ tenant: r.tenantId }, r.at.getTime() / 1000);
    for (const kind of ['versionsDelivered', 'mappingWakeUps', 'connectionWakeUps', 'projectionsRepaired'] as const) {
      reconciled.set({ tenant: r.tenantId, kind }, Number(r.detail?.[kind] ?? 0));
    }
  }
  for (const r of figures.recordsByState) records.set({ tenant: r.tenantId, state: r.state, failure_class: r.failureClass ?? 'none' }, r.n);
  for (const r of figures.attemptsByClass) attempts.set({ class: r.class }, r.n);
  retries.set(figures.retries);
  for (const r of figures.connectionsByStatus) connections.set({ status: r.status }, r.n);
  return registry.metrics();
}
