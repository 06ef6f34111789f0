import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { csvCell } from '../../db/queries/close-readiness.ts';
import { auditEvents, qboRefs, sessions } from '../../db/schema.ts';
import { hashSessionId } from '../../db/queries/users.ts';
import { awra } from '../fixtures/awra.ts';
import { attemptSignIn, cookieValue, createConsoleUser, SAME_ORIGIN, signIn, type ConsoleClient, type TestUser } from '../support/console.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

let h: Harness;
let t: ConnectedTenant;
let adminUser: TestUser;
let financeUser: TestUser;
let admin: ConsoleClient;
let finance: ConsoleClient;
const ids: Record<string, string> = {};

const rec = (workflowId: string) => `/records/${encodeURIComponent(workflowId)}`;
const auditRows = (action: string) => h.db.db.select().from(auditEvents).where(eq(auditEvents.action, action));

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, 'kilimo');
  adminUser = await createConsoleUser(h, 'admin', { email: 'ada@acme.example' });
  financeUser = await createConsoleUser(h, 'finance', { email: 'fatuma@acme.example' });
  admin = await signIn(h.app, adminUser);
  finance = await signIn(h.app, financeUser);

  await waitFor(h, await submit(h, awra.vendor('kilimo', 'ven-1', 'Coast Hardware Ltd')), 'synced');
  ids.po1 = await submit(h, awra.purchaseOrder('kilimo', 'po-1', 'PO-2026-0101', 'ven-1', 'itm-legacy'));
  ids.po2 = await submit(h, awra.purchaseOrder('kilimo', 'po-2', 'PO-2026-0102', 'ven-1', 'itm-legacy'));
  ids.evil = await submit(h, { ...awra.vendor('kilimo', 'ven-evil', '<script>alert("owned")</script> Ltd'), status: 'submitted' });
  ids.bill = await submit(h, awra.bill('kilimo', 'bill-sum', 'BILL-2026-0200', 'ven-1', { total: 999 }));
  await Promise.all([ids.po1, ids.po2, ids.evil, ids.bill].map((id) => waitFor(h, id!, 'blocked')));
});
afterAll(async () => {
  await h?.close();
});

