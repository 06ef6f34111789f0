import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';

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
 * Product-level gauges read from the Postgres projection at scrape time (the web app's /metrics): records by state
 * and failure class, attempts by class, retries, connections by status.
 */
export async function projectionMetrics(db: Db): Promise<string> {
  const registry = new Registry();
  const records = new Gauge({ name: 'qsh_records', help: 'Records by sync state and failure class.', labelNames: ['tenant', 'state', 'failure_class'] as const, registers: [registry] });
  const attempts = new Gauge({ name: 'qsh_attempts', help: 'Recorded push attempts by class.', labelNames: ['class'] as const, registers: [registry] });
  const retries = new Gauge({ name: 'qsh_retry_count', help: 'Sum of retry counts over all records.', registers: [registry] });
  const connections = new Gauge({ name: 'qsh_connections', help: 'QuickBooks connections by status.', labelNames: ['status'] as const, registers: [registry] });
  const outboxPending = new Gauge({ name: 'qsh_outbox_pending', help: 'Deliveries to Temporal stored but not yet delivered (record versions, mapping fixes, reconnects).', labelNames: ['kind'] as const, registers: [registry] });
  const reconciled = new Gauge({ name: 'qsh_reconcile_last_repairs', help: "What the tenant's last reconciliation repaired, by kind.", labelNames: ['tenant', 'kind'] as const, registers: [registry] });
  const reconciledAt = new Gauge({ name: 'qsh_reconcile_last_run_timestamp_seconds', help: "When the tenant's last reconciliation ran.", labelNames: ['tenant'] as const, registers: [registry] });
  const [byState, byClass, retrySum, byConn, pending, lastRuns] = await Promise.all([
    db.execute<{ tenant_id: string; state: string; failure_class: string | null; n: number }>(sql`select tenant_id, state, failure_class, count(*)::int as n from syncs group by 1, 2, 3`),
    db.execute<{ class: string; n: number }>(sql`select class, count(*)::int as n from sync_attempts group by 1`),
    db.execute<{ n: number }>(sql`select coalesce(sum(retry_count), 0)::int as n from syncs`),
    db.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from qbo_connections group by 1`),
    db.execute<{ kind: string; n: number }>(sql`select kind, count(*)::int as n from outbox where delivered_at is null group by 1`),
    db.execute<{ tenant_id: string; at: Date | string; detail: Record<string, unknown> | null }>(sql`
      select distinct on (tenant_id) tenant_id, at, detail from audit_events
       where action = 'tenant.reconcile' and tenant_id is not null order by tenant_id, at desc`),
  ]);
  for (const r of pending) outboxPending.set({ kind: r.kind }, Number(r.n));
  for (const r of lastRuns) {
    reconciledAt.set({ tenant: r.tenant_id }, new Date(r.at).getTime() / 1000);
    for (const kind of ['versionsDelivered', 'mappingWakeUps', 'connectionWakeUps', 'projectionsRepaired'] as const) {
      reconciled.set({ tenant: r.tenant_id, kind }, Number(r.detail?.[kind] ?? 0));
    }
  }
  for (const r of byState) records.set({ tenant: r.tenant_id, state: r.state, failure_class: r.failure_class ?? 'none' }, Number(r.n));
  for (const r of byClass) attempts.set({ class: r.class }, Number(r.n));
  retries.set(Number([...retrySum][0]?.n ?? 0));
  for (const r of byConn) connections.set({ status: r.status }, Number(r.n));
  return registry.metrics();
}
