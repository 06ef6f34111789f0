import type { Context, Hono } from 'hono';
import type { SimContext } from './context.ts';
import { dropConnection, hang, send, serverError, throttled } from './http.ts';
import { escapeXml } from './xml.ts';

/**
 * Intuit's OAuth endpoints at the paths of the real hosts, so a client only swaps the origin:
 *   GET  /connect/oauth2              (appcenter.intuit.com)     authorize, redirects with code, state, realmId
 *   POST /oauth2/v1/tokens/bearer     (oauth.platform.intuit.com) code exchange and refresh
 *   POST /v2/oauth2/tokens/revoke     (developer.api.intuit.com)  revoke
 *   GET  /op/v1/jwks                  id_token signing keys
 * Token-endpoint errors are the exact small JSON bodies Intuit sends (reference §7.5).
 */

const OAUTH_JSON = 'application/json;charset=utf-8';

function oauthError(c: Context, status: 400 | 401, error: string): Response {
  return c.body(JSON.stringify({ error }), status, { 'Content-Type': OAUTH_JSON });
}

async function formOrJson(c: Context): Promise<Record<string, string>> {
  const text = await c.req.text();
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function consentPage(params: URLSearchParams, companyName: string): string {
  const hidden = [...params.entries()]
    .map(([k, v]) => `<input type="hidden" name="${escapeXml(k)}" value="${escapeXml(v)}">`)
    .join('');
  return (
    `<!doctype html><html><head><title>Connect to QuickBooks (simulator)</title></head><body>` +
    `<h1>Connect your app to ${escapeXml(companyName)}?</h1>` +
    `<form method="post" action="/connect/oauth2">${hidden}<button type="submit">Connect</button></form></body></html>`
  );
}

export function registerOAuth(app: Hono, sim: SimContext): void {
  const authorize = async (c: Context, approved: boolean): Promise<Response> => {
    const params = c.req.method === 'POST' ? new URLSearchParams(await c.req.text()) : new URL(c.req.url).searchParams;
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri');
    if (!sim.state().clients[clientId]) return c.html('<h1>invalid_client</h1><p>Unknown client_id.</p>', 400);
    if (!redirectUri) return c.html('<h1>invalid_request</h1><p>redirect_uri is required.</p>', 400);
    const target = new URL(redirectUri);
    const state = params.get('state');
    const fail = (error: string): Response => {
      target.searchParams.set('error', error);
      if (state !== null) target.searchParams.set('state', state);
      return c.redirect(target.toString(), 302);
    };
    if (params.get('response_type') !== 'code') return fail('unsupported_response_type');
    const scope = (params.get('scope') ?? '').split(/[\s+]+/).filter(Boolean);
    if (scope.length === 0) return fail('invalid_scope');

    // The realm the user picks: the hinted one, else the newest company of this app, else a new company.
    const hinted = params.get('realmId');
    let realmId = hinted && sim.company(hinted) ? hinted : undefined;
    realmId ??= Object.values(sim.state().companies)
      .filter((co) => co.clientId === clientId)
      .sort((a, b) => b.createdAt - a.createdAt)[0]?.realmId;
    realmId ??= sim.createCompany({ clientId }).realmId;

    if (!approved) return c.html(consentPage(params, sim.company(realmId)!.companyName));
    const code = sim.oauth.issueCode(realmId, clientId, scope, redirectUri);
    target.searchParams.set('code', code);
    if (state !== null) target.searchParams.set('state', state);
    target.searchParams.set('realmId', realmId);
    return c.redirect(target.toString(), 302);
  };
  app.get('/connect/oauth2', (c) => authorize(c, sim.opts.authorizeAutoApprove));
  app.post('/connect/oauth2', (c) => authorize(c, true));

  app.post('/oauth2/v1/tokens/bearer', async (c) => {
    const url = new URL(c.req.url);
    const clientId = sim.oauth.authenticateClient(c.req.header('authorization'));
    const form = await formOrJson(c);
    const refreshRealm = form.refresh_token ? sim.state().tokens[form.refresh_token]?.realmId : undefined;
    const fault = sim.faults.match({ realmId: refreshRealm, method: 'POST', target: url.pathname + url.search, surface: 'token' });
    if (fault) {
      switch (fault.kind) {
        case 'invalid_grant':
          return oauthError(c, 400, 'invalid_grant');
        case 'http5xx':
          return send(c, serverError(sim, fault.status ?? 503));
        case 'throttle':
          return send(c, throttled(sim));
        case 'drop_before_commit':
          return dropConnection(c, 'drop_before_commit');
        case 'timeout':
          return hang(sim, c, fault.latencyMs ?? 30_000);
        default:
          break;
      }
    }
    if (!clientId) return oauthError(c, 401, 'invalid_client');
    const hardExpiry = c.req.header('x-include-refresh-token-hard-expires-in') === 'true';
    const result =
      form.grant_type === 'authorization_code'
        ? sim.oauth.exchangeCode(clientId, form.code, form.redirect_uri, hardExpiry)
        : form.grant_type === 'refresh_token'
          ? sim.oauth.refresh(clientId, form.refresh_token, hardExpiry)
          : ({ ok: false, status: 400, error: 'unsupported_grant_type' } as const);
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1000));
    // The new tokens exist (and the old refresh token is superseded) but the client never receives them.
    if (fault?.kind === 'drop_after_commit') return dropConnection(c, 'drop_after_commit');
    if (!result.ok) return oauthError(c, result.status, result.error);
    return c.body(JSON.stringify(result.tokens), 200, { 'Content-Type': OAUTH_JSON });
  });

  app.post('/v2/oauth2/tokens/revoke', async (c) => {
    if (!sim.oauth.authenticateClient(c.req.header('authorization'))) return oauthError(c, 401, 'invalid_client');
    const form = await formOrJson(c);
    if (!form.token) return oauthError(c, 400, 'invalid_request');
    sim.oauth.revoke(form.token);
    return c.body(null, 200);
  });

  app.get('/op/v1/jwks', (c) => c.json(sim.oauth.jwks()));
}