describe('signing in', () => {
  it('sends a visitor without a session to the sign-in page, and tells htmx to go there with HX-Redirect', async () => {
    const page = await h.app.request('/queue?owner=admin');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/queue?owner=admin')}`);
    const fragment = await h.app.request('/queue', { headers: { 'hx-request': 'true', 'hx-current-url': 'http://localhost/queue' } });
    expect(fragment.status).toBe(401);
    expect(fragment.headers.get('hx-redirect')).toBe('/login?next=%2Fqueue');
  });

  it('refuses a wrong password with 401 and no session, and says so in words', async () => {
    const res = await attemptSignIn(h.app, adminUser.email, 'not the password');
    expect(res.status).toBe(401);
    expect(cookieValue(res, 'qsh_session')).toBeUndefined();
    expect(await res.text()).toContain('That email and password do not match an account.');
    const failed = await auditRows('session.sign_in');
    expect(failed.some((a) => !a.succeeded && a.actor === `user:${adminUser.email}`)).toBe(true);
  });

  it('answers a sign-in form without an email with the form, its field error and 422', async () => {
    const res = await attemptSignIn(h.app, '', 'whatever');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Enter your email address.');
  });

  it('signs in with any address that has an @, like the admin@localhost npm start prints, in any letter case', async () => {
    const local = await createConsoleUser(h, 'admin', { email: 'ops@localhost', password: 'printed by npm start' });
    const res = await attemptSignIn(h.app, ' OPS@localhost ', local.password);
    expect(res.status).toBe(303);
    expect(cookieValue(res, 'qsh_session')).toBeTruthy();
  });

  it('refuses an address without an @, or with a space or a NUL in it, with the field error and 422', async () => {
    for (const email of ['ops.localhost', 'ops@local\u0000host', 'o ps@localhost']) {
      const res = await attemptSignIn(h.app, email, 'whatever');
      expect(res.status).toBe(422);
      expect(await res.text()).toMatch(/Enter an email address with an @|no spaces or control characters/);
    }
  });

  it('signs in with an HttpOnly, SameSite=Lax cookie whose session id is stored only as a SHA-256 hash', async () => {
    const res = await attemptSignIn(h.app, financeUser.email, financeUser.password);
    expect(res.status).toBe(303);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('qsh_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i);
    const id = cookieValue(res, 'qsh_session')!;
    const stored = await h.db.db.select().from(sessions).where(eq(sessions.idHash, hashSessionId(id)));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(id);
  });

  it('slows guessing down: after five failures for an email, even the right password is refused with 429 for a while', async () => {
    const victim = await createConsoleUser(h, 'finance');
    for (let i = 0; i < 5; i++) expect((await attemptSignIn(h.app, victim.email, `guess ${i}`)).status).toBe(401);
    const res = await attemptSignIn(h.app, victim.email, victim.password);
    expect(res.status).toBe(429);
    expect(await res.text()).toContain('Too many failed sign-ins');
  });

  it('signs out on POST and the old cookie no longer opens the console', async () => {
    const user = await createConsoleUser(h, 'finance');
    const session = await signIn(h.app, user);
    const out = await session.post('/logout');
    expect(out.status).toBe(303);
    expect((await session.get('/')).status).toBe(303);
  });
});

describe('pages and fragments', () => {
  it('serves the whole page to a browser and only the fragment to htmx, both varying on HX-Request', async () => {
    const page = await admin.get('/queue');
    expect(page.status).toBe(200);
    expect(page.headers.get('vary')).toMatch(/HX-Request/);
    const html = await page.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<script src="/static/htmx.min.js"');
    expect(html).toContain('id="queue-filters"');

    const fragment = await admin.get('/queue?owner=admin', { hx: true });
    expect(fragment.status).toBe(200);
    expect(fragment.headers.get('vary')).toMatch(/HX-Request/);
    const part = await fragment.text();
    expect(part.startsWith('<div id="queue-results">')).toBe(true);
    expect(part).not.toContain('<html');
    expect(part).not.toContain('id="queue-filters"');
  });

  it('sends a strict CSP and the other security headers, and serves htmx itself', async () => {
    const res = await admin.get('/');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    const html = await res.text();
    expect(html).toContain('name="htmx-config"');
    expect(html).toContain('&quot;includeIndicatorStyles&quot;:false');
    const js = await h.app.request('/static/htmx.min.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).toContain('htmx');
    const css = await h.app.request('/static/console.css');
    expect(css.status).toBe(200);
  });

  it('shows the four health dimensions, the counts per state and the 14-day chart on the overview', async () => {
    const html = await (await finance.get('/')).text();
    for (const heading of ['Authorization', 'Mappings', 'Duplicate risk', 'Audit evidence', 'Records by state']) expect(html).toContain(heading);
    expect(html).toContain('<svg');
    expect(html).toMatch(/refresh token: \d+ days? left/);
    expect(html).toContain('Items');
  });

  it('renders a hostile vendor name from AWRA as text, never as markup', async () => {
    const html = await (await admin.get(rec(ids.evil!))).text();
    expect(html).toContain('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; Ltd');
    expect(html).not.toContain('<script>alert');
    const queue = await (await admin.get('/queue')).text();
    expect(queue).not.toContain('<script>alert');
  });
});

describe('the action queue', () => {
  it('groups blocked records by root cause, with the records held and the money', async () => {
    const html = await (await admin.get('/queue')).text();
    expect(html).toContain('Item itm-legacy has no QuickBooks mapping — blocks 2 purchase orders, KES 10,000.00');
    expect(html).toContain('Readiness check failed: Lines add up to the total — blocks 1 bill');
    expect(html).toContain('PO-2026-0101');
    expect(html).toContain('PO-2026-0102');

    const api = await h.api('GET', '/api/v1/queue?tenantId=kilimo&failureClass=mapping');
    expect(api.status).toBe(200);
    expect(api.json.totalRecords).toBe(2);
    const [group] = api.json.groups;
    expect(group).toMatchObject({
      rootCause: { cause: 'mapping', kind: 'item', key: 'itm-legacy', code: 'missing' },
      records: 2,
      byRecordType: { purchase_order: 2 },
      amounts: [{ currency: 'KES', amountMinor: 1_000_000, formatted: 'KES 10,000.00' }],
    });
    expect(group.recordList.map((r: { number: string }) => r.number).sort()).toEqual(['PO-2026-0101', 'PO-2026-0102']);
    expect((await h.api('GET', '/api/v1/queue?owner=nobody')).status).toBe(400);
  });

  it('filters with GET parameters and answers htmx with the results only', async () => {
    const part = await (await finance.get('/queue?failureClass=source_data&recordType=bill', { hx: true })).text();
    expect(part).toContain('BILL-2026-0200');
    expect(part).not.toContain('PO-2026-0101');
    const mine = await (await finance.get('/queue?assignee=me', { hx: true })).text();
    expect(mine).toContain('Nothing is blocked for these filters');
  });

  it('hides the admin-only fixes from finance and offers them to admins', async () => {
    const asFinance = await (await finance.get('/queue')).text();
    expect(asFinance).not.toContain('Set the QuickBooks mapping');
    expect(asFinance).not.toContain('Retry all');
    expect(asFinance).toContain('An admin sets this mapping');
    const asAdmin = await (await admin.get('/queue')).text();
    expect(asAdmin).toContain('Set the QuickBooks mapping for itm-legacy');
    expect(asAdmin).toContain('Retry all 1 record in this group');
  });

  it('retries a whole group in the background, with a progress fragment that polls itself until done', async () => {
    const api = await h.api('GET', '/api/v1/queue?tenantId=kilimo&failureClass=source_data&recordType=bill');
    const key = api.json.groups[0].key as string;
    const start = await admin.post('/queue/retry', { group: key }, { hx: true });
    expect(start.status).toBe(200);
    const first = await start.text();
    const jobId = /id="job-([^"]+)"/.exec(first)![1]!;
    const done = await eventually(async () => {
      const html = await (await admin.get(`/queue/jobs/${jobId}`, { hx: true })).text();
      return html.includes('hx-trigger') ? undefined : html;
    }, 'the bulk retry to finish');
    expect(done).toContain('1 record sent back for another attempt');
    const retried = await auditRows('sync.retry');
    expect(retried.some((a) => a.target === ids.bill && a.actor === `user:${adminUser.email}`)).toBe(true);
    // Someone else cannot watch this job.
    expect((await finance.get(`/queue/jobs/${jobId}`, { hx: true })).status).toBe(404);
  });
});

