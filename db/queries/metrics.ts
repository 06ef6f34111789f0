import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';

/** What the web app's /metrics reports from the projection: full-table counts, read at scrape time. */
export interface ProjectionFigures {
  recordsByState: { tenantId: string; state: string; failureClass: string | null; n: number }[];
  attemptsByClass: { class: string; n: number }[];
  /** Sum of retry counts over all records. */
  retries: number;
  connectionsByStatus: { status: string; n: number }[];
  /** Outbox deliveries stored but not yet delivered, by kind. */
  outboxPending: { kind: string; n: number }[];
  /** Each tenant's latest reconciliation (its `tenant.reconcile` audit event) and what it repaired. */
  lastReconciles: { tenantId: string; at: Date; detail: Record<string, unknown> | null }[];
}

export async function projectionFigures(db: Db): Promise<ProjectionFigures> {
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
  return {
    recordsByState: [...byState].map((r) => ({ tenantId: r.tenant_id, state: r.state, failureClass: r.failure_class, n: Number(r.n) })),
    attemptsByClass: [...byClass].map((r) => ({ class: r.class, n: Number(r.n) })),
    retries: Number([...retrySum][0]?.n ?? 0),
    connectionsByStatus: [...byConn].map((r) => ({ status: r.status, n: Number(r.n) })),
    outboxPending: [...pending].map((r) => ({ kind: r.kind, n: Number(r.n) })),
    lastReconciles: [...lastRuns].map((r) => ({ tenantId: r.tenant_id, at: new Date(r.at), detail: r.detail })),
  };
}
