import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type CompanyCredentials, type Simulator, type SimulatorOptions } from '../../simulator/index.ts';
import { simClient, toSimResponse, type SimResponse } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };
const REDIRECT = 'https://app.example.com/callback';

let now: number;
let sim: Simulator;
let creds: CompanyCredentials;

function setup(options: SimulatorOptions = {}): void {
  now = Date.parse('2026-03-02T17:00:00Z');
  sim = createSimulator({ logger: quiet, clock: () => now, ...options });
  creds = sim.createCompany();
}

beforeEach(() => setup());

function basic(clientId = creds.clientId, secret = creds.clientSecret): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

async function token(form: Record<string, string>, auth = basic()): Promise<SimResponse> {
  const res = await sim.app.request('/oauth2/v1/tokens/bearer', {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  return toSimResponse(res);
}

const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });

async function authorize(params: Record<string, string>): Promise<URL> {
  const res = await sim.app.request(`/connect/oauth2?${new URLSearchParams(params)}`);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

describe('QBO simulator OAuth', () => {
  it('redirects the authorize request with code, state and realmId and exchanges the code for tokens once', async () => {
    const callback = await authorize({
      client_id: creds.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting openid',
      state: 'csrf-1',
      realmId: creds.realmId,
    });
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('state')).toBe('csrf-1');
    expect(callback.searchParams.get('realmId')).toBe(creds.realmId);
    const code = callback.searchParams.get('code')!;

    const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('intuit_tid')).toBeTruthy();
    expect(exchanged.json).toMatchObject({
      token_type: 'bearer',
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      expires_in: 3600,
      x_refresh_token_expires_in: 8726400,
      id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    const api = await simClient(sim, { realmId: creds.realmId, accessToken: exchanged.json.access_token }).get('/preferences');
    expect(api.status).toBe(200);

    const reused = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(reused.status).toBe(400);
    expect(reused.text).toBe('{"error":"invalid_grant"}');
  });

  it('refuses a code exchanged with a different redirect_uri', async () => {
    const callback = await authorize({ client_id: creds.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'com.intuit.quickbooks.accounting', state: 's' });
    const res = await token({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: 'https://evil.example.com/cb' });
    expect(res.text).toBe('{"error":"invalid_grant"}');
  });

  it('rotates the refresh token and refuses the superseded one with invalid_grant', async () => {
    const first = await refresh(creds.refreshToken);
    expect(first.status).toBe(200);
    expect(first.json.refresh_token).not.toBe(creds.refreshToken);
    const superseded = await refresh(creds.refreshToken);
    expect(superseded.status).toBe(400);
    expect(superseded.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(superseded.text).toBe('{"error":"invalid_grant"}');
    expect((await refresh(first.json.refresh_token)).status).toBe(200);
    expect(sim.stats(creds.realmId).tokenRefreshes).toBe(2);
  });

  it('keeps a superseded refresh token usable during the configured grace period', async () => {
    setup({ oldRefreshTokenGraceSec: 24 * 3600 });
    const rotated = (await refresh(creds.refreshToken)).json.refresh_token;
    now += 3600_000;
    const withOld = await refresh(creds.refreshToken);
    expect(withOld.status).toBe(200);
    expect(withOld.json.refresh_token).toBe(rotated);
    now += 24 * 3600_000;
    expect((await refresh(creds.refreshToken)).text).toBe('{"error":"invalid_grant"}');
  });

  it('returns the same refresh token within a day when rotation is daily', async () => {
    setup({ rotateRefreshToken: 'daily' });
    expect((await refresh(creds.refreshToken)).json.refresh_token).toBe(creds.refreshToken);
    now += 25 * 3600_000;
    expect((await refresh(creds.refreshToken)).json.refresh_token).not.toBe(creds.refreshToken);
  });

  it('refuses an expired and an unknown refresh token with invalid_grant, and a bad client with invalid_client', async () => {
    now += 102 * 24 * 3600_000;
    expect((await refresh(creds.refreshToken)).text).toBe('{"error":"invalid_grant"}');
    expect((await refresh('AB11not-a-real-token')).text).toBe('{"error":"invalid_grant"}');
    const badClient = await token({ grant_type: 'refresh_token', refresh_token: creds.refreshToken }, basic(creds.clientId, 'wrong'));
    expect(badClient.status).toBe(401);
    expect(badClient.json).toEqual({ error: 'invalid_client' });
  });

  it('rolls the refresh token expiry forward on every use', async () => {
    now += 50 * 24 * 3600_000;
    const res = await refresh(creds.refreshToken);
    expect(res.json.x_refresh_token_expires_in).toBe(8726400);
  });

  it('answers an expired access token with the lower-case 401 gateway body and code 3200', async () => {
    now += 3601_000;
    const res = await simClient(sim, creds).get('/preferences');
    expect(res.status).toBe(401);
    expect(res.json.fault).toMatchObject({
      type: 'AUTHENTICATION',
      error: [{ code: '3200', message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', element: null }],
    });
    expect(res.json.fault.error[0].detail).toMatch(/^Token expired: /);
    expect(res.json.Fault).toBeUndefined();
  });

  it('answers an unknown access token with 401 3200 malformed', async () => {
    const res = await simClient(sim, { realmId: creds.realmId, accessToken: 'nonsense' }).get('/preferences');
    expect(res.status).toBe(401);
    expect(res.json.fault.error[0]).toMatchObject({ code: '3200', detail: 'Malformed bearer token: too short or too long' });
  });

  it('answers a token without the accounting scope with the lower-case 403 body and code 3100', async () => {
    const openidOnly = sim.createCompany({ scope: ['openid', 'email'] });
    const res = await simClient(sim, openidOnly).get('/preferences');
    expect(res.status).toBe(403);
    expect(res.json.fault).toMatchObject({ type: 'SERVICE', error: [{ code: '3100', message: 'message=AuthorizationFailed; errorCode=003100; statusCode=403' }] });
  });

  it('revokes every token of the grant through the revoke endpoint', async () => {
    const res = await sim.app.request('/v2/oauth2/tokens/revoke', {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/json' },
      body: JSON.stringify({ token: creds.refreshToken }),
    });
    expect(res.status).toBe(200);
    expect((await simClient(sim, creds).get('/preferences')).status).toBe(401);
    expect((await refresh(creds.refreshToken)).text).toBe('{"error":"invalid_grant"}');
  });

  it('expires the access token for real on an injected token_expired fault, so the client must refresh', async () => {
    sim.injectFault({ kind: 'token_expired', count: 1 });
    const qbo = simClient(sim, creds);
    const first = await qbo.get('/preferences');
    expect(first.status).toBe(401);
    expect((await qbo.get('/preferences')).status).toBe(401);
    const renewed = await refresh(creds.refreshToken);
    expect((await simClient(sim, { realmId: creds.realmId, accessToken: renewed.json.access_token }).get('/preferences')).status).toBe(200);
  });

  it('answers an injected invalid_grant without changing the stored refresh token', async () => {
    sim.injectFault({ kind: 'invalid_grant', count: 1 });
    expect((await refresh(creds.refreshToken)).text).toBe('{"error":"invalid_grant"}');
    expect((await refresh(creds.refreshToken)).status).toBe(200);
  });

  it('expires and revokes tokens through the control API', async () => {
    await sim.app.request(`/_sim/companies/${creds.realmId}/tokens/expire`, { method: 'POST' });
    expect((await simClient(sim, creds).get('/preferences')).json.fault.error[0].detail).toMatch(/^Token expired/);
    await sim.app.request(`/_sim/companies/${creds.realmId}/tokens/revoke`, { method: 'POST' });
    expect((await refresh(creds.refreshToken)).text).toBe('{"error":"invalid_grant"}');
  });

  it('signs the id_token with the key it serves as a JWKS, under the issuer intuit-oauth checks', async () => {
    const callback = await authorize({ client_id: creds.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'com.intuit.quickbooks.accounting openid', state: 's' });
    const tokens = (await token({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT })).json;
    const [header, payload, signature] = (tokens.id_token as string).split('.') as [string, string, string];
    const jwks = (await toSimResponse(await sim.app.request('/op/v1/jwks'))).json;
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid });
    const key = createPublicKey({ key: jwks.keys[0] as JsonWebKey, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({
      iss: 'https://oauth.platform.intuit.com/op/v1',
      aud: [creds.clientId],
      realmid: creds.realmId,
    });
  });

  it('shows a consent page instead of redirecting when auto-approve is off, and redirects once approved', async () => {
    setup({ authorizeAutoApprove: false });
    const params = new URLSearchParams({ client_id: creds.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'com.intuit.quickbooks.accounting', state: 'z' });
    const page = await sim.app.request(`/connect/oauth2?${params}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/connect/oauth2">');
    const approved = await sim.app.request('/connect/oauth2', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
    expect(approved.status).toBe(302);
    expect(new URL(approved.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('refuses an unknown client on the authorize endpoint and an unsupported grant type on the token endpoint', async () => {
    const res = await sim.app.request(`/connect/oauth2?client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=x`);
    expect(res.status).toBe(400);
    const grant = await token({ grant_type: 'password', username: 'u' });
    expect(grant.status).toBe(400);
    expect(grant.json).toEqual({ error: 'unsupported_grant_type' });
  });
});
