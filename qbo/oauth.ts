/**
 * Intuit OAuth 2.0 token flows (reference §7) through `intuit-oauth`, and nothing else: QBO data calls go through
 * qbo/client.ts, which keeps the fault bodies and `intuit_tid` that `makeApiCall` throws away (reference §8.5).
 *
 * Two properties of `intuit-oauth` 4.2.5 shape this module (node_modules/intuit-oauth/src/OAuthClient.js):
 *
 * 1. **Retries.** Token calls go through `loadResponse()`, which retries 408/429/5xx and ECONNRESET/ETIMEDOUT/
 *    ECONNREFUSED up to `OAuthClient.retryConfig.maxRetries` (3, with 1-2-4 s delays). Temporal owns retries, and a
 *    hidden retry of a refresh can even consume a rotating refresh token twice. Every instance we create gets
 *    `shouldRetry = () => false` — `loadResponse` consults `this.shouldRetry`, so this holds whatever any other code
 *    does to the process-global `retryConfig`; we also set `retryConfig.maxRetries = 0` for any instance we do not
 *    own. We wrap `loadResponse` too, to give axios a timeout (the library sets none).
 *
 * 2. **Endpoints are process-global statics** (`OAuthClient.tokenEndpoint`, …), and `setAuthorizeURLs()` mutates
 *    them for every instance. The library reads them synchronously when it builds a request: `authorizeUri()` does,
 *    and `createToken` / `refreshUsingToken` / `revoke` build `{ url: OAuthClient.tokenEndpoint }` inside a
 *    `new Promise` executor, which runs before the call returns. So each call here sets the statics to *this*
 *    instance's endpoints, invokes the library method synchronously, and restores them in `finally` — no `await`
 *    in between, so concurrent instances pointing at different servers (simulator vs Intuit, or two simulators in
 *    one test run) cannot see each other's endpoints.
 *
 * A fresh `OAuthClient` is made per call, because the library also stores the last token on the instance; sharing
 * one across concurrent refreshes of different realms would mix their state. Logging stays off: the library's
 * logger writes token responses to ./logs.
 */
import OAuthClient from 'intuit-oauth';
import { mayHaveBeenSent } from './classify.ts';

/** The library's own defaults, captured at import before anything can change them. */
const INTUIT_ENDPOINTS: QboOAuthEndpoints = {
  authorize: OAuthClient.authorizeEndpoint,
  token: OAuthClient.tokenEndpoint,
  revoke: OAuthClient.revokeEndpoint,
};

export const QBO_ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

export interface QboOAuthEndpoints {
  authorize: string;
  token: string;
  revoke: string;
}

/** Options of {@link createQboOAuth}. */
/** Intuit's OAuth paths on another host (the local simulator serves them at the same paths as Intuit). */
export function oauthEndpointsAt(baseUrl: string): QboOAuthEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return { authorize: `${base}/connect/oauth2`, token: `${base}/oauth2/v1/tokens/bearer`, revoke: `${base}/v2/oauth2/tokens/revoke` };
}

export interface QboOAuthOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  environment: 'sandbox' | 'production';
  /** Override Intuit's endpoints (the simulator in development and tests). Intuit uses one set for both environments. */
  endpoints?: QboOAuthEndpoints;
  /** Per token call. Default 20 000 ms. */
  timeoutMs?: number;
  /** Ask Intuit for `x_refresh_token_hard_expires_in` (the 5-year cap, reference §7.3). Default true. */
  includeRefreshTokenHardExpiry?: boolean;
  /** Millisecond clock used to turn `expires_in` into dates. Default `Date.now`. */
  now?: () => number;
}

/** Tokens as the caller stores them (encrypted). Expiry instants are computed when the response arrived. */
export interface TokenSet {
  accessToken: string;
  /** Always store this one, even when unchanged: Intuit rotates refresh tokens and the old one may die at once. */
  refreshToken: string;
  accessTokenExpiresAt: Date;
  /** Rolling (100 days, extended on every refresh). */
  refreshTokenExpiresAt: Date;
  /** Absolute cap, when Intuit sent `x_refresh_token_hard_expires_in`. */
  refreshTokenHardExpiresAt?: Date;
  /** Only known after a code exchange (from the callback URL). */
  realmId?: string;
  scope?: string;
  intuitTid?: string;
}

export type QboOAuthErrorCode = 'invalid_grant' | 'invalid_client' | 'network' | 'other';

/**
 * A failed token call. `invalid_grant` means the refresh token (or code) is dead — the realm needs the user to
 * reconnect; `network` means no HTTP answer arrived (see `requestSent`). Messages never contain tokens.
 */
