import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { authenticationFailed, authorizationFailed } from './errors.ts';
import type { Grant, SimState, TokenRecord } from './store.ts';
import type { ResolvedOptions } from './types.ts';

/**
 * Intuit OAuth 2.0 as the token endpoint behaves (reference §7): authorization codes are single use, access tokens
 * live an hour, refresh tokens roll forward on use and rotate per option, a superseded refresh token fails with
 * invalid_grant after the grace period, and revoking any token of a grant ends the whole grant.
 */

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';
export const ID_TOKEN_ISSUER = 'https://oauth.platform.intuit.com/op/v1';
const CODE_TTL_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;
/** Refresh tokens have an absolute five-year cap (B-RT5Y). */
const HARD_EXPIRY_MS = 5 * 365 * DAY_MS;

export interface TokenSet {
  token_type: 'bearer';
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in?: number;
  id_token?: string;
}

export type OAuthErrorCode = 'invalid_grant' | 'invalid_client' | 'invalid_request' | 'unsupported_grant_type';
export type OAuthResult = { ok: true; tokens: TokenSet; realmId: string } | { ok: false; status: 400 | 401; error: OAuthErrorCode };

export type ApiAuth =
  | { ok: true; token: string; record: TokenRecord }
  | { ok: false; status: 401 | 403; body: object };

function b64url(buf: Buffer | string): string {
  return Buffer.from(buf).toString('base64url');
}

/** Intuit access tokens are JWE strings; the simulator's look alike so that length checks in clients behave. */
function newAccessToken(): string {
  return `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${b64url(randomBytes(16))}.${b64url(randomBytes(384))}.${b64url(randomBytes(16))}`;
}

