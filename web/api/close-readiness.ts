import { Hono } from 'hono';
import { z } from 'zod';
import { closeReadiness, latestPeriod, parsePeriod } from '../../db/queries/close-readiness.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { closeSummary } from '../../domain/close.ts';
import { formatMoney } from '../../domain/money.ts';
import { textField } from '../../domain/text-schema.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from './auth.ts';
import { apiError } from './errors.ts';
import { canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

const query = z.strictObject({
  tenantId: textField({ label: 'The tenant id', max: 63, required: true, keepSpaces: true }),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM').optional(),
});

/**
 * `GET /api/v1/close-readiness?tenantId=&period=YYYY-MM`: the records dated in the month — what synced, what did
 * not, why, who owns it — with the same evidence rows as the console's CSV. Without `period`, the most recent month
 * that has records (the answer's `period` says which).
 */
export function closeReadinessApi() {
  const app = new Hono<AppEnv>();
  app.get('/', requirePermission('close.read'), async (c) => {
    const parsed = query.safeParse(c.req.query());
    if (!parsed.success) return apiError(c, 400, 'invalid_query', 'Give tenantId, and period as YYYY-MM or none for the latest month with records.', fieldErrors(parsed.error));
    const { tenantId, period } = parsed.data;
    const { db } = c.get('deps');
    if (!canActForTenant(c.get('principal'), tenantId) || !(await getTenant(db, tenantId))) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const r = await closeReadiness(db, tenantId, parsePeriod(period ?? (await latestPeriod(db, tenantId)))!);
    const summary = closeSummary(r);
    return c.json({
      tenantId,
      period: r.period,
      from: r.from,
      until: r.until,
      total: r.total,
      ready: summary.ready,
      summary: { synced: summary.synced, blocked: summary.blocked, inProgress: summary.inProgress, cancelled: summary.cancelled, notStarted: r.notStarted, behind: r.behind, changedInQuickBooks: summary.drifted },
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
