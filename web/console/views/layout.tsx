import type { Child } from 'hono/jsx';
import type { ConsoleUser } from '../../../db/queries/users.ts';
import { can, type Permission } from '../env.ts';
import { CsrfField } from './components.tsx';
import { Bell } from './notifications.tsx';

export type NavKey = 'overview' | 'queue' | 'mappings' | 'connections' | 'close' | 'audit' | 'apikeys' | 'help' | 'notifications';

const NAV: Array<[NavKey, string, string]> = [
  ['overview', '/', 'Overview'],
  ['queue', '/queue', 'Action queue'],
  ['mappings', '/mappings', 'Mappings'],
  ['connections', '/connections', 'Connections'],
  ['close', '/close', 'Close readiness'],
  ['audit', '/audit', 'Audit log'],
  ['help', '/help', 'Help'],
];

/** Shown only to those whose role has the permission. */
const GUARDED_NAV: Array<[NavKey, string, string, Permission]> = [['apikeys', '/api-keys', 'API keys', 'apikeys.manage']];

const navFor = (user: ConsoleUser): Array<[NavKey, string, string]> => [
  ...NAV,
  ...GUARDED_NAV.filter(([, , , permission]) => can(user, permission)).map(([key, href, label]): [NavKey, string, string] => [key, href, label]),
];

/**
 * htmx settings, read from this meta tag so no inline script is needed (the CSP allows none): no injected indicator
 * <style>, no eval, full pages on history restore, and 4xx answers that carry a form (422), a refusal (403) or a
 * conflict (409) are swapped in so people see why.
 */
export const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyRestoreAsHxRequest: false,
  selfRequestsOnly: true,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '(403|404|409|422)', swap: true, error: false },
    { code: '[45]..', swap: false, error: true },
  ],
});

export interface LayoutProps {
  title: string;
  nav: NavKey | null;
  user: ConsoleUser | null;
  csrfToken: string | null;
  children: Child;
}

export const Layout = (p: LayoutProps) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <title>{p.title} · QBO Sync Health</title>
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/console.css" />
      <script src="/static/htmx.min.js" defer></script>
    </head>
    <body hx-headers={p.csrfToken ? JSON.stringify({ 'X-CSRF-Token': p.csrfToken }) : undefined}>
      <header class="topbar">
        <a class="brand" href="/">
          QBO Sync Health
        </a>
        {p.user ? (
          <nav class="nav" aria-label="Console">
            {navFor(p.user).map(([key, href, label]) => (
              <a href={href} class={key === p.nav ? 'active' : undefined} aria-current={key === p.nav ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        ) : null}
        {p.user ? (
          <div class="whoami">
            <Bell unread={null} initial />
            <span title={p.user.email}>
              {p.user.name} <span class="role">{p.user.role}</span>
              {p.user.tenantId ? <span class="muted"> · {p.user.tenantId}</span> : null}
            </span>
            <form method="post" action="/logout" class="inline">
              {p.csrfToken ? <CsrfField token={p.csrfToken} /> : null}
              <button type="submit" class="link">
                Sign out
              </button>
            </form>
          </div>
        ) : null}
      </header>
      <div id="flash" aria-live="polite"></div>
      <main>{p.children}</main>
    </body>
  </html>
);

/** A page for errors and refusals, in the layout when there is a session. */
export const ErrorPage = (p: { title: string; message: string }) => (
  <section class="error-page">
    <h1>{p.title}</h1>
    <p>{p.message}</p>
    <p>
      <a href="/">Back to the overview</a>
    </p>
  </section>
);
