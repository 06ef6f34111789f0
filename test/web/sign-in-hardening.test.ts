import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { writeAudit } from '../../db/queries/audit.ts';
import { hashSessionId } from '../../db/queries/users.ts';
import { auditEvents, loginAttempts, sessions, tenants } from '../../db/schema.ts';
import { createApp } from '../../web/app.ts';
import { METRICS_MIN_AGE_MS } from '../../web/metrics.ts';
import { attemptSignIn, cookieValue, createConsoleUser, HOSTILE_NEXT, SAME_ORIGIN, signIn, type ConsoleClient } from '../support/console.ts';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * The console's sign-in and the app's edges under attack: where "next" may send a browser, parallel password
 * guessing, session lifetime, bodies far larger than any form, /metrics without its token, and who may make
 * everyone's cached figures be computed again.
 */
let h: Harness;
let admin: ConsoleClient;
const ORIGIN = 'http://localhost';
const MIN = 60_000;

beforeAll(async () => {
  h = await createHarness();
  admin = await signIn(h.app, await createConsoleUser(h, 'admin'));
  expect((await h.api('POST', '/api/v1/tenants', { tenantId: 'hard', name: 'Hard Ltd', homeCurrency: 'KES' })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

const nameOf = (next: string) => (next.length > 60 ? `${JSON.stringify(next.slice(0, 12))}… (${next.length} characters)` : JSON.stringify(next));
/** Where a browser lands following `location` from this app (the WHATWG URL parser, as browsers use). */
const landsOn = (location: string) => new URL(location, ORIGIN);
const hiddenNext = (html: string) => {
  const m = /name="next" value="([^"]*)"/.exec(html);
  if (!m) throw new Error('no next field');
  return m[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
};
const audit = (actorLike: string) => h.db.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'session.sign_in'), like(auditEvents.actor, actorLike)));

describe('"next" after signing in', () => {
  it.each(HOSTILE_NEXT.map((next) => [nameOf(next), next]))('keeps %s on this site: in the form, and in the redirect of someone signed in', async (_, next) => {
    const url = `/login?next=${encodeURIComponent(next)}`;
    const form = await h.app.request(url);
    // Control characters in the address are refused outright (400); anything else shows the form with a safe next.
    expect([200, 400]).toContain(form.status);
    if (form.status === 200) {
      const kept = hiddenNext(await form.text());
      expect(kept.startsWith('/') && !kept.startsWith('//')).toBe(true);
      expect(landsOn(kept).origin).toBe(ORIGIN);
    }
    const signedIn = await h.app.request(url, { headers: { cookie: admin.cookie } });
    expect([303, 400]).toContain(signedIn.status);
    if (signedIn.status === 303) expect(landsOn(signedIn.headers.get('location')!).origin).toBe(ORIGIN);
  });

  it('redirects a successful sign-in only within this site, whatever "next" the form carried', async () => {
    const user = await createConsoleUser(h, 'finance');
    for (const next of ['//evil.example/p', '/\t/evil.example/p', '/\\evil.example/p', '/.//evil.example/p', 'https://evil.example/p']) {
      const res = await attemptSignIn(h.app, user.email, user.password, { next });
      expect(res.status, next).toBe(303);
      const location = res.headers.get('location')!;
      expect(location, next).toBe('/');
      expect(landsOn(location).origin).toBe(ORIGIN);
    }
    const fine = await attemptSignIn(h.app, user.email, user.password, { next: '/queue?owner=me#top' });
    expect(fine.headers.get('location')).toBe('/queue?owner=me#top');
  });
});

