import { Hono } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../db/queries/audit.ts';
import { createTenant, listTenants } from '../../db/queries/tenants.ts';
import { currencyCode, tenantIdSchema } from '../../domain/records.ts';
import type { AppEnv } from '../deps.ts';
import { actorOf, requireRole } from './auth.ts';
import { apiError, fieldErrors, readJson } from './errors.ts';

const newTenant = z.strictObject({
  tenantId: tenantIdSchema,
  name: z.string().trim().min(1, 'is required').max(200),
  homeCurrency: currencyCode,
  slaSeconds: z.number().int().min(1).max(90 * 86_400).optional(),
});

export function tenantsApi() {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const p = c.get('principal');
    const all = await listTenants(c.get('deps').db);
    return c.json({ tenants: all.filter((t) => p.tenantId === null || t.id === p.tenantId) });
  });

  app.post('/', requireRole('admin'), async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = newTenant.safeParse(body.value);
    if (!parsed.success) return apiError(c, 400, 'invalid_tenant', 'The tenant is not valid; nothing was stored.', fieldErrors(parsed.error));
    const p = c.get('principal');
    if (p.tenantId !== null) return apiError(c, 403, 'forbidden', 'Only an all-tenant admin key can create tenants.');
    const { db } = c.get('deps');
    const t = parsed.data;
    const created = await createTenant(db, { id: t.tenantId, name: t.name, homeCurrency: t.homeCurrency, slaSeconds: t.slaSeconds });
    if (!created) return apiError(c, 409, 'tenant_exists', `Tenant "${t.tenantId}" already exists.`);
    await writeAudit(db, { tenantId: t.tenantId, actor: actorOf(p), action: 'tenant.create', target: t.tenantId, detail: { name: t.name, homeCurrency: t.homeCurrency } });
    return c.json({ tenantId: t.tenantId, name: t.name, homeCurrency: t.homeCurrency }, 201);
  });

  return app;
}