export class QboOAuthError extends Error {
  override readonly name = 'QboOAuthError';
  readonly code: QboOAuthErrorCode;
  readonly status?: number;
  readonly intuitTid?: string;
  /** The OAuth `error` string as sent (`invalid_grant`, `access_denied`, …), when there was one. */
  readonly oauthError?: string;
  /** For `network`: false only when the connection was never made (the grant cannot have been used). */
  readonly requestSent?: boolean;

  constructor(
    code: QboOAuthErrorCode,
    message: string,
    extra: { status?: number; intuitTid?: string; oauthError?: string; requestSent?: boolean } = {},
  ) {
    super(message);
    this.code = code;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.intuitTid) this.intuitTid = extra.intuitTid;
    if (extra.oauthError) this.oauthError = extra.oauthError;
    if (extra.requestSent !== undefined) this.requestSent = extra.requestSent;
  }
}

/** Token flows for one Intuit app (client id/secret). */
export interface QboOAuth {
  /** The URL to send the user to. `state` is required: `intuit-oauth` never verifies it, so the caller must. */
  authorizeUrl(opts: { state: string; scopes?: string[] }): string;
  /**
   * Exchanges the code of Intuit's redirect (`redirect_uri?code=…&state=…&realmId=…`). With `expectedState`, a
   * mismatch is refused before any token call. A denied consent (`?error=access_denied`) is a QboOAuthError.
   */
  exchangeCode(callbackUrl: string, opts?: { expectedState?: string }): Promise<TokenSet>;
  /** `grant_type=refresh_token`; the result's refresh token may be new, and then the given one may be dead. */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** Revokes an access or refresh token (either revokes the whole grant at Intuit). */
  revoke(token: string): Promise<void>;
}

