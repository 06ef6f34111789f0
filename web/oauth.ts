import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { writeAudit } from '../db/queries/audit.ts';
import { createTokenStore } from '../db/queries/connections.ts';
import { consumeOAuthState, createOAuthState } from '../db/queries/oauth-states.ts';
import { getTenant } from '../db/queries/tenants.ts';
import { textProblem } from '../domain/text.ts';
import { QBO_API_BASE_URLS } from '../qbo/client.ts';
import { createQboOAuth, oauthEndpointsAt, QboOAuthError, type QboOAuth } from '../qbo/oauth.ts';
import { connectionRestored } from '../services/outbox.ts';
import { isSecureRequest } from './console/http.tsx';
import type { AppDeps, AppEnv } from './deps.ts';

const STATE_TTL_MS = 10 * 60_000;
// The callback page is a plain string (no layout to share with the console), so its text is escaped here.
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const COOKIE = 'qsh_oauth';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The OAuth app to connect with: Intuit's when credentials are configured, else the development simulator. */
function oauthApp(deps: AppDeps): { oauth: QboOAuth; environment: 'sandbox' | 'production' | 'simulator'; baseUrl: string; clientId: string; clientSecret: string } | undefined {
  const redirectUri = deps.intuit?.redirectUri ?? 'http://localhost:3000/connections/callback';
  if (deps.intuit?.clientId && deps.intuit.clientSecret) {
    const env = deps.intuit.environment;
    return {
      oauth: createQboOAuth({ clientId: deps.intuit.clientId, clientSecret: deps.intuit.clientSecret, redirectUri, environment: env }),
      environment: env,
      baseUrl: QBO_API_BASE_URLS[env],
      clientId: deps.intuit.clientId,
      clientSecret: deps.intuit.clientSecret,
    };
  }
  if (deps.simulatorUrl) {
    const clientId = 'qbo-sim-client';
    const clientSecret = 'qbo-sim-secret';
    return {
      oauth: createQboOAuth({ clientId, clientSecret, redirectUri, environment: 'sandbox', endpoints: oauthEndpointsAt(deps.simulatorUrl) }),
      environment: 'simulator',
      baseUrl: deps.simulatorUrl,
      clientId,
      clientSecret,
    };
  }
  return undefined;
}

export type StartOAuthResult = { ok: true; authorizeUrl: string; nonce: string } | { ok: false; status: 404 | 409 | 502; message: string };

/**
 * Starts "Connect QuickBooks" for a tenant: a random one-time `state`, stored with the acting admin and bound to
 * this browser by a cookie nonce, so the callback can only complete the flow that this person started here.
 */
