import { Hono } from 'hono';
import { z } from 'zod';
import { auditActions, auditPage, visibleTenants } from '../../../db/queries/console.ts';
import { isoDate } from '../../../domain/records.ts';
import { signedIn } from '../auth.ts';
import { effectiveTenant, type ConsoleEnv } from '../env.ts';
import { respond } from '../http.tsx';
import { AuditPage, AuditResults, type AuditFilterValues, type AuditViewProps } from '../views/audit.tsx';

const PAGE_SIZE = 100;

const filterSchema = z.object({
  tenantId: z.string().max(63).optional().catch(undefined),
  actor: z.string().trim().max(200).optional().catch(undefined),
  action: z.string().trim().max(100).optional().catch(undefined),
  from: isoDate.optional().catch(undefined),
  to: isoDate.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** `GET /audit`: audit events filtered by tenant, actor, action and date, 100 per page. */
export function auditRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);

  app.get('/', async (c) => {
    const { db } = c.get('deps');
    const user = c.get('user');
    const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
    const data = filterSchema.parse(raw);
    const errors: Record<string, string> = {};
    for (const k of ['from', 'to'] as const) if (raw[k] && !isoDate.safeParse(raw[k]).success) errors[k] = 'Use a real date as YYYY-MM-DD.';
    const invalid = Object.keys(errors).length > 0;
    const filters: AuditFilterValues = {
      tenantId: effectiveTenant(user, data.tenantId),
      actor: data.actor || undefined,
      action: data.action || undefined,
      from: data.from,
      to: data.to,
    };
    const page = data.page;
    const [tenants, actions, result] = await Promise.all([
      visibleTenants(db, user.tenantId),
      auditActions(db, user.tenantId ?? undefined),
      auditPage(db, filters, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    ]);
    const props: AuditViewProps = { tenants, actions, filters, rows: result.rows, page, hasMore: result.hasMore, ...(invalid ? { errors } : {}) };
    return respond(c, { title: 'Audit log', nav: 'audit', page: () => <AuditPage {...props} />, fragment: () => <AuditResults {...props} /> }, invalid ? 422 : 200);
  });

  return app;
}
