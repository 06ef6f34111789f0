import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../../db/queries/audit.ts';
import { closeEvidenceCsv, closeReadiness, parsePeriod } from '../../../db/queries/close-readiness.ts';
import { visibleTenants } from '../../../db/queries/console.ts';
import { actorOf } from '../../api/auth.ts';
import { signedIn } from '../auth.ts';
import { effectiveTenant, type ConsoleEnv } from '../env.ts';
import { refuse, respond } from '../http.tsx';
import { ClosePage, CloseResults, type CloseViewProps } from '../views/close.tsx';

const query = z.object({
  tenantId: z.string().max(63).optional(),
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Choose a month as YYYY-MM, e.g. 2026-11.')
    .optional(),
});

function currentPeriod(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

async function resolve(c: Context<ConsoleEnv>) {
  const { db } = c.get('deps');
  const user = c.get('user');
  const tenants = await visibleTenants(db, user.tenantId);
  const raw = { tenantId: c.req.query('tenantId') || undefined, period: c.req.query('period') || undefined };
  const parsed = query.safeParse(raw);
  const requested = effectiveTenant(user, raw.tenantId);
  const tenant = tenants.find((t) => t.id === requested) ?? (requested ? undefined : tenants[0]);
  return { tenants, tenant, parsed, raw };
}

/** `/close` (page) and `/close.csv` (the evidence): close readiness of one tenant and month. */
export function closeRoutes() {
  const app = new Hono<ConsoleEnv>();

  app.get('/close', ...signedIn, async (c) => {
    const { db } = c.get('deps');
    const { tenants, tenant, parsed, raw } = await resolve(c);
    const period = parsed.success ? (parsed.data.period ?? currentPeriod()) : (raw.period ?? currentPeriod());
    let props: CloseViewProps;
    let status: 200 | 422 = 200;
    if (!parsed.success || !tenant) {
      status = 422;
      props = { tenants, tenantId: tenant?.id ?? raw.tenantId, period, report: undefined, error: parsed.success ? 'Choose one of your tenants.' : parsed.error.issues[0]!.message };
    } else {
      props = { tenants, tenantId: tenant.id, period, report: await closeReadiness(db, tenant.id, parsePeriod(period)!) };
    }
    return respond(c, { title: 'Close readiness', nav: 'close', page: () => <ClosePage {...props} />, fragment: () => <CloseResults {...props} /> }, status);
  });

  app.get('/close.csv', ...signedIn, async (c) => {
    const { db } = c.get('deps');
    const { tenant, parsed } = await resolve(c);
    if (!tenant) return refuse(c, 404, 'Not found', 'Choose one of your tenants.');
    const period = parsePeriod(parsed.success ? (parsed.data.period ?? currentPeriod()) : '');
    if (!period) return c.text('Choose a month as YYYY-MM, e.g. 2026-11.', 422);
    const report = await closeReadiness(db, tenant.id, period, 100_000);
    await writeAudit(db, { tenantId: tenant.id, actor: actorOf(c.get('principal')), action: 'close.export', target: period.period, detail: { records: report.records.length } });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="close-evidence-${tenant.id}-${period.period}.csv"`);
    return c.body(closeEvidenceCsv(report.records));
  });

  return app;
}