export async function startOAuth(deps: AppDeps, tenantId: string, actor: string): Promise<StartOAuthResult> {
  const tenant = await getTenant(deps.db, tenantId);
  if (!tenant) return { ok: false, status: 404, message: `No tenant "${tenantId}".` };
  const app = oauthApp(deps);
  if (!app) return { ok: false, status: 409, message: 'No QuickBooks app is configured: set QBO_CLIENT_ID and QBO_CLIENT_SECRET.' };
  const state = randomBytes(24).toString('base64url');
  const nonce = randomBytes(24).toString('base64url');
  await createOAuthState(deps.db, { state, tenantId, nonceHash: sha256(nonce), actor, ttlSeconds: STATE_TTL_MS / 1000 });
  let authorizeUrl = app.oauth.authorizeUrl({ state });
  if (app.environment === 'simulator') {
    // The simulator's consent step picks the company by realmId: a reconnect keeps the tenant's company, a first
    // connection gets a company of its own.
    const existing = await createTokenStore(deps.db, deps.secrets).row(tenantId);
    if (existing) return { ok: true, authorizeUrl: `${authorizeUrl}&realmId=${encodeURIComponent(existing.realmId)}`, nonce };
    const res = await fetch(`${deps.simulatorUrl!.replace(/\/+$/, '')}/_sim/companies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ homeCurrency: tenant.homeCurrency, companyName: tenant.name }),
    }).catch((err: Error) => err);
    if (res instanceof Error || !res.ok) return { ok: false, status: 502, message: 'The QuickBooks simulator did not answer.' };
    const { realmId } = (await res.json()) as { realmId: string };
    authorizeUrl += `&realmId=${encodeURIComponent(realmId)}`;
  }
  return { ok: true, authorizeUrl, nonce };
}

export function setOAuthCookie(c: Parameters<typeof setCookie>[0], nonce: string): void {
  setCookie(c, COOKIE, nonce, {
    httpOnly: true,
    sameSite: 'Lax',
    // Behind a TLS-terminating proxy the request reaches us as http; the proxy's X-Forwarded-Proto says https.
    secure: isSecureRequest(c),
    path: '/connections/callback',
    maxAge: STATE_TTL_MS / 1000,
  });
}

/** `GET /connections/callback`: checks the state and its browser binding, exchanges the code, stores the realm. */
export function oauthCallbackRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/connections/callback', async (c) => {
    const deps = c.get('deps');
    const page = (status: 200 | 400 | 403 | 502, title: string, text: string) =>
      c.html(
        `<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>` +
          `<p><a href="/connections">Back to connections</a></p></body></html>`,
        status,
      );
    const url = new URL(c.req.url);
    // What comes back through the browser is checked like any input before it is looked up or stored (the address
    // itself already passed web/well-formed.ts).
    for (const [name, max] of [['state', 200], ['error', 200], ['realmId', 64], ['code', 2000]] as const) {
      if (textProblem(url.searchParams.get(name) ?? undefined, { label: name, max, keepSpaces: true })) {
        return page(400, 'QuickBooks did not connect', 'The answer that came back from QuickBooks is not valid. Nothing was changed; start again from the Connections page.');
      }
    }
    const state = url.searchParams.get('state') ?? '';
    const error = url.searchParams.get('error');
    const nonce = getCookie(c, COOKIE) ?? '';
    // Check and consume in one statement: of two callbacks with the same state (a double click, a replayed URL)
    // exactly one gets the row. The browser binding is part of the check, so a callback carrying another browser's
    // cookie (a leaked or forged URL) is refused without spending the state of the person who started the flow.
    const row = await consumeOAuthState(deps.db, { state, nonceHash: sha256(nonce) });
    if (!row) {
      return page(403, 'Connection not accepted', 'This QuickBooks connection was not started from this browser, or it expired. Start it again from the Connections page.');
    }
    if (error) {
      await writeAudit(deps.db, { tenantId: row.tenantId, actor: row.actor, action: 'connection.oauth', detail: { error }, succeeded: false });
      return page(400, 'QuickBooks did not connect', `QuickBooks answered "${error}". Nothing was changed.`);
    }
    const app = oauthApp(deps);
    if (!app) return page(400, 'QuickBooks did not connect', 'No QuickBooks app is configured.');
    try {
      const tokens = await app.oauth.exchangeCode(url.toString(), { expectedState: state });
      const realmId = tokens.realmId ?? url.searchParams.get('realmId');
      if (!realmId) return page(400, 'QuickBooks did not connect', 'QuickBooks did not say which company was chosen.');
      await createTokenStore(deps.db, deps.secrets).connect({
        tenantId: row.tenantId,
        realmId,
        baseUrl: app.baseUrl,
        environment: app.environment,
        ...(app.environment === 'simulator' ? { clientId: app.clientId, clientSecret: app.clientSecret } : {}),
        ...(tokens.scope ? { scopes: tokens.scope } : {}),
        tokens: {
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          accessTokenExpiresAt: tokens.accessTokenExpiresAt,
          refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
          refreshTokenHardExpiresAt: tokens.refreshTokenHardExpiresAt ?? null,
        },
      });
      await writeAudit(deps.db, { tenantId: row.tenantId, actor: row.actor, action: 'connection.oauth', target: realmId });
      // Stored: from here on a Temporal outage only delays the records waiting for this connection.
      await connectionRestored(deps, row.tenantId);
      return c.redirect(`/connections?connected=${encodeURIComponent(row.tenantId)}`, 302);
    } catch (err) {
      const message = err instanceof QboOAuthError ? `${err.code}: ${err.message}` : (err as Error).message;
      await writeAudit(deps.db, { tenantId: row.tenantId, actor: row.actor, action: 'connection.oauth', detail: { error: message }, succeeded: false });
      return page(502, 'QuickBooks did not connect', `The code exchange failed (${message}). Nothing was changed; try again.`);
    }
  });
  return app;
}
