import { createUser, type UserRole } from '../../db/queries/users.ts';
import type { Harness } from './harness.ts';

/** Console users and signed-in sessions for tests that drive the console through `app.request`. */

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
  const created = await createUser(h.db.db, { email, name: opts.name ?? `${role === 'admin' ? 'Ada Admin' : 'Fatuma Finance'} ${seq}`, role, password, tenantId: opts.tenantId ?? null });
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

/** GET /login then POST it, like a browser; returns the raw answer of the POST. */
export async function attemptSignIn(app: App, email: string, password: string): Promise<Response> {
  const page = await app.request('/login');
  const loginCookie = cookieValue(page, 'qsh_login');
  const csrf = csrfFrom(await page.text());
  return app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `qsh_login=${loginCookie}` },
    body: new URLSearchParams({ email, password, _csrf: csrf, next: '/' }).toString(),
  });
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
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...(opts.hx ? { 'hx-request': 'true' } : {}) },
        body: new URLSearchParams({ ...form, ...(token !== null ? { _csrf: token } : {}) }).toString(),
      });
    },
  };
  return client;
}