describe('guessing passwords', () => {
  it('lets at most five of twelve parallel wrong passwords be checked, refuses the rest with 429, and then the right one too', async () => {
    const victim = await createConsoleUser(h, 'finance');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attemptSignIn(h.app, victim.email, `guess ${i}`)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(await refused.text()).toContain('Too many failed sign-ins for this email, so signing in to it is paused for its safety. Try again in 15 minutes.');

    const right = await attemptSignIn(h.app, victim.email, victim.password);
    expect(right.status).toBe(429);
    expect(cookieValue(right, 'qsh_session')).toBeUndefined();

    // The window passes: the right password works, and the account's count is gone.
    await h.db.db.update(loginAttempts).set({ windowStart: new Date(Date.now() - 16 * MIN) }).where(eq(loginAttempts.key, `email:${victim.email}`));
    const later = await attemptSignIn(h.app, victim.email, victim.password);
    expect(later.status).toBe(303);
    expect(await h.db.db.select().from(loginAttempts).where(eq(loginAttempts.key, `email:${victim.email}`))).toEqual([]);
  });

  it('limits one client address across different emails, while another address signs in, and ignores a forged X-Forwarded-For', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => createConsoleUser(h, 'finance')));
    for (const user of users.slice(0, 4)) {
      for (let i = 0; i < 5; i++) expect((await attemptSignIn(h.app, user.email, `wrong ${i}`, { address: '203.0.113.7' })).status).toBe(401);
    }
    const fifth = users[4]!;
    const blocked = await attemptSignIn(h.app, fifth.email, fifth.password, { address: '203.0.113.7' });
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many sign-in attempts from your network. Try again in 15 minutes.');
    const forged = await attemptSignIn(h.app, fifth.email, fifth.password, { address: '203.0.113.7', headers: { 'x-forwarded-for': '198.51.100.20' } });
    expect(forged.status).toBe(429);
    const elsewhere = await attemptSignIn(h.app, fifth.email, fifth.password, { address: '198.51.100.20' });
    expect(elsewhere.status).toBe(303);
  });

  it('does not count an office signing in every morning against its address', async () => {
    const user = await createConsoleUser(h, 'finance');
    for (let i = 0; i < 3; i++) expect((await attemptSignIn(h.app, user.email, user.password, { address: '192.0.2.44' })).status).toBe(303);
    const [row] = await h.db.db.select().from(loginAttempts).where(eq(loginAttempts.key, 'ip:192.0.2.44'));
    expect(row?.attempts).toBe(0);
  });

  it('audits a failed sign-in under the normalised address, and writes nothing for a form that is not an address', async () => {
    expect((await attemptSignIn(h.app, '  Nobody@Hard.Example ', 'whatever')).status).toBe(401);
    expect((await audit('user:nobody@hard.example')).map((a) => a.succeeded)).toEqual([false]);
    const before = (await h.db.db.select().from(auditEvents)).length;
    const invalid = await attemptSignIn(h.app, 'mallory-says-hi<script>', 'whatever');
    expect(invalid.status).toBe(422);
    expect((await h.db.db.select().from(auditEvents)).length).toBe(before);
    expect(await audit('%mallory%')).toEqual([]);
  });
});

describe('sessions', () => {
  const sessionRow = async (client: ConsoleClient) => {
    const id = client.cookie.split('=')[1]!;
    return (await h.db.db.select().from(sessions).where(eq(sessions.idHash, hashSessionId(id))))[0];
  };
  const setLastSeen = (client: ConsoleClient, at: Date) => h.db.db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.idHash, hashSessionId(client.cookie.split('=')[1]!)));

  it('ends after an hour without a request, and refreshes the last request of a session in use', async () => {
    const user = await createConsoleUser(h, 'finance');
    const active = await signIn(h.app, user);
    await setLastSeen(active, new Date(Date.now() - 30 * MIN));
    expect((await active.get('/audit')).status).toBe(200);
    expect((await sessionRow(active))!.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - MIN);

    await setLastSeen(active, new Date(Date.now() - 61 * MIN));
    const idle = await active.get('/audit');
    expect(idle.status).toBe(303);
    expect(idle.headers.get('location')).toBe('/login?next=%2Faudit');
  });

  it('ends the session a browser already had when someone signs in on it', async () => {
    const first = await signIn(h.app, await createConsoleUser(h, 'finance'));
    const second = await createConsoleUser(h, 'admin');
    const res = await attemptSignIn(h.app, second.email, second.password, { cookie: first.cookie });
    expect(res.status).toBe(303);
    const id = cookieValue(res, 'qsh_session')!;
    expect(`qsh_session=${id}`).not.toBe(first.cookie);
    expect(await sessionRow(first)).toBeUndefined();
    expect((await first.get('/audit')).status).toBe(303);
  });
});

