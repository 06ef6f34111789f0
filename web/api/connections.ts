import { Hono } from 'hono';
import { writeAudit } from '../../db/queries/audit.ts';
import { createTokenStore } from '../../db/queries/connections.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { resumeAfterConnection } from '../../runtime/resume.ts';
import type { AppEnv } from '../deps.ts';
import { actorOf, canActForTenant, requireRole } from './auth.ts';
import { apiError } from './errors.ts';

const DAY_MS = 86_400_000;

/** Tenant-scoped QuickBooks connection routes: `/api/v1/tenants/:tenantId/simulator-connection` and `/api/v1/connections/:tenantId`. */
export function connectionsApi() {
  const app = new Hono<AppEnv>();

  app.get('/connections/:tenantId', async (c) => {
    const tenantId = c.req.param('tenantId');
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const row = await createTokenStore(c.get('deps').db).row(tenantId);
    if (!row) {
      return c.json({ tenantId, status: 'not_connected', message: 'QuickBooks is not connected for this tenant; an admin must connect it.' });
    }
    const now = Date.now();
    return c.json({
      tenantId,
      realmId: row.realmId,
      environment: row.environment,
      status: row.status,
      accessTokenExpiresAt: row.accessTokenExpiresAt,
      refreshTokenExpiresAt: row.refreshTokenExpiresAt,
      refreshTokenHardExpiresAt: row.refreshTokenHardExpiresAt,
      refreshTokenDaysLeft: Math.floor((row.refreshTokenExpiresAt.getTime() - now) / DAY_MS),
      scopes: row.scopes.split(/\s+/).filter(Boolean),
      lastRefreshAt: row.lastRefreshAt,
      lastSuccessAt: row.lastSuccessAt,
      lastError: row.lastError,
      lastErrorAt: row.lastErrorAt,
      connectedAt: row.connectedAt,
    });
  });

  /** Development only: a company in the embedded simulator, connected as if through OAuth. */
  app.post('/tenants/:tenantId/simulator-connection', requireRole('admin'), async (c) => {
    const deps = c.get('deps');
    const tenantId = c.req.param('tenantId');
    const principal = c.get('principal');
    if (!deps.simulatorUrl) {
      return apiError(c, 404, 'not_available', 'The QuickBooks simulator is not available here; connect QuickBooks through the OAuth flow.');
    }
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const tenant = await getTenant(deps.db, tenantId);
    if (!tenant) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    let body: Record<string, unknown> = {};
    if ((c.req.header('content-type') ?? '').includes('application/json')) {
      body = ((await c.req.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
    }
    const res = await fetch(`${deps.simulatorUrl.replace(/\/+$/, '')}/_sim/companies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        homeCurrency: tenant.homeCurrency,
        companyName: tenant.name,
        ...(typeof body.closingDate === 'string' ? { closingDate: body.closingDate } : {}),
        ...(typeof body.multicurrency === 'boolean' ? { multicurrency: body.multicurrency } : {}),
      }),
    }).catch((err: Error) => err);
    if (res instanceof Error || !res.ok) {
      return apiError(c, 502, 'simulator_unavailable', `The QuickBooks simulator did not create a company (${res instanceof Error ? res.message : `HTTP ${res.status}`}).`);
    }
    const company = (await res.json()) as {
      realmId: string; accessToken: string; refreshToken: string; clientId: string; clientSecret: string;
      accessTokenExpiresAt: string; refreshTokenExpiresAt: string;
    };
    await createTokenStore(deps.db).connect({
      tenantId,
      realmId: company.realmId,
      baseUrl: deps.simulatorUrl,
      environment: 'simulator',
      clientId: company.clientId,
      clientSecret: company.clientSecret,
      tokens: {
        accessToken: company.accessToken,
        refreshToken: company.refreshToken,
        accessTokenExpiresAt: new Date(company.accessTokenExpiresAt),
        refreshTokenExpiresAt: new Date(company.refreshTokenExpiresAt),
      },
    });
    await writeAudit(deps.db, { tenantId, actor: actorOf(principal), action: 'connection.simulator', target: company.realmId });
    const resumed = await resumeAfterConnection(deps.db, deps.temporal, tenantId);
    return c.json({ realmId: company.realmId, resumed }, 201);
  });

  return app;
}
