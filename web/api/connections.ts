import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../db/queries/audit.ts';
import { createTokenStore, type ConnectionInfo } from '../../db/queries/connections.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { isoDate } from '../../domain/records.ts';
import { textField } from '../../domain/text-schema.ts';
import { connectionRestored } from '../../services/outbox.ts';
import type { AppEnv } from '../deps.ts';
import { setOAuthCookie, startOAuth } from '../oauth.ts';
import { requirePermission } from './auth.ts';
import { apiError, readJson } from './errors.ts';
import { actorOf, canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

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

const tenantParam = textField({ label: 'The tenant id', max: 63, required: true, keepSpaces: true });

/** The tenant named in the path, or a 400 answer. */
function tenantOf(c: Context<AppEnv>): { ok: true; tenantId: string } | { ok: false; response: Response } {
  const parsed = tenantParam.safeParse(c.req.param('tenantId'));
  if (parsed.success) return { ok: true, tenantId: parsed.data };
  return { ok: false, response: apiError(c, 400, 'invalid_tenant', 'The tenant id is not valid.', fieldErrors(parsed.error)) };
}

const simulatorOptions = z.object({
  closingDate: isoDate.optional(),
  multicurrency: z.boolean().optional(),
});

/** QuickBooks connection routes under /api/v1. */
export function connectionsApi() {
  const app = new Hono<AppEnv>();

  app.get('/connections/:tenantId', requirePermission('connections.read'), async (c) => {
    const param = tenantOf(c);
    if (!param.ok) return param.response;
    const { tenantId } = param;
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const deps = c.get('deps');
    const row = await createTokenStore(deps.db, deps.secrets).row(tenantId);
    if (!row) return c.json({ tenantId, status: 'not_connected', message: 'QuickBooks is not connected for this tenant; an admin must connect it.' });
    return c.json(connectionHealth(row));
  });

  /** Starts the OAuth flow: answers the authorize URL and binds the state to this client by a cookie. */
  app.post('/connections/:tenantId/authorize', requirePermission('connections.connect'), async (c) => {
    const param = tenantOf(c);
    if (!param.ok) return param.response;
    const { tenantId } = param;
    const principal = c.get('principal');
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const started = await startOAuth(c.get('deps'), tenantId, actorOf(principal));
    if (!started.ok) return apiError(c, started.status, 'cannot_connect', started.message);
    setOAuthCookie(c, started.nonce);
    return c.json({ authorizeUrl: started.authorizeUrl });
  });

  /** Development only: a company in the embedded simulator, connected as if through OAuth. */
  app.post('/tenants/:tenantId/simulator-connection', requirePermission('connections.connect'), async (c) => {
    const deps = c.get('deps');
    const param = tenantOf(c);
    if (!param.ok) return param.response;
    const { tenantId } = param;
    const principal = c.get('principal');
    if (!deps.simulatorUrl) {
      return apiError(c, 404, 'not_available', 'The QuickBooks simulator is not available here; connect QuickBooks through the OAuth flow.');
    }
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const tenant = await getTenant(deps.db, tenantId);
    if (!tenant) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    let body: z.infer<typeof simulatorOptions> = {};
    if ((c.req.header('content-type') ?? '').includes('application/json')) {
      const read = await readJson(c);
      if (!read.ok) return read.response;
      const parsed = simulatorOptions.safeParse(read.value ?? {});
      if (!parsed.success) return apiError(c, 400, 'invalid_options', 'The simulator options are not valid: closingDate as YYYY-MM-DD, multicurrency true or false.', fieldErrors(parsed.error));
      body = parsed.data;
    }
    const res = await fetch(`${deps.simulatorUrl.replace(/\/+$/, '')}/_sim/companies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        homeCurrency: tenant.homeCurrency,
        companyName: tenant.name,
        ...(body.closingDate ? { closingDate: body.closingDate } : {}),
        ...(body.multicurrency !== undefined ? { multicurrency: body.multicurrency } : {}),
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
    const delivery = await connectionRestored(deps, tenantId);
    return c.json({ realmId: company.realmId, delivery }, 201);
  });

  return app;
}
