import { createUser, type PasswordCost, type UserRole } from '../../db/queries/users.ts';
import type { Harness } from './harness.ts';

/** Console users and signed-in sessions for tests that drive the console through `app.request`. */

/**
 * Test users' passwords are hashed at this cost instead of the product's (about a second each here), so creating
 * dozens of them stays quick. The first sign-in rehashes at the product's cost, as it would for an old account.
 */
export const TEST_PASSWORD_COST: PasswordCost = { N: 2 ** 12, r: 8, p: 1 };

/** What a browser sends with every console POST (the console refuses form posts that name no origin). */
export const SAME_ORIGIN = { origin: 'http://localhost' } as const;

/** The `env` argument of `app.request` that makes a request come from `address`, as @hono/node-server would. */
export function fromAddress(address: string) {
  return { incoming: { socket: { remoteAddress: address } } };
}

export interface TestUser {
  id: number;
  email: string;
  password: string;
  role: UserRole;
}

let seq = 0;

export async function createConsoleUser(h: Harness, role: UserRole, opts: { email?: string; name?: string; password?: string; tenantId?: string | null } = {}): Promise<TestUser> {
  seq += 1;
  const email = opts.email ?? `${role}${seq}@acme.example`;
  const password = opts.password ?? `correct horse ${role} ${seq}`;
  const created = await createUser(
    h.db.db,
    { email, name: opts.name ?? `${role === 'admin' ? 'Ada Admin' : 'Fatuma Finance'} ${seq}`, role, password, tenantId: opts.tenantId ?? null },
    { cost: TEST_PASSWORD_COST },
  );
  if (created === 'exists') throw new Error(`user ${email} exists`);
  return { id: created.id, email, password, role };
}

type App = Harness['app'];

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  /** GET; `hx` sends HX-Request like htmx does. */
  get(path: string, opts?: { hx?: boolean }): Promise<Response>;
  /** A form POST with the session's CSRF token unless `csrf` says otherwise (null: none). */
  post(path: string, form?: Record<string, string>, opts?: { hx?: boolean; csrf?: string | null }): Promise<Response>;
}

export function cookieValue(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const [k, v] = pair!.split('=');
    if (k!.trim() === name) return v;
  }
  return undefined;
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field in the page');
  return m[1]!;
}

/**
 * GET /login then POST it, like a browser; returns the raw answer of the POST. `address`: the client's address as
 * the socket would give it (none by default, as with any app.request).
 */
export async function attemptSignIn(
  app: App,
  email: string,
  password: string,
  opts: { next?: string; address?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const env = opts.address ? fromAddress(opts.address) : undefined;
  const page = await app.request('/login', {}, env);
  const loginCookie = cookieValue(page, 'qsh_login');
  const csrf = csrfFrom(await page.text());
  return app.request(
    '/login',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [`qsh_login=${loginCookie}`, ...(opts.cookie ? [opts.cookie] : [])].join('; '),
        ...SAME_ORIGIN,
        ...opts.headers,
      },
      body: new URLSearchParams({ email, password, _csrf: csrf, next: opts.next ?? '/' }).toString(),
    },
    env,
  );
}

export async function signIn(app: App, user: Pick<TestUser, 'email' | 'password'>): Promise<ConsoleClient> {
  const res = await attemptSignIn(app, user.email, user.password);
  const session = cookieValue(res, 'qsh_session');
  if (res.status !== 303 || !session) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = `qsh_session=${session}`;
  const home = await app.request('/', { headers: { cookie } });
  const csrf = csrfFrom(await home.text());
  const client: ConsoleClient = {
    cookie,
    csrf,
    get: async (path, opts = {}) => app.request(path, { headers: { cookie, ...(opts.hx ? { 'hx-request': 'true' } : {}) } }),
    post: async (path, form = {}, opts = {}) => {
      const token = opts.csrf === undefined ? csrf : opts.csrf;
      return app.request(path, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...SAME_ORIGIN, ...(opts.hx ? { 'hx-request': 'true' } : {}) },
        body: new URLSearchParams({ ...form, ...(token !== null ? { _csrf: token } : {}) }).toString(),
      });
    },
  };
  return client;
}

/** Inputs that try to leave the site through "next", raw and in the encodings a form or a link could carry. */
export const HOSTILE_NEXT = [
  '//evil.example/p',
  '///evil.example/p',
  '/\\evil.example/p',
  '\\\\evil.example/p',
  '/\t/evil.example/p',
  '/\n/evil.example/p',
  '/\r\n/evil.example/p',
  '\t//evil.example/p',
  ' //evil.example/p',
  '/.//evil.example/p',
  '/..//evil.example/p',
  '/./\\evil.example/p',
  'https://evil.example/p',
  'http:evil.example',
  'HTTPS://evil.example',
  '//user:pass@evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '/%09/evil.example/p',
  '/%2F/evil.example',
  '/%5Cevil.example',
  '%2F%2Fevil.example',
  `/${'x'.repeat(2001)}`,
] as const;
