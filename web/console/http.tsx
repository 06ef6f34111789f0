import type { Context, MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { characterFault } from '../../domain/text.ts';
import type { ConsoleEnv } from './env.ts';
import { Flash } from './views/components.tsx';
import { ErrorPage, Layout, type NavKey } from './views/layout.tsx';

type C = Context<ConsoleEnv>;

/**
 * The console's response headers. The CSP allows scripts and styles from this app only: htmx is served from here and
 * configured by a <meta> tag, views use no inline scripts, styles or hx-on handlers. `form-action` also allows
 * Intuit's consent page (and the development simulator's), because "Connect QuickBooks" posts and is redirected there.
 */
export const consoleHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  // One decision for every console route: htmx asked for a fragment, or a browser (or history restore) for a page.
  c.set('fragment', c.req.header('hx-request') === 'true' && c.req.header('hx-history-restore-request') !== 'true');
  await next();
  const simulator = c.get('deps')?.simulatorUrl;
  const formAction = ["'self'", 'https://appcenter.intuit.com', ...(simulator ? [new URL(simulator).origin] : [])].join(' ');
  const h = c.res.headers;
  if (!/\bHX-Request\b/i.test(h.get('vary') ?? '')) h.append('Vary', 'HX-Request');
  h.set(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; '),
  );
  h.set('X-Frame-Options', 'DENY');
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'same-origin');
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
export function refuse(c: C, status: 400 | 403 | 404 | 409 | 500 | 503, title: string, message: string) {
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

/** A same-site path to return to after signing in; anything else (or text the shared rule refuses) becomes "/". */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 2000 || characterFault(next)) return '/';
  return next;
}
