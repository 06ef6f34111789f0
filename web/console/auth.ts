import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { findSession, SESSION_TTL_MS, touchSession } from '../../db/queries/users.ts';
import { can, type ConsoleEnv, type Permission } from './env.ts';
import { consoleHeaders, formFields, isSecureRequest, refuse, safeNext } from './http.tsx';

export const SESSION_COOKIE = 'qsh_session';
/** Refresh `last_seen_at` at most this often, so reading pages does not write on every request. */
const TOUCH_EVERY_MS = 5 * 60_000;

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
    const login = `/login?next=${encodeURIComponent(safeNext(back))}`;
    if (c.req.header('hx-request') === 'true') {
      c.header('HX-Redirect', login);
      return c.body(null, 401);
    }
    return c.redirect(login, 303);
  }
  if (Date.now() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchSession(db, id);
  c.set('user', session.user);
  c.set('csrfToken', session.csrfToken);
  c.set('principal', { kind: 'user', id: session.user.id, name: session.user.email, role: session.user.role, tenantId: session.user.tenantId });
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
 * Every POST/PUT/PATCH/DELETE of the console must carry the session's CSRF token, as the `_csrf` form field or the
 * X-CSRF-Token header (htmx sends it from <body hx-headers>). A request from another origin is refused as well.
 */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  const origin = c.req.header('origin');
  if (origin && origin !== 'null') {
    let sameHost = false;
    try {
      sameHost = new URL(origin).host === new URL(c.req.url).host;
    } catch {
      sameHost = false;
    }
    if (!sameHost) return refuse(c, 403, 'Request refused', 'This request came from another site, so it was refused. Nothing was changed.');
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

/**
 * Failed sign-ins per email, in this process's memory: after `max` failures within `windowMs` that email is refused
 * for the rest of the window. A restart forgets it, which is acceptable for a modest brake on guessing.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until this email may try again, or 0. */
  blockedFor(email: string, now = Date.now()): number {
    const f = this.failures.get(email);
    if (!f) return 0;
    if (now - f.since > this.windowMs) {
      this.failures.delete(email);
      return 0;
    }
    return f.count >= this.max ? this.windowMs - (now - f.since) : 0;
  }

  fail(email: string, now = Date.now()): void {
    const f = this.failures.get(email);
    if (!f || now - f.since > this.windowMs) this.failures.set(email, { count: 1, since: now });
    else f.count += 1;
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (now - v.since > this.windowMs) this.failures.delete(k);
    }
  }

  succeed(email: string): void {
    this.failures.delete(email);
  }
}

/** What every signed-in console route runs first, in order: headers and page/fragment, session, CSRF. */
export const signedIn = [consoleHeaders, loadSession, requireCsrf] as const;