describe('guards on every change', () => {
  it('refuses a POST without the CSRF token, or with a wrong one, with 403 and changes nothing', async () => {
    const before = (await auditRows('sync.assign')).length;
    const none = await finance.post(`${rec(ids.po1!)}/actions/assign`, { assignee: 'mallory' }, { csrf: null });
    expect(none.status).toBe(403);
    const wrong = await finance.post(`${rec(ids.po1!)}/actions/assign`, { assignee: 'mallory' }, { csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('This form has expired');
    const other = await h.app.request(`${rec(ids.po1!)}/actions/assign`, {
      method: 'POST',
      headers: { cookie: finance.cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ assignee: 'mallory', _csrf: finance.csrf }).toString(),
    });
    expect(other.status).toBe(403);
    expect((await auditRows('sync.assign')).length).toBe(before);
    const header = await h.app.request(`${rec(ids.po1!)}/actions/assign`, {
      method: 'POST',
      headers: { cookie: finance.cookie, 'x-csrf-token': finance.csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded', ...SAME_ORIGIN },
      body: new URLSearchParams({ assignee: financeUser.email }).toString(),
    });
    expect(header.status).toBe(200);
    expect(await header.text()).toContain(`Assigned to ${financeUser.email}.`);
    expect((await auditRows('sync.assign')).length).toBe(before + 1);
  });

  it('refuses admin actions to finance with 403, and hides them on the record page', async () => {
    const page = await (await finance.get(rec(ids.po1!))).text();
    expect(page).not.toContain('id="action-retry"');
    expect(page).not.toContain('id="action-escalate"');
    expect(page).toContain('id="action-cancel"');
    const retry = await finance.post(`${rec(ids.po1!)}/actions/retry`, {}, { hx: true });
    expect(retry.status).toBe(403);
    expect(retry.headers.get('hx-retarget')).toBe('#flash');
    const escalate = await finance.post(`${rec(ids.po1!)}/actions/escalate`, { to: 'cfo', note: 'please' });
    expect(escalate.status).toBe(403);
    const api = await h.api('GET', '/api/v1/queue?tenantId=kilimo&failureClass=source_data&recordType=bill');
    expect((await finance.post('/queue/retry', { group: api.json.groups[0].key })).status).toBe(403);
    const map = await finance.post('/mappings/set', { tenantId: 'kilimo', kind: 'item', key: 'itm-legacy', qboId: '1', context: 'row' });
    expect(map.status).toBe(403);
    expect((await finance.get('/mappings/search?tenantId=kilimo&kind=item&q=a', { hx: true })).status).toBe(403);
    expect((await finance.post('/connections/kilimo/connect')).status).toBe(403);
    expect((await auditRows('sync.retry')).some((a) => a.actor === `user:${financeUser.email}`)).toBe(false);
  });

  it('answers an incomplete action form with that form, its field errors and 422', async () => {
    const res = await admin.post(`${rec(ids.po1!)}/actions/escalate`, { to: 'finance controller', note: '  ' }, { hx: true });
    expect(res.status).toBe(422);
    expect(res.headers.get('hx-retarget')).toBe('#action-escalate');
    const html = await res.text();
    expect(html.startsWith('<form id="action-escalate"')).toBe(true);
    expect(html).toContain('Add a note that says what is needed.');
    expect(html).toContain('value="finance controller"');
  });

  it("shows the workflow's reason when an action does not fit the record's state, as a 422", async () => {
    const res = await finance.post(`${rec(ids.po2!)}/actions/create-anyway`, {}, { hx: true });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('&quot;Create anyway&quot; answers a duplicate risk; this record is not blocked on one.');
    const refused = await auditRows('sync.create-anyway');
    expect(refused).toEqual([expect.objectContaining({ succeeded: false, actor: `user:${financeUser.email}` })]);
  });
});

describe('mappings from the console', () => {
  it('finds the QuickBooks item by name, sets the mapping, audits it and the waiting purchase orders sync', async () => {
    const services = t.qboId('Item', 'Services');
    await eventually(async () => {
      const rows = await h.db.db.select().from(qboRefs).where(and(eq(qboRefs.tenantId, 'kilimo'), eq(qboRefs.entity, 'Item'), eq(qboRefs.qboId, services)));
      return rows.length ? rows : undefined;
    }, 'the reference cache to load');
    const results = await (await admin.get('/mappings/search?tenantId=kilimo&kind=item&key=itm-legacy&context=queue&q=Servi', { hx: true })).text();
    expect(results).toContain('Use “Services”');

    const bad = await admin.post('/mappings/set', { tenantId: 'kilimo', kind: 'item', key: 'itm-legacy', qboId: '999999', context: 'queue' }, { hx: true });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('has no Item with id 999999');

    const set = await admin.post('/mappings/set', { tenantId: 'kilimo', kind: 'item', key: 'itm-legacy', qboId: services, context: 'queue' }, { hx: true });
    expect(set.status).toBe(200);
    expect(await set.text()).toContain('2 waiting records are being told to continue');
    const audit = await auditRows('mapping.set');
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ actor: `user:${adminUser.email}`, target: 'item:itm-legacy', detail: { qboId: services, qboName: 'Services' } })]));
    await Promise.all([waitFor(h, ids.po1!, 'synced'), waitFor(h, ids.po2!, 'synced')]);
    const queue = await (await admin.get('/queue?failureClass=mapping', { hx: true })).text();
    expect(queue).toContain('Nothing is blocked for these filters');
  });

  it('shows each AWRA value with its mapping, status and records held', async () => {
    const html = await (await finance.get('/mappings?tenantId=kilimo&kind=item')).text();
    expect(html).toContain('itm-legacy');
    expect(html).toContain('Services');
    expect(html).not.toContain('Set mapping');
  });
});

