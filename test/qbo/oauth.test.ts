/**
 * OAuth token flows through intuit-oauth. The first block drives a bare token server that misbehaves on demand (to
 * prove retries are off, errors are typed and endpoints never leak between instances); the second runs the real
 * flows against the QBO simulator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OAuthClient from 'intuit-oauth';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createQboClient } from '../../qbo/client.ts';
import { createQboOAuth, oauthEndpointsAt, QboOAuthError, type QboOAuth, type QboOAuthOptions } from '../../qbo/oauth.ts';
import { startSimulator, type StartedSimulator } from '../../simulator/index.ts';

interface Hit {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function startTokenServer() {
  const hits: Hit[] = [];
  let handler: Handler = () => {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    endpoints: {
      authorize: `${url}/connect/oauth2`,
      token: `${url}/oauth2/v1/tokens/bearer`,
      revoke: `${url}/v2/oauth2/tokens/revoke`,
    },
    respond(h: Handler) {
      handler = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const json = (status: number, body: unknown, tid = '1-tok-tid'): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', intuit_tid: tid });
  res.end(JSON.stringify(body));
};

const TOKENS = {
  access_token: 'new-access',
  refresh_token: 'new-refresh',
  token_type: 'bearer',
  expires_in: 3600,
  x_refresh_token_expires_in: 8_726_400,
  x_refresh_token_hard_expires_in: 156_032_154,
};

const T0 = Date.UTC(2026, 0, 1);

describe('createQboOAuth against a bare token server', () => {
  let srv: Awaited<ReturnType<typeof startTokenServer>>;
  let oauthOpts: QboOAuthOptions;

  beforeAll(async () => {
    srv = await startTokenServer();
  });
  afterAll(async () => {
    await srv.close();
  });
  beforeEach(() => {
    srv.hits.length = 0;
    oauthOpts = {
      clientId: 'client-id',
      clientSecret: 'client-secret',
      redirectUri: 'https://sync.example.com/oauth/callback',
      environment: 'sandbox',
      endpoints: srv.endpoints,
      now: () => T0,
    };
  });
  afterEach(() => {
    // Our calls put the statics back; nothing may stay pointed at a test server.
    expect(OAuthClient.tokenEndpoint).toBe('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
    expect(OAuthClient.revokeEndpoint).toBe('https://developer.api.intuit.com/v2/oauth2/tokens/revoke');
    expect(OAuthClient.authorizeEndpoint).toBe('https://appcenter.intuit.com/connect/oauth2');
  });

  it('builds the authorize URL from its own endpoint, client, redirect, accounting scope and the given state', () => {
    const url = new URL(createQboOAuth(oauthOpts).authorizeUrl({ state: 'st-1' }));
    expect(`${url.origin}${url.pathname}`).toBe(srv.endpoints.authorize);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-id',
      redirect_uri: 'https://sync.example.com/oauth/callback',
      scope: 'com.intuit.quickbooks.accounting',
      state: 'st-1',
    });
    const intuit = createQboOAuth({ ...oauthOpts, endpoints: undefined }).authorizeUrl({ state: 's', scopes: ['openid', 'email'] });
    expect(intuit).toMatch(/^https:\/\/appcenter\.intuit\.com\/connect\/oauth2\?/);
    expect(new URL(intuit).searchParams.get('scope')).toBe('openid email');
    expect(() => createQboOAuth(oauthOpts).authorizeUrl({ state: '' })).toThrow(/state/);
  });

  it('exchanges a callback code for tokens, with realmId from the callback and expiry dates from the response', async () => {
    srv.respond(json(200, TOKENS, '1-exchange'));
    const set = await createQboOAuth(oauthOpts).exchangeCode(
      'https://sync.example.com/oauth/callback?code=AB11&state=st-1&realmId=9130350000000001',
      { expectedState: 'st-1' },
    );
    expect(set).toEqual({
      accessToken: 'new-access',
      refreshToken: 'new-refresh',
      accessTokenExpiresAt: new Date(T0 + 3600_000),
      refreshTokenExpiresAt: new Date(T0 + 8_726_400_000),
      refreshTokenHardExpiresAt: new Date(T0 + 156_032_154_000),
      realmId: '9130350000000001',
      intuitTid: '1-exchange',
    });
    const hit = srv.hits[0]!;
    expect(hit.path).toBe('/oauth2/v1/tokens/bearer');
    expect(hit.headers.authorization).toBe(`Basic ${Buffer.from('client-id:client-secret').toString('base64')}`);
    expect(hit.headers['x-include-refresh-token-hard-expires-in']).toBe('true');
    expect(Object.fromEntries(new URLSearchParams(hit.body))).toEqual({
      grant_type: 'authorization_code',
      code: 'AB11',
      redirect_uri: 'https://sync.example.com/oauth/callback',
    });
  });

  it('refuses a callback with a foreign state, a denied consent or no code, without calling Intuit', async () => {
    const oauth = createQboOAuth(oauthOpts);
    await expect(oauth.exchangeCode('/cb?code=x&state=evil&realmId=1', { expectedState: 'st-1' })).rejects.toThrow(/state/);
    await expect(oauth.exchangeCode('/cb?error=access_denied&state=st-1')).rejects.toMatchObject({
      code: 'other',
      oauthError: 'access_denied',
    });
    await expect(oauth.exchangeCode('/cb?state=st-1')).rejects.toThrow(/no authorization code/);
    expect(srv.hits).toHaveLength(0);
  });

  it('refreshes with refresh_token grant and hands back the rotated refresh token', async () => {
    srv.respond(json(200, { ...TOKENS, refresh_token: 'rotated' }));
    const set = await createQboOAuth(oauthOpts).refresh('old-refresh');
    expect(set.refreshToken).toBe('rotated');
    expect(set.realmId).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(srv.hits[0]!.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'old-refresh',
    });
  });

  it('types invalid_grant with status and intuit_tid, and keeps tokens out of the message', async () => {
    srv.respond(json(400, { error: 'invalid_grant' }, '1-grant-tid'));
    const err = await createQboOAuth(oauthOpts).refresh('secret-refresh-token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QboOAuthError);
    expect(err).toMatchObject({ code: 'invalid_grant', status: 400, intuitTid: '1-grant-tid', oauthError: 'invalid_grant' });
    expect(String((err as Error).message)).not.toContain('secret-refresh-token');
  });

  it('types a rejected client as invalid_client', async () => {
    srv.respond(json(401, { error: 'invalid_client' }));
    await expect(createQboOAuth(oauthOpts).refresh('r')).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
  });

  it('treats a 2xx that carries an OAuth error instead of tokens as that error', async () => {
    srv.respond(json(200, { error: 'invalid_grant' }));
    await expect(createQboOAuth(oauthOpts).refresh('r')).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('does not retry a 503 — Temporal owns retries', async () => {
    srv.respond(json(503, { error: 'temporarily_unavailable' }));
    await expect(createQboOAuth(oauthOpts).refresh('r')).rejects.toMatchObject({ code: 'other', status: 503 });
    expect(srv.hits).toHaveLength(1);
  });

  it('does not retry a reset connection, and says the request went out', async () => {
    srv.respond((req) => req.socket.destroy());
    await expect(createQboOAuth(oauthOpts).refresh('r')).rejects.toMatchObject({ code: 'network', requestSent: true });
    expect(srv.hits).toHaveLength(1);
  });

  it('does not retry a 429 either', async () => {
    srv.respond(json(429, { error: 'rate_limited' }));
    await expect(createQboOAuth(oauthOpts).refresh('r')).rejects.toMatchObject({ status: 429 });
    expect(srv.hits).toHaveLength(1);
  });

  it('reports an unreachable token endpoint as network with requestSent false', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = `http://127.0.0.1:${port}`;
    const oauth = createQboOAuth({ ...oauthOpts, endpoints: { authorize: dead, token: dead, revoke: dead } });
    await expect(oauth.refresh('r')).rejects.toMatchObject({ code: 'network', requestSent: false });
  });

  it('gives up on a token endpoint that never answers', async () => {
    srv.respond(() => {});
    await expect(createQboOAuth({ ...oauthOpts, timeoutMs: 100 }).refresh('r')).rejects.toMatchObject({ code: 'network' });
    expect(srv.hits).toHaveLength(1);
  });

  it('keeps concurrent instances on their own endpoints although intuit-oauth keeps them in globals', async () => {
    const other = await startTokenServer();
    try {
      srv.respond(json(200, { ...TOKENS, refresh_token: 'from-a' }));
      other.respond(json(200, { ...TOKENS, refresh_token: 'from-b' }));
      const a = createQboOAuth(oauthOpts);
      const b = createQboOAuth({ ...oauthOpts, endpoints: other.endpoints });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).refresh(`r${i}`).then((s) => s.refreshToken)),
      );
      expect(results).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'from-a' : 'from-b')));
      expect(srv.hits).toHaveLength(5);
      expect(other.hits).toHaveLength(5);
    } finally {
      await other.close();
    }
  });

  it('revokes by posting the token as JSON to the revoke endpoint', async () => {
    srv.respond((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    await createQboOAuth(oauthOpts).revoke('refresh-to-revoke');
    expect(srv.hits[0]!.path).toBe('/v2/oauth2/tokens/revoke');
    expect(JSON.parse(srv.hits[0]!.body)).toEqual({ token: 'refresh-to-revoke' });
  });

  it('switches off the library-wide retry setting as well', () => {
    createQboOAuth(oauthOpts);
    expect(OAuthClient.retryConfig.maxRetries).toBe(0);
  });

  it('stays retry-free even if other code turns the library-wide retries back on', async () => {
    const oauth = createQboOAuth(oauthOpts);
    OAuthClient.retryConfig.maxRetries = 3;
    try {
      srv.respond(json(503, {}));
      await expect(oauth.refresh('r')).rejects.toMatchObject({ status: 503 });
      expect(srv.hits).toHaveLength(1);
    } finally {
      OAuthClient.retryConfig.maxRetries = 0;
    }
  });
});

describe('createQboOAuth against the QBO simulator', () => {
  let started: StartedSimulator;
  let oauth: QboOAuth;
  const redirectUri = 'https://sync.example.com/oauth/callback';

  /** The simulator's default client, wired as the product wires it in development (web/oauth.ts). */
  const oauthWithSecret = (clientSecret: string) =>
    createQboOAuth({
      clientId: started.sim.options.defaultClient.clientId,
      clientSecret,
      redirectUri,
      environment: 'sandbox',
      endpoints: oauthEndpointsAt(started.url),
    });

  beforeAll(async () => {
    started = await startSimulator({
      port: 0,
      options: { logger: { info: () => {}, warn: () => {} }, rotateRefreshToken: 'always', oldRefreshTokenGraceSec: 0 },
    });
    oauth = oauthWithSecret(started.sim.options.defaultClient.clientSecret);
  });

  afterAll(async () => {
    await started?.close();
  });

  const companyInfoStatus = async (realmId: string, accessToken: string) =>
    (await createQboClient({ baseUrl: started.url }).companyInfo({ realmId, accessToken })).status;

  it('connects a company: authorize redirect, code exchange, and a working access token', async () => {
    const res = await fetch(oauth.authorizeUrl({ state: 'connect-1' }), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const callback = res.headers.get('location')!;
    expect(callback.startsWith(redirectUri)).toBe(true);

    const tokens = await oauth.exchangeCode(callback, { expectedState: 'connect-1' });
    expect(tokens.realmId).toBeTruthy();
    expect(tokens.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(tokens.refreshTokenExpiresAt.getTime()).toBeGreaterThan(tokens.accessTokenExpiresAt.getTime());
    expect(tokens.intuitTid).toMatch(/^1-/);
    expect(await companyInfoStatus(tokens.realmId!, tokens.accessToken)).toBe(200);

    // An authorization code is single-use.
    await expect(oauth.exchangeCode(callback)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('returns the rotated refresh token to the caller, after which the old one is invalid_grant', async () => {
    const company = started.sim.createCompany({ homeCurrency: 'KES' });
    const rotated = await oauth.refresh(company.refreshToken);
    expect(rotated.refreshToken).not.toBe(company.refreshToken);
    expect(rotated.accessToken).not.toBe(company.accessToken);
    expect(await companyInfoStatus(company.realmId, rotated.accessToken)).toBe(200);

    const stale = await oauth.refresh(company.refreshToken).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(QboOAuthError);
    expect(stale).toMatchObject({ code: 'invalid_grant', status: 400 });
    expect((stale as QboOAuthError).intuitTid).toMatch(/^1-/);

    const again = await oauth.refresh(rotated.refreshToken);
    expect(again.refreshToken).not.toBe(rotated.refreshToken);
  });

  it('revokes a grant so that its refresh token is refused', async () => {
    const company = started.sim.createCompany({ homeCurrency: 'USD' });
    await oauth.revoke(company.refreshToken);
    await expect(oauth.refresh(company.refreshToken)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('reports a wrong client secret as invalid_client', async () => {
    const company = started.sim.createCompany({ homeCurrency: 'USD' });
    const wrong = oauthWithSecret('not-the-secret');
    await expect(wrong.refresh(company.refreshToken)).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
  });

  it('surfaces an injected token-endpoint outage once, without retrying it', async () => {
    const company = started.sim.createCompany({ homeCurrency: 'USD' });
    started.sim.injectFault({ path: 'tokens/bearer', kind: 'http5xx', status: 503, count: 2 });
    await expect(oauth.refresh(company.refreshToken)).rejects.toMatchObject({ code: 'other', status: 503 });
    // The second injected 503 is still pending: the library did not spend it on a hidden retry.
    expect(started.sim.faults().filter((f) => f.path === 'tokens/bearer')).toHaveLength(1);
    started.sim.clearFaults();
    const tokens = await oauth.refresh(company.refreshToken);
    expect(tokens.refreshToken).toBeTruthy();
  });
});
