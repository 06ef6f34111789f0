import { timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { clearLoginAttempts, countLoginAttempt, LOGIN_WINDOW_MS, uncountLoginAttempt } from '../../db/queries/login-attempts.ts';
import { findSession, SESSION_TTL_MS, touchSession } from '../../db/queries/users.ts';
import { type AppDeps } from '../deps.ts';
import { can, type ConsoleEnv, type Permission } from './env.ts';
import { consoleHeaders, formFields, isSecureRequest, ownOrigin, refuse, safeNext } from './http.tsx';
import { userPrincipal } from '../../domain/principal.ts';

export const SESSION_COOKIE = 'qsh_session';
/** Refresh `last_seen_at` at most this often, so reading pages does not write on every request. */
const TOUCH_EVERY_MS = 5 * 60_000;

/** Marks the session as in use (at most every few minutes), so working people do not reach the idle limit. */
export async function keepSessionAlive(db: AppDeps['db'], id: string, session: { lastSeenAt: Date }): Promise<void> {
  if (Date.now() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchSession(db, id);
}

export function setSessionCookie(c: Context, id: string): void {
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isSecureRequest(c),
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isSecureRequest(c) });
}

function currentPath(c: Context): string {
  const hx = c.req.header('hx-current-url');
  if (hx) {
    try {
      const u = new URL(hx);
      return u.pathname + u.search;
    } catch {
      return '/';
    }
  }
  const u = new URL(c.req.url);
  return u.pathname + u.search;
}

/**
 * Loads the signed-in person from the session cookie (only a SHA-256 of the id is stored). Without a valid session a
 * page request goes to /login and comes back afterwards; htmx is told to do the same with HX-Redirect.
 */
export const loadSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const id = getCookie(c, SESSION_COOKIE);
  const { db } = c.get('deps');
  const session = id ? await findSession(db, id) : undefined;
  if (!id || !session) {
    if (id) clearSessionCookie(c);
    const back = c.req.method === 'GET' || c.req.header('hx-current-url') ? currentPath(c) : '/';
    const login = `/login?next=${encodeURIComponent(safeNext(back, ownOrigin(c)))}`;
    if (c.req.header('hx-request') === 'true') {
      c.header('HX-Redirect', login);
      return c.body(null, 401);
    }
    return c.redirect(login, 303);
  }
  // The header's bell reloads itself every 30 s (htmx names it in HX-Trigger): that is not the person at work, and
  // must not keep an idle session alive.
  if (c.req.header('hx-trigger') !== 'bell') await keepSessionAlive(db, id, session);
  c.set('user', session.user);
  c.set('csrfToken', session.csrfToken);
  c.set('principal', userPrincipal(session.user));
  await next();
};

export function tokensMatch(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Hono's origin check: a form-like POST is accepted when the browser says it comes from this origin
 * (`Sec-Fetch-Site: same-origin`) or its `Origin` names this host. Compared by host, not scheme, because behind a
 * TLS-terminating proxy the app sees http:// while the browser sends https://. A request with neither header is
 * refused too (every browser in use sends one of them on a POST; OWASP's advice is to block when both are missing).
 */
const sameOrigin = csrf({
  origin: (origin, c) => {
    try {
      return new URL(origin).host === new URL(c.req.url).host;
    } catch {
      return false;
    }
  },
});

/**
 * Every POST/PUT/PATCH/DELETE of the console must come from this origin (above) and carry the session's CSRF token,
 * as the `_csrf` form field or the X-CSRF-Token header (htmx sends it from <body hx-headers>).
 */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  try {
    await sameOrigin(c, async () => {});
  } catch (err) {
    if (!(err instanceof HTTPException) || err.status !== 403) throw err;
    return refuse(c, 403, 'Request refused', 'This request came from another site, so it was refused. Nothing was changed.');
  }
  const sent = c.req.header('x-csrf-token') ?? (await formFields(c))._csrf;
  if (!tokensMatch(sent, c.get('csrfToken'))) {
    return refuse(c, 403, 'Request refused', 'This form has expired or did not come from this console. Reload the page and try again; nothing was changed.');
  }
  await next();
};

/** Refuses (403) what the signed-in person's role may not do; the views hide the same actions. */
export function requirePermission(permission: Permission): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!can(user, permission)) {
      return refuse(c, 403, 'Not allowed', `Your role (${user.role}) may not do this; ask an admin.`);
    }
    await next();
  };
}