describe('console headers and origin checks', () => {
  it('sends Hono secureHeaders with the console CSP, including Intuit and the simulator as form targets', async () => {
    const res = await admin.get('/audit');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain(`form-action 'self' https://appcenter.intuit.com ${new URL(h.sim.url).origin}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('vary')).toMatch(/HX-Request/);
  });

  it('refuses a console form post that another site sent, or that names no origin at all, before looking at its token', async () => {
    const post = (headers: Record<string, string>) =>
      h.app.request('/records/none/actions/assign', {
        method: 'POST',
        headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ assignee: 'x', _csrf: admin.csrf }).toString(),
      });
    const foreign: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, {}, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, { 'sec-fetch-site': 'same-site' }];
    for (const headers of foreign) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.text()).toContain('This request came from another site');
    }
    // A browser's own post passes the origin check and the token check, and the route answers (no such record).
    const own = await post(SAME_ORIGIN);
    expect(own.status).not.toBe(403);
    const alsoOwn: Array<Record<string, string>> = [{ 'sec-fetch-site': 'same-origin' }, { origin: 'null', 'sec-fetch-site': 'same-origin' }, { origin: 'https://localhost' }];
    for (const headers of alsoOwn) expect((await post(headers)).status, JSON.stringify(headers)).toBe(own.status);
  });
});

/** A 10 MiB body the app must refuse without reading it all: counts what was pulled from it. */
function hugeBody(total = 10 * 1024 * 1024, chunk = 64 * 1024) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      const n = Math.min(chunk, total - pulled);
      pulled += n;
      controller.enqueue(new Uint8Array(n).fill(0x61));
    },
  });
  return {
    init: (method: string, headers: Record<string, string>) => ({ method, headers, body, duplex: 'half' }) as RequestInit,
    get pulled() {
      return pulled;
    },
  };
}

describe('body limits', () => {
  const cases: Array<{ what: string; method: string; path: string; headers: () => Record<string, string>; json: boolean }> = [
    { what: 'the sign-in form', method: 'POST', path: '/login', headers: () => ({ 'content-type': 'application/x-www-form-urlencoded' }), json: false },
    { what: 'the QuickBooks webhook', method: 'POST', path: '/webhooks/qbo', headers: () => ({ 'content-type': 'application/json', 'intuit-signature': 'x' }), json: true },
    { what: 'an API mapping', method: 'PUT', path: '/api/v1/mappings/hard/account/4000', headers: () => ({ 'content-type': 'application/json', authorization: `Bearer ${h.apiKey}` }), json: true },
    {
      what: 'a console action',
      method: 'POST',
      path: '/records/none/actions/assign',
      headers: () => ({ 'content-type': 'application/x-www-form-urlencoded', cookie: admin.cookie, ...SAME_ORIGIN }),
      json: false,
    },
  ];

  it.each(cases)('refuses 10 MiB sent to $what with 413, having read little of it', async ({ method, path, headers, json }) => {
    const streamed = hugeBody();
    const res = await h.app.request(path, streamed.init(method, headers()));
    expect(res.status).toBe(413);
    // Read up to the route's limit at most (1 MiB for the webhook), never the 10 MiB.
    expect(streamed.pulled).toBeLessThan(2 * 1024 * 1024);
    if (json) expect(await res.json()).toMatchObject({ error: { code: 'too_large' } });
    else expect(await res.text()).toContain('Request too large');

    // Announced by Content-Length: refused before reading any of it.
    const announced = hugeBody();
    const res2 = await h.app.request(path, announced.init(method, { ...headers(), 'content-length': String(10 * 1024 * 1024) }));
    expect(res2.status).toBe(413);
    expect(announced.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  it('leaves intake its own, larger limits', async () => {
    const pad = 'a'.repeat(2 * 1024 * 1024);
    const batch = await h.api('POST', '/api/v1/records:batch', JSON.stringify({ records: [], pad }));
    expect(batch.status).toBe(400);
    expect(batch.json.error.code).toBe('invalid_batch');
    const record = await h.api('POST', '/api/v1/records', JSON.stringify({ pad: 'a'.repeat(512 * 1024) }));
    expect(record.status).toBe(400);
    const tooBig = await h.api('POST', '/api/v1/records', JSON.stringify({ pad }));
    expect(tooBig.status).toBe(413);
  });
});

describe('/metrics', () => {
  it('is not served without METRICS_TOKEN, and says how to turn it on', async () => {
    const res = await h.app.request('/metrics');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('METRICS_TOKEN');
  });

  it('answers only the bearer of the token, and reuses its counts for a few seconds even with the read cache off', async () => {
    const metricsToken = 'a-metrics-token-of-some-length';
    const app = createApp({ ...h.deps, metricsToken, readModelMaxAgeMs: 0 });
    const none = await app.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer not-the-metrics-token-at-all' } })).status).toBe(401);

    const scrape = async () => {
      const res = await app.request('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    // A tenant of its own, made in the database: no reconciler Schedule writes its figures behind the test's back
    // (tenants made through the API get one, which fires on the wall clock's ten-minute marks).
    await h.db.db.insert(tenants).values({ id: 'metrics-cache', name: 'Metrics Cache Ltd', homeCurrency: 'KES' });
    const first = await scrape();
    expect(first).toMatch(/^# HELP qsh_records/m);
    await writeAudit(h.db.db, { tenantId: 'metrics-cache', actor: 'test', action: 'tenant.reconcile', detail: { versionsDelivered: 7, mappingWakeUps: 0, connectionWakeUps: 0, projectionsRepaired: 0 } });
    const second = await scrape();
    expect(second).not.toContain('qsh_reconcile_last_repairs{tenant="metrics-cache"');
    const asOf = (text: string) => /^# projection figures as of (\S+)$/m.exec(text)?.[1];
    expect(asOf(second)).toBe(asOf(first));
    await new Promise((r) => setTimeout(r, METRICS_MIN_AGE_MS + 100));
    const third = await scrape();
    expect(third).toContain('qsh_reconcile_last_repairs{tenant="metrics-cache",kind="versionsDelivered"} 7');
  });
});

describe('read cache invalidation', () => {
  it('lets only a signed-in person or an API key make the cached figures be computed again', async () => {
    const app = createApp({ ...h.deps, readModelMaxAgeMs: 10 * MIN });
    const asOf = async () => {
      const res = await app.request('/api/v1/queue?tenantId=hard', { headers: { authorization: `Bearer ${h.apiKey}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { asOf: string }).asOf;
    };
    const first = await asOf();

    // Anonymous requests that answer below 400: a sign-out without a session, a sign-in, a stale session's post.
    expect((await app.request('/logout', { method: 'POST', headers: SAME_ORIGIN })).status).toBe(303);
    const user = await createConsoleUser(h, 'admin');
    const client = await signIn(app, user);
    expect((await app.request('/logout', { method: 'POST', headers: { ...SAME_ORIGIN, cookie: 'qsh_session=not-a-session' } })).status).toBe(303);
    expect(await asOf()).toBe(first);

    // A signed-in person's change does.
    expect((await client.post('/logout')).status).toBe(303);
    expect(await asOf()).not.toBe(first);
  });
});
