import { Hono } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../db/queries/audit.ts';
import { createTenant, getTenant, listTenants } from '../../db/queries/tenants.ts';
import { reconcileSentence } from '../../domain/reconcile.ts';
import { currencyCode, tenantIdSchema } from '../../domain/records.ts';
import { textField } from '../../domain/text-schema.ts';
import type { AppEnv } from '../deps.ts';
import { ensureDailySchedule, ensureReconcileSchedule, reconcileNow } from '../../services/schedules.ts';
import { requirePermission } from './auth.ts';
import { apiError, readJson } from './errors.ts';
import { actorOf, canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

const newTenant = z.strictObject({
  tenantId: tenantIdSchema,
  name: textField({ label: 'The name', max: 200, required: true }),
  homeCurrency: currencyCode,
  slaSeconds: z.number().int().min(1).max(90 * 86_400).optional(),
});

export function tenantsApi() {
  const app = new Hono<AppEnv>();

  app.get('/', requirePermission('tenants.read'), async (c) => {
    const p = c.get('principal');
    const all = await listTenants(c.get('deps').db);
    return c.json({ tenants: all.filter((t) => p.tenantId === null || t.id === p.tenantId) });
  });

  app.post('/', requirePermission('tenants.create'), async (c) => {
    const p = c.get('principal');
    if (p.tenantId !== null) return apiError(c, 403, 'forbidden', 'Only an all-tenant admin key can create tenants.');
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = newTenant.safeParse(body.value);
    if (!parsed.success) return apiError(c, 400, 'invalid_tenant', 'The tenant is not valid; nothing was stored.', fieldErrors(parsed.error));
    const { db } = c.get('deps');
    const t = parsed.data;
    const created = await createTenant(db, { id: t.tenantId, name: t.name, homeCurrency: t.homeCurrency, slaSeconds: t.slaSeconds });
    if (!created) return apiError(c, 409, 'tenant_exists', `Tenant "${t.tenantId}" already exists.`);
    await writeAudit(db, { tenantId: t.tenantId, actor: actorOf(p), action: 'tenant.create', target: t.tenantId, detail: { name: t.name, homeCurrency: t.homeCurrency } });
    const { temporal, taskQueue, reconcileMinutes, digestHourUtc, logger } = c.get('deps');
    // Its reconciler and daily notifications; if Temporal does not answer now, the web app's next start creates them.
    await ensureReconcileSchedule(temporal, { taskQueue, tenantId: t.tenantId, minutes: reconcileMinutes ?? 10 })
      .then(() => ensureDailySchedule(temporal, { taskQueue, tenantId: t.tenantId, hourUtc: digestHourUtc ?? 4 }))
      .catch((err: Error) => logger.warn({ tenantId: t.tenantId, err: err.message }, 'could not create the tenant schedules yet'));
    return c.json({ tenantId: t.tenantId, name: t.name, homeCurrency: t.homeCurrency }, 201);
  });

  /** `POST /tenants/{tenantId}/reconcile` (admin): runs the reconciler now and answers its report. */
  app.post('/:tenantId/reconcile', requirePermission('tenant.reconcile'), async (c) => {
    const parsed = tenantIdSchema.safeParse(c.req.param('tenantId'));
    const p = c.get('principal');
    const { db, temporal, taskQueue } = c.get('deps');
    if (!parsed.success || !canActForTenant(p, parsed.data) || !(await getTenant(db, parsed.data))) return apiError(c, 404, 'not_found', 'No such tenant.');
    const report = await reconcileNow(temporal, { taskQueue, tenantId: parsed.data, actor: actorOf(p) }).catch((err: Error) => err);
    if (report instanceof Error) {
      c.header('Retry-After', '30');
      return apiError(c, 503, 'temporal_unavailable', `The reconciler could not run now (${report.message}); its schedule runs it anyway, or try again.`);
    }
    return c.json({ ...report, summary: reconcileSentence(report) });
  });

  return app;
}
