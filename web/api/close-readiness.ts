import { Hono } from 'hono';
import { z } from 'zod';
import { closeReadiness, latestPeriod, parsePeriod } from '../../db/queries/close-readiness.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { formatMoney } from '../../domain/money.ts';
import type { AppEnv } from '../deps.ts';
import { canActForTenant } from './auth.ts';
import { apiError, fieldErrors } from './errors.ts';

const query = z.strictObject({
  tenantId: z.string().min(1, 'is required').max(63),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM').optional(),
});

/**
 * `GET /api/v1/close-readiness?tenantId=&period=YYYY-MM`: the records dated in the month — what synced, what did
 * not, why, who owns it — with the same evidence rows as the console's CSV. Without `period`, the most recent month
 * that has records (the answer's `period` says which).
 */
export function closeReadinessApi() {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const parsed = query.safeParse(c.req.query());
    if (!parsed.success) return apiError(c, 400, 'invalid_query', 'Give tenantId, and period as YYYY-MM or none for the latest month with records.', fieldErrors(parsed.error));
    const { tenantId, period } = parsed.data;
    const { db } = c.get('deps');
    if (!canActForTenant(c.get('principal'), tenantId) || !(await getTenant(db, tenantId))) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const r = await closeReadiness(db, tenantId, parsePeriod(period ?? (await latestPeriod(db, tenantId)))!);
    const synced = r.byState.filter((s) => s.state === 'synced' || s.state === 'linked').reduce((n, s) => n + s.records, 0);
    const blocked = r.byState.filter((s) => s.state === 'blocked').reduce((n, s) => n + s.records, 0);
    const cancelled = r.byState.filter((s) => s.state === 'cancelled').reduce((n, s) => n + s.records, 0);
    return c.json({
      tenantId,
      period: r.period,
      from: r.from,
      until: r.until,
      total: r.total,
      ready: r.total > 0 && synced + cancelled === r.total,
      summary: { synced, blocked, inProgress: r.total - synced - blocked - cancelled, cancelled },
      byState: Object.fromEntries(r.byState.map((s) => [s.state, s.records])),
      byOwner: Object.fromEntries(r.byOwner.map((o) => [o.owner, o.records])),
      byFailureClass: Object.fromEntries(r.byFailureClass.map((f) => [f.failureClass, f.records])),
      blockedAmounts: r.blockedAmounts.map((a) => ({ ...a, formatted: formatMoney(a.amountMinor, a.currency) })),
      closedPeriodRecords: r.closedPeriodRecords,
      records: r.records,
      truncated: r.truncated,
    });
  });
  return app;
}