function newRefreshToken(now: number): string {
  return `AB11${Math.floor(now / 1000) + 8726400}${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export class OAuthService {
  private keys: { privateKey: KeyObject; publicKey: KeyObject; kid: string } | undefined;

  constructor(
    private readonly state: () => SimState,
    private readonly opts: ResolvedOptions,
    private readonly now: () => number,
    private readonly changed: () => void,
    private readonly onRefresh: (realmId: string) => void,
  ) {}

  registerClient(clientId: string, clientSecret: string): void {
    const existing = this.state().clients[clientId];
    if (existing && existing.clientSecret !== clientSecret) throw new Error(`client ${clientId} exists with a different secret`);
    this.state().clients[clientId] = { clientId, clientSecret };
    this.changed();
  }

  /** HTTP Basic client authentication, as Intuit requires on the token and revoke endpoints. */
  authenticateClient(header: string | undefined): string | undefined {
    const m = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) return undefined;
    const clientId = decodeURIComponent(decoded.slice(0, sep));
    const secret = decodeURIComponent(decoded.slice(sep + 1));
    const client = this.state().clients[clientId];
    return client && client.clientSecret === secret ? clientId : undefined;
  }

  private issueAccess(grant: Grant): { token: string; expiresAt: number } {
    const now = this.now();
    const token = newAccessToken();
    const expiresAt = now + this.opts.accessTokenTtlSec * 1000;
    this.state().tokens[token] = {
      kind: 'access',
      grantId: grant.id,
      realmId: grant.realmId,
      clientId: grant.clientId,
      scope: grant.scope,
      issuedAt: now,
      expiresAt,
    };
    return { token, expiresAt };
  }

  private issueRefresh(grant: Grant): void {
    const now = this.now();
    const token = newRefreshToken(now);
    grant.refreshToken = token;
    grant.refreshIssuedAt = now;
    grant.refreshExpiresAt = now + this.opts.refreshTokenTtlSec * 1000;
    this.state().tokens[token] = {
      kind: 'refresh',
      grantId: grant.id,
      realmId: grant.realmId,
      clientId: grant.clientId,
      scope: grant.scope,
      issuedAt: now,
      expiresAt: grant.refreshExpiresAt,
    };
  }

  /** A new connection (what the consent screen produces), used by the control API to create a company. */
  createGrant(realmId: string, clientId: string, scope: string[]): { grant: Grant; accessToken: string; accessExpiresAt: number } {
    const grant: Grant = {
      id: randomUUID(),
      realmId,
      clientId,
      scope,
      createdAt: this.now(),
      refreshToken: '',
      refreshIssuedAt: 0,
      refreshExpiresAt: 0,
      revoked: false,
    };
    this.state().grants[grant.id] = grant;
    this.issueRefresh(grant);
    const access = this.issueAccess(grant);
    this.changed();
    return { grant, accessToken: access.token, accessExpiresAt: access.expiresAt };
  }

  issueCode(realmId: string, clientId: string, scope: string[], redirectUri: string): string {
    const code = `AB11${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
    const now = this.now();
    this.state().tokens[code] = { kind: 'code', realmId, clientId, scope, issuedAt: now, expiresAt: now + CODE_TTL_MS, redirectUri };
    this.changed();
    return code;
  }

  private tokenSet(grant: Grant, access: string, hardExpiry: boolean): TokenSet {
    const now = this.now();
    const set: TokenSet = {
      token_type: 'bearer',
      access_token: access,
      refresh_token: grant.refreshToken,
      expires_in: this.opts.accessTokenTtlSec,
      x_refresh_token_expires_in: Math.max(0, Math.floor((grant.refreshExpiresAt - now) / 1000)),
    };
    if (hardExpiry) set.x_refresh_token_hard_expires_in = Math.floor((grant.createdAt + HARD_EXPIRY_MS - now) / 1000);
    if (grant.scope.includes('openid')) set.id_token = this.idToken(grant);
    return set;
  }

  exchangeCode(clientId: string, code: string | undefined, redirectUri: string | undefined, hardExpiry: boolean): OAuthResult {
    if (!code || !redirectUri) return { ok: false, status: 400, error: 'invalid_request' };
    const record = this.state().tokens[code];
    const now = this.now();
    if (!record || record.kind !== 'code' || record.used || record.revoked || record.expiresAt <= now || record.clientId !== clientId || record.redirectUri !== redirectUri) {
      return { ok: false, status: 400, error: 'invalid_grant' };
    }
    record.used = true;
    const { grant, accessToken } = this.createGrant(record.realmId, clientId, record.scope);
    return { ok: true, tokens: this.tokenSet(grant, accessToken, hardExpiry), realmId: grant.realmId };
  }

  refresh(clientId: string, refreshToken: string | undefined, hardExpiry: boolean): OAuthResult {
    if (!refreshToken) return { ok: false, status: 400, error: 'invalid_request' };
    const record = this.state().tokens[refreshToken];
    const grant = record?.grantId ? this.state().grants[record.grantId] : undefined;
    const now = this.now();
    if (!record || record.kind !== 'refresh' || !grant || grant.revoked || record.revoked || record.clientId !== clientId) {
      return { ok: false, status: 400, error: 'invalid_grant' };
    }
    if (record.expiresAt <= now) return { ok: false, status: 400, error: 'invalid_grant' };
    if (record.supersededAt !== undefined && now >= record.supersededAt + this.opts.oldRefreshTokenGraceSec * 1000) {
      return { ok: false, status: 400, error: 'invalid_grant' };
    }
    // Within the grace period an old token still works but yields the grant's current refresh token.
    if (record.supersededAt === undefined) {
      const rotate = this.opts.rotateRefreshToken === 'always' || now - grant.refreshIssuedAt >= DAY_MS;
      if (rotate) {
        record.supersededAt = now;
        this.issueRefresh(grant);
      } else {
        grant.refreshExpiresAt = now + this.opts.refreshTokenTtlSec * 1000;
        record.expiresAt = grant.refreshExpiresAt;
      }
    }
    const access = this.issueAccess(grant);
    this.changed();
    this.onRefresh(grant.realmId);
    return { ok: true, tokens: this.tokenSet(grant, access.token, hardExpiry), realmId: grant.realmId };
  }

  /** Revoking an access or refresh token ends its grant: every token issued under it stops working. */
  revoke(token: string | undefined): boolean {
    const record = token ? this.state().tokens[token] : undefined;
    const grant = record?.grantId ? this.state().grants[record.grantId] : undefined;
    if (!grant) return false;
    this.revokeGrant(grant);
    return true;
  }

  private revokeGrant(grant: Grant): void {
    grant.revoked = true;
    for (const t of Object.values(this.state().tokens)) if (t.grantId === grant.id) t.revoked = true;
    this.changed();
  }

  /** Control API: make every current access token of the realm expire now. */
  expireAccessTokens(realmId: string): number {
    const now = this.now();
    let n = 0;
    for (const t of Object.values(this.state().tokens)) {
      if (t.kind === 'access' && t.realmId === realmId && t.expiresAt > now) {
        t.expiresAt = now;
        n++;
      }
    }
    this.changed();
    return n;
  }

  expireToken(token: string): void {
    const record = this.state().tokens[token];
    if (record?.kind === 'access') record.expiresAt = Math.min(record.expiresAt, this.now());
    this.changed();
  }

  /** Control API: the refresh tokens of the realm stop working (the user disconnected, or the token was lost). */
  revokeRefreshTokens(realmId: string, includeAccess = false): number {
    let n = 0;
    for (const grant of Object.values(this.state().grants)) {
      if (grant.realmId !== realmId || grant.revoked) continue;
      n++;
      if (includeAccess) {
        this.revokeGrant(grant);
        continue;
      }
      for (const t of Object.values(this.state().tokens)) if (t.grantId === grant.id && t.kind === 'refresh') t.revoked = true;
    }
    this.changed();
    return n;
  }

  /** Control API: the realm's company was deleted, so every grant of it ends (its tokens answer 401 / invalid_grant). */
  revokeRealm(realmId: string): number {
    let n = 0;
    for (const grant of Object.values(this.state().grants)) {
      if (grant.realmId !== realmId || grant.revoked) continue;
      this.revokeGrant(grant);
      n++;
    }
    // Unused authorization codes carry no grant yet; they must not become a grant for a company that is gone.
    for (const t of Object.values(this.state().tokens)) if (t.realmId === realmId && t.kind === 'code') t.revoked = true;
    this.changed();
    return n;
  }

  /** The gateway's check of a data API call: 401 3200 for a bad or expired token, 403 3100 for scope or realm. */
  authenticateApi(header: string | undefined, realmId: string): ApiAuth {
    const now = this.now();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return { ok: false, status: 401, body: authenticationFailed('Authorization header is missing or is not a bearer token', now) };
    const token = m[1]!;
    const record = this.state().tokens[token];
    if (!record || record.kind !== 'access') {
      return { ok: false, status: 401, body: authenticationFailed('Malformed bearer token: too short or too long', now) };
    }
    if (record.revoked) return { ok: false, status: 401, body: authenticationFailed('Token revoked', now) };
    if (record.expiresAt <= now) return { ok: false, status: 401, body: authenticationFailed(`Token expired: ${token.slice(0, 20)}`, now) };
    if (!record.scope.includes(ACCOUNTING_SCOPE)) {
      return { ok: false, status: 403, body: authorizationFailed('The access token does not have sufficient scope', now) };
    }
    if (record.realmId !== realmId) return { ok: false, status: 403, body: authorizationFailed(null, now) };
    return { ok: true, token, record };
  }

  private signingKeys(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
    this.keys ??= { ...generateKeyPairSync('rsa', { modulusLength: 2048 }), kid: randomUUID() };
    return this.keys;
  }

  /** RS256 id_token with the issuer intuit-oauth checks; the key is served at /op/v1/jwks. */
  private idToken(grant: Grant): string {
    const { privateKey, kid } = this.signingKeys();
    const now = Math.floor(this.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', kid }));
    const payload = b64url(
      JSON.stringify({
        sub: `sim-user-${grant.realmId}`,
        aud: [grant.clientId],
        realmid: grant.realmId,
        auth_time: now,
        iss: ID_TOKEN_ISSUER,
        exp: now + this.opts.accessTokenTtlSec,
        iat: now,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  jwks(): { keys: object[] } {
    const { publicKey, kid } = this.signingKeys();
    return { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
  }
}