/** How many sign-in attempts a key may make in one window before it is refused until the window ends. */
export const MAX_ATTEMPTS_PER_ACCOUNT = 5;
/** Per client address: several people behind one office NAT sign in through the same address. */
export const MAX_ATTEMPTS_PER_ADDRESS = 20;

export interface LoginThrottleOptions {
  perAccount?: number;
  perAddress?: number;
  windowMs?: number;
  /**
   * The app is behind a reverse proxy that sets X-Forwarded-For: the client is the address that proxy appended (the
   * last entry), not the socket's. Unset: the app's setting (TRUST_PROXY, off by default: a client can put anything
   * in that header).
   */
  trustProxy?: boolean;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; by: 'account' | 'address'; retryAfterMs: number };

/** An IPv6 client usually holds a whole /64, so it is one address here; IPv4-mapped IPv6 is the IPv4 address. */
export function addressKey(address: string): string | undefined {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return v4mapped[1];
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return undefined;
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Sign-in attempts counted in Postgres per account (`email:<address>`) and per client address (`ip:<address>`),
 * BEFORE the password is checked: twelve guesses sent at once each get their own number, and only the first five
 * reach scrypt. Shared by every web instance and kept across restarts. A successful sign-in forgets the account's
 * count and takes its own attempt back from the address's, so an office signing in every morning is not throttled.
 */
export class LoginThrottle {
  private readonly perAccount: number;
  private readonly perAddress: number;
  private readonly windowMs: number;
  private readonly trustProxy: boolean | undefined;

  constructor(opts: LoginThrottleOptions = {}) {
    this.perAccount = opts.perAccount ?? MAX_ATTEMPTS_PER_ACCOUNT;
    this.perAddress = opts.perAddress ?? MAX_ATTEMPTS_PER_ADDRESS;
    this.windowMs = opts.windowMs ?? LOGIN_WINDOW_MS;
    this.trustProxy = opts.trustProxy;
  }

  /**
   * The client's address: the socket's peer, or with `trustProxy` the last X-Forwarded-For entry. Undefined when the
   * runtime gives none (app.request in tests): then only the account is counted, rather than every such client
   * sharing one count that a single guesser would use up for all of them.
   */
  clientAddress(c: Context<ConsoleEnv>): string | undefined {
    if (this.trustProxy ?? c.get('deps')?.trustProxy ?? false) {
      const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
      const key = forwarded ? addressKey(forwarded) : undefined;
      if (key) return key;
    }
    let remote: string | undefined;
    try {
      remote = getConnInfo(c).remote.address;
    } catch {
      remote = undefined;
    }
    return remote ? addressKey(remote) : undefined;
  }

  private keys(c: Context<ConsoleEnv>, email: string): { account: string; address?: string } {
    const address = this.clientAddress(c);
    return { account: `email:${email}`, ...(address ? { address: `ip:${address}` } : {}) };
  }

  /** Counts this attempt for `email` (normalised) and the client's address, and says whether it may go on. */
  async attempt(c: Context<ConsoleEnv>, email: string, now = new Date()): Promise<ThrottleVerdict> {
    const keys = this.keys(c, email);
    const counts = await countLoginAttempt(c.get('deps').db, [keys.account, ...(keys.address ? [keys.address] : [])], { windowMs: this.windowMs, now });
    const over = (key: string | undefined, max: number) => {
      const row = key ? counts.find((r) => r.key === key) : undefined;
      // Parallel attempts each read the clock before their upsert, so the window may have been opened by one that read
      // it a moment later: never say more than a whole window.
      return row && row.attempts > max ? Math.min(this.windowMs, Math.max(0, row.windowStart.getTime() + this.windowMs - now.getTime())) : undefined;
    };
    const byAddress = over(keys.address, this.perAddress);
    if (byAddress !== undefined) return { allowed: false, by: 'address', retryAfterMs: byAddress };
    const byAccount = over(keys.account, this.perAccount);
    if (byAccount !== undefined) return { allowed: false, by: 'account', retryAfterMs: byAccount };
    return { allowed: true };
  }

  /** The person signed in: their account starts afresh, and this attempt no longer counts against the address. */
  async succeeded(c: Context<ConsoleEnv>, email: string): Promise<void> {
    const keys = this.keys(c, email);
    const { db } = c.get('deps');
    await clearLoginAttempts(db, [keys.account]);
    if (keys.address) await uncountLoginAttempt(db, keys.address);
  }
}

/** What every signed-in console route runs first, in order: headers and page/fragment, session, CSRF. */
export const signedIn = [consoleHeaders, loadSession, requireCsrf] as const;