interface TokenJson {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  x_refresh_token_expires_in?: number;
  x_refresh_token_hard_expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

/** The error `intuit-oauth` throws for token calls: a plain Error with these fields added (reference §8.5). */
interface LibraryError {
  message?: string;
  error?: string;
  error_description?: string;
  intuit_tid?: string;
  intuitTid?: string;
  authResponse?: { response?: { status?: number } | ''; intuit_tid?: string } | '';
}

export function createQboOAuth(opts: QboOAuthOptions): QboOAuth {
  const endpoints = opts.endpoints ?? INTUIT_ENDPOINTS;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const now = opts.now ?? Date.now;
  const includeHard = opts.includeRefreshTokenHardExpiry ?? true;
  for (const k of ['clientId', 'clientSecret', 'redirectUri'] as const) {
    if (!opts[k]) throw new TypeError(`createQboOAuth: ${k} is required`);
  }
  OAuthClient.retryConfig.maxRetries = 0;

  /** Per-call state: the transport failure axios saw, which the library's wrapped error no longer carries. */
  interface CallState {
    transportCode?: string;
  }

  function newClient(state: CallState): OAuthClient {
    const client = new OAuthClient({
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      environment: opts.environment,
      redirectUri: opts.redirectUri,
      logging: false,
      includeRefreshTokenHardExpiresIn: includeHard,
    });
    client.shouldRetry = () => false;
    const load = client.loadResponse.bind(client);
    client.loadResponse = (request: Record<string, unknown>) =>
      load({ ...request, timeout: timeoutMs }).catch((err: { code?: string; response?: unknown }) => {
        if (!err?.response) state.transportCode = err?.code ?? 'NETWORK_ERROR';
        throw err;
      });
    return client;
  }

  /** Runs a library call with this instance's endpoints in the statics; see the module comment for why it is safe. */
  function withEndpoints<T>(fn: () => T): T {
    const saved = {
      authorize: OAuthClient.authorizeEndpoint,
      token: OAuthClient.tokenEndpoint,
      revoke: OAuthClient.revokeEndpoint,
    };
    OAuthClient.authorizeEndpoint = endpoints.authorize;
    OAuthClient.tokenEndpoint = endpoints.token;
    OAuthClient.revokeEndpoint = endpoints.revoke;
    try {
      return fn();
    } finally {
      OAuthClient.authorizeEndpoint = saved.authorize;
      OAuthClient.tokenEndpoint = saved.token;
      OAuthClient.revokeEndpoint = saved.revoke;
    }
  }

  function toTokenSet(
    resp: { json?: unknown; intuit_tid?: string } | null | undefined,
    extra: { realmId?: string },
  ): TokenSet {
    const json = (resp?.json ?? {}) as TokenJson;
    const intuitTid = resp?.intuit_tid || undefined;
    // A 2xx carrying an OAuth error instead of tokens has been seen (NQB#171); never store undefined tokens.
    if (!json.access_token || !json.refresh_token) {
      const oauthError = typeof json.error === 'string' ? json.error : undefined;
      throw new QboOAuthError(codeFor(oauthError, undefined), `token endpoint answered without tokens${oauthError ? `: ${oauthError}` : ''}`, {
        ...(intuitTid ? { intuitTid } : {}),
        ...(oauthError ? { oauthError } : {}),
      });
    }
    const t = now();
    const set: TokenSet = {
      accessToken: json.access_token,
      refreshToken: json.refresh_token,
      accessTokenExpiresAt: new Date(t + seconds(json.expires_in, 3600) * 1000),
      refreshTokenExpiresAt: new Date(t + seconds(json.x_refresh_token_expires_in, 8_640_000) * 1000),
    };
    if (typeof json.x_refresh_token_hard_expires_in === 'number' && json.x_refresh_token_hard_expires_in > 0) {
      set.refreshTokenHardExpiresAt = new Date(t + json.x_refresh_token_hard_expires_in * 1000);
    }
    if (extra.realmId) set.realmId = extra.realmId;
    if (json.scope) set.scope = json.scope;
    if (intuitTid) set.intuitTid = intuitTid;
    return set;
  }

  function toOAuthError(err: unknown, state: CallState): QboOAuthError {
    if (err instanceof QboOAuthError) return err;
    const e = (err ?? {}) as LibraryError;
    const auth = e.authResponse || undefined;
    const res = auth?.response || undefined;
    const status = typeof res?.status === 'number' ? res.status : undefined;
    const intuitTid = e.intuit_tid || e.intuitTid || auth?.intuit_tid || undefined;
    const tid = intuitTid ? { intuitTid } : {};
    if (status === undefined && state.transportCode) {
      return new QboOAuthError('network', `token endpoint unreachable (${state.transportCode})`, {
        ...tid,
        requestSent: mayHaveBeenSent(state.transportCode),
      });
    }
    const oauthError = typeof e.error === 'string' && /^[a-z_]{3,64}$/.test(e.error) ? e.error : undefined;
    const description = typeof e.error_description === 'string' ? e.error_description.slice(0, 200) : '';
    const message =
      oauthError !== undefined
        ? `${oauthError}${description && description !== oauthError ? `: ${description}` : ''}`
        : status !== undefined
          ? `token endpoint answered HTTP ${status}`
          : (e.message ?? 'token call failed');
    return new QboOAuthError(codeFor(oauthError, status), message, {
      ...tid,
      ...(status !== undefined ? { status } : {}),
      ...(oauthError ? { oauthError } : {}),
    });
  }

  async function call<T>(fn: (client: OAuthClient) => Promise<T>): Promise<T> {
    const state: CallState = {};
    const client = newClient(state);
    try {
      return await withEndpoints(() => fn(client));
    } catch (err) {
      throw toOAuthError(err, state);
    }
  }

  return {
    authorizeUrl({ state, scopes }) {
      if (!state) throw new TypeError('authorizeUrl needs a state to verify on the callback');
      const client = newClient({});
      return withEndpoints(() => client.authorizeUri({ scope: scopes?.length ? scopes : [QBO_ACCOUNTING_SCOPE], state }));
    },

    async exchangeCode(callbackUrl, o = {}) {
      const params = new URL(callbackUrl, 'http://callback.invalid').searchParams;
      const denied = params.get('error');
      if (denied) {
        throw new QboOAuthError('other', `authorization was not granted: ${denied}`, { oauthError: denied });
      }
      if (!params.get('code')) throw new QboOAuthError('other', 'callback URL has no authorization code');
      if (o.expectedState !== undefined && params.get('state') !== o.expectedState) {
        throw new QboOAuthError('other', 'callback state does not match the state we issued');
      }
      const realmId = params.get('realmId') ?? undefined;
      const resp = await call((client) => client.createToken(callbackUrl));
      return toTokenSet(resp, realmId ? { realmId } : {});
    },

    async refresh(refreshToken) {
      if (!refreshToken) throw new QboOAuthError('invalid_grant', 'no refresh token to refresh with');
      const resp = await call((client) => client.refreshUsingToken(refreshToken));
      return toTokenSet(resp, {});
    },

    async revoke(token) {
      if (!token) throw new TypeError('revoke needs a token');
      await call((client) => client.revoke({ refresh_token: token }));
    },
  };
}

function codeFor(oauthError: string | undefined, status: number | undefined): QboOAuthErrorCode {
  if (oauthError === 'invalid_grant') return 'invalid_grant';
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') return 'invalid_client';
  if (oauthError === undefined && status === 401) return 'invalid_client';
  return 'other';
}

function seconds(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}