describe('close readiness and audit', () => {
  it('exports the evidence of the period as CSV: number, state, QuickBooks id, attempts, provider message, who resolved it', async () => {
    const res = await admin.get('/close.csv?tenantId=kilimo&period=2026-11');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('close-evidence-kilimo-2026-11.csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'record_number,record_type,txn_date,state,failure_class,owner,currency,amount_minor,qbo_entity,qbo_id,attempts,retry_count,last_provider_message,resolved_by,resolution,action_needed,closed_period,workflow_id,changed_in_quickbooks',
    );
    const po = lines.find((l) => l.startsWith('PO-2026-0101,'))!;
    expect(po).toContain(',purchase_order,2026-11-03,synced,');
    expect(po).toContain(`user:${adminUser.email}`);
    expect(po).toMatch(/,PurchaseOrder,\d+,1,0,/);
    const bill = lines.find((l) => l.startsWith('BILL-2026-0200,'))!;
    expect(bill).toContain(',blocked,source_data,finance,');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });

  it('shows what still needs whom for the month, and answers the same as JSON', async () => {
    const html = await (await finance.get('/close?tenantId=kilimo&period=2026-11')).text();
    expect(html).toContain('What still needs whom');
    expect(html).toContain('BILL-2026-0200');
    const bad = await finance.get('/close?tenantId=kilimo&period=2026-13', { hx: true });
    expect(bad.status).toBe(422);
    const api = await h.api('GET', '/api/v1/close-readiness?tenantId=kilimo&period=2026-11');
    expect(api.status).toBe(200);
    expect(api.json.summary.synced).toBeGreaterThanOrEqual(2);
    expect(api.json.byOwner.finance).toBeGreaterThanOrEqual(1);
    expect(api.json.records.find((r: { number: string }) => r.number === 'PO-2026-0101')).toMatchObject({ state: 'synced', qboEntity: 'PurchaseOrder' });
    expect((await h.api('GET', '/api/v1/close-readiness?tenantId=kilimo&period=November')).status).toBe(400);
  });

  it('opens close readiness on the most recent month that has records, in the console, the CSV and the API', async () => {
    // The fixtures are dated November 2026; the current month has none.
    const html = await (await finance.get('/close?tenantId=kilimo')).text();
    expect(html).toContain('<input type="month" name="period" value="2026-11"');
    expect(html).toContain('BILL-2026-0200');
    const csv = await admin.get('/close.csv?tenantId=kilimo');
    expect(csv.headers.get('content-disposition')).toContain('close-evidence-kilimo-2026-11.csv');
    const api = await h.api('GET', '/api/v1/close-readiness?tenantId=kilimo');
    expect(api.status).toBe(200);
    expect(api.json).toMatchObject({ period: '2026-11', from: '2026-11-01', until: '2026-12-01' });
    expect(api.json.total).toBeGreaterThanOrEqual(3);
  });

  it('lists human actions in the audit log, filtered by action', async () => {
    const page = await (await finance.get('/audit?action=mapping.set')).text();
    expect(page).toContain('<h1>Audit log</h1>');
    const results = await (await finance.get('/audit?action=mapping.set', { hx: true })).text();
    expect(results.startsWith('<div id="audit-results">')).toBe(true);
    expect(results).toContain('Set a mapping');
    expect(results).toContain(`user:${adminUser.email}`);
    expect(results).not.toContain('Signed in');
    const bad = await finance.get('/audit?from=2026-02-30', { hx: true });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Use a real date as YYYY-MM-DD.');
  });
});
