import { Hono } from 'hono';
import { writeAudit } from '../../db/queries/audit.ts';
import { createTokenStore, type ConnectionInfo } from '../../db/queries/connections.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { afterConnect } from '../../runtime/connect.ts';
import type { AppEnv } from '../deps.ts';
import { setOAuthCookie, startOAuth } from '../oauth.ts';
import { actorOf, canActForTenant, requireRole } from './auth.ts';
import { apiError } from './errors.ts';

const DAY_MS = 86_400_000;
/** Within this of its expiry an access token counts as due for refresh. */
const REFRESH_DUE_MS = 10 * 60_000;

/** Authorization health of one connection, as the API and console show it. */
export function connectionHealth(row: ConnectionInfo, now = Date.now()) {
  const days = (d: Date | null) => (d ? Math.floor((d.getTime() - now) / DAY_MS) : null);
  const status =
    row.status === 'healthy' && row.accessTokenExpiresAt.getTime() - now < REFRESH_DUE_MS ? 'refresh_due' : row.status;
  return {
    tenantId: row.tenantId,
    realmId: row.realmId,
    environment: row.environment,
    status,
    accessTokenExpiresAt: row.accessTokenExpiresAt,
    refreshTokenExpiresAt: row.refreshTokenExpiresAt,
    refreshTokenDaysLeft: days(row.refreshTokenExpiresAt),
    refreshTokenHardExpiresAt: row.refreshTokenHardExpiresAt,
    hardExpiryDaysLeft: days(row.refreshTokenHardExpiresAt),
    scopes: row.scopes.split(/\s+/).filter(Boolean),
    lastRefreshAt: row.lastRefreshAt,
    lastSuccessAt: row.lastSuccessAt,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    connectedAt: row.connectedAt,
  };
}

/** QuickBooks connection routes under /api/v1. */
export function connectionsApi() {
  const app = new Hono<AppEnv>();

  app.get('/connections/:tenantId', async (c) => {
    const tenantId = c.req.param('tenantId');
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const deps = c.get('deps');
    const row = await createTokenStore(deps.db, deps.secrets).row(tenantId);
    if (!row) return c.json({ tenantId, status: 'not_connected', message: 'QuickBooks is not connected for this tenant; an admin must connect it.' });
    return c.json(connectionHealth(row));
  });

  /** Starts the OAuth flow: answers the authorize URL and binds the state to this client by a cookie. */
  app.post('/connections/:tenantId/authorize', requireRole('admin'), async (c) => {
    const tenantId = c.req.param('tenantId');
    const principal = c.get('principal');
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const started = await startOAuth(c.get('deps'), tenantId, actorOf(principal));
    if (!started.ok) return apiError(c, started.status, 'cannot_connect', started.message);
    setOAuthCookie(c, started.nonce);
    return c.json({ authorizeUrl: started.authorizeUrl });
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
    await createTokenStore(deps.db, deps.secrets).connect({
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
    await afterConnect(deps.temporal, { taskQueue: deps.taskQueue, tenantId, refsRefreshMinutes: deps.refsRefreshMinutes });
    return c.json({ realmId: company.realmId }, 201);
  });

  return app;
}
