import type { Context, MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import { secureHeaders, type ContentSecurityPolicyOptionHandler } from 'hono/secure-headers';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { characterFault } from '../../domain/text.ts';
import type { ConsoleEnv } from './env.ts';
import { Flash } from './views/components.tsx';
import { ErrorPage, Layout, type NavKey } from './views/layout.tsx';

type C = Context<ConsoleEnv>;

/** Where console forms may post: this app, Intuit's consent page and, in development, the simulator's. */
const formActionSources: ContentSecurityPolicyOptionHandler = (c) => {
  const simulator = (c as C).get('deps')?.simulatorUrl;
  return ["'self'", 'https://appcenter.intuit.com', ...(simulator ? [new URL(simulator).origin] : [])].join(' ');
};

/**
 * Scripts and styles from this app only: htmx is served from here and configured by a <meta> tag, views use no inline
 * scripts, styles or hx-on handlers. `form-action` also allows Intuit's consent page (and the development simulator's),
 * because "Connect QuickBooks" posts and is redirected there. `Referrer-Policy: same-origin` rather than Hono's
 * `no-referrer`: with `no-referrer` browsers send `Origin: null` on the console's own form posts.
 */
const securityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: [formActionSources],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'same-origin',
});

/**
 * The console's response headers (Hono's secureHeaders with the CSP above), `Vary: HX-Request`, and no caching of
 * pages unless a route says otherwise; also the one decision whether htmx gets a fragment or a browser a page.
 */
export const consoleHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  // One decision for every console route: htmx asked for a fragment, or a browser (or history restore) for a page.
  c.set('fragment', c.req.header('hx-request') === 'true' && c.req.header('hx-history-restore-request') !== 'true');
  await securityHeaders(c, next);
  const h = c.res.headers;
  if (!/\bHX-Request\b/i.test(h.get('vary') ?? '')) h.append('Vary', 'HX-Request');
  if (!h.has('cache-control')) h.set('Cache-Control', 'no-store');
};

export function isSecureRequest(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** A full page in the layout. */
export function sendPage(c: C, title: string, nav: NavKey | null, body: Child, status: ContentfulStatusCode = 200) {
  const user = c.get('user') ?? null;
  const csrf = c.get('csrfToken') ?? null;
  return c.html(html`<!doctype html>${(<Layout title={title} nav={nav} user={user} csrfToken={csrf}>{body}</Layout>)}`, status);
}

export function sendFragment(c: C, body: Child, status: ContentfulStatusCode = 200, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.html(html`${body}`, status);
}

/**
 * Page or fragment, by the one decision `consoleHeaders` made: htmx gets `fragment` (the part it swaps), a browser
 * the page around it. Both come from the same components.
 */
export function respond(c: C, opts: { title: string; nav: NavKey | null; page: () => Child; fragment: () => Child }, status: ContentfulStatusCode = 200) {
  return c.get('fragment') ? sendFragment(c, opts.fragment(), status) : sendPage(c, opts.title, opts.nav, opts.page(), status);
}

/**
 * A refusal people can read: as a message in the page's #flash area for htmx, as a page otherwise. Also the console's
 * answer to a failed request (web/app.ts onError), which may come before `consoleHeaders` decided page or fragment.
 */
export function refuse(c: C, status: 400 | 403 | 404 | 409 | 413 | 429 | 500 | 503, title: string, message: string) {
  if (c.get('fragment') ?? (c.req.header('hx-request') === 'true' && c.req.header('hx-history-restore-request') !== 'true')) {
    return sendFragment(c, <Flash tone="error">{message}</Flash>, status, { 'HX-Retarget': '#flash', 'HX-Reswap': 'innerHTML' });
  }
  return sendPage(c, title, null, <ErrorPage title={title} message={message} />, status);
}

/** Form fields as strings (files are not accepted anywhere in the console). */
export async function formFields(c: C): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data')) return {};
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * A path of this app to return to after signing in, or "/". `next` is resolved the way a browser would resolve it
 * against `origin` (the app's own, from the request) — which drops tabs and newlines and reads `\` as `/`, so
 * `/<tab>/evil.example` or `/\evil.example` land elsewhere — and kept only when it stays on `origin` and is not a
 * path a browser would read as another host (`//evil.example`). What is returned is the resolved, normalised form.
 */
export function safeNext(next: string | undefined | null, origin: string): string {
  if (!next || !next.startsWith('/') || next.length > 2000 || characterFault(next)) return '/';
  let own: URL;
  let target: URL;
  try {
    own = new URL(origin);
    target = new URL(next, own);
  } catch {
    return '/';
  }
  if (target.origin !== own.origin || target.username || target.password || /^[/\\]{2}/.test(target.pathname)) return '/';
  return target.pathname + target.search + target.hash;
}

/** This app's origin as the request reached it. */
export function ownOrigin(c: Context): string {
  return new URL(c.req.url).origin;
}
