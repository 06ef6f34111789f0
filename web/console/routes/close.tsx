import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../../db/queries/audit.ts';
import { closeEvidenceCsv, closeReadiness, currentPeriod, latestPeriod, parsePeriod } from '../../../db/queries/close-readiness.ts';
import { visibleTenants } from '../../../db/queries/console.ts';
import { signedIn } from '../auth.ts';
import { effectiveTenant, type ConsoleEnv } from '../env.ts';
import { refuse, respond } from '../http.tsx';
import { ClosePage, CloseResults, type CloseViewProps } from '../views/close.tsx';
import { actorOf } from '../../../domain/principal.ts';

const query = z.object({
  tenantId: z.string().max(63).optional(),
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Choose a month as YYYY-MM, e.g. 2026-11.')
    .optional(),
});

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

/** `/close` (page) and `/close.csv` (the evidence): close readiness of one tenant and month, by default its latest with records. */
export function closeRoutes() {
  const app = new Hono<ConsoleEnv>();

  app.get('/close', ...signedIn, async (c) => {
    const { db } = c.get('deps');
    const { tenants, tenant, parsed, raw } = await resolve(c);
    // Without a tenant there are no records to choose a month by; the form still needs one.
    const period = (parsed.success ? parsed.data.period : raw.period) ?? (tenant ? await latestPeriod(db, tenant.id) : currentPeriod());
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
    const period = parsePeriod(parsed.success ? (parsed.data.period ?? (await latestPeriod(db, tenant.id))) : '');
    if (!period) return c.text('Choose a month as YYYY-MM, e.g. 2026-11.', 422);
    const report = await closeReadiness(db, tenant.id, period, 100_000);
    await writeAudit(db, { tenantId: tenant.id, actor: actorOf(c.get('principal')), action: 'close.export', target: period.period, detail: { records: report.records.length } });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="close-evidence-${tenant.id}-${period.period}.csv"`);
    return c.body(closeEvidenceCsv(report.records));
  });

  return app;
}
