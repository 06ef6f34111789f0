import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { auditEvents, mappings, qboRefs } from '../../db/schema.ts';
import { encodeGroupKey } from '../../db/queries/queue.ts';
import { assignUpdate, cancelUpdate, escalateUpdate, linkUpdate, stateQuery } from '../../workflows/index.ts';
import { awra } from '../fixtures/awra.ts';
import { cookieValue, createConsoleUser, csrfFrom, SAME_ORIGIN, signIn, type ConsoleClient } from '../support/console.ts';
import { createHarness, eventually, WEBHOOK_VERIFIER, type Harness } from '../support/harness.ts';
import { chain, connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * NUL and lone surrogates in every body field, path parameter and query parameter of every route of web/app.ts and
 * web/console/index.ts. None may answer 5xx, and none may reach Temporal or Postgres: the record they aimed at keeps
 * working.
 *
 * A lone surrogate cannot travel in a URL or a form as such (encodeURIComponent throws, URLSearchParams turns it into
 * U+FFFD), so there it is sent as the bytes it would be in UTF-8 if it could be, `%ED%A0%80`, which are not valid
 * UTF-8; in JSON bodies it is the `\ud800` escape, which JSON.stringify writes for a lone surrogate.
 */

const NUL = 'clerk\u0000x';
const SURROGATE = 'clerk\ud800x';
/** What goes into a URL or a form body in place of a value. */
const IN_URL = { nul: 'clerk%00x', surrogate: 'clerk%ED%A0%80x' } as const;
const IN_JSON = { nul: NUL, surrogate: SURROGATE } as const;
type Variant = keyof typeof IN_URL;
const VARIANTS: Variant[] = ['nul', 'surrogate'];

let h: Harness;
let t: ConnectedTenant;
let admin: ConsoleClient;
let po: string;
let groupKey: string;

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, 'hostile');
  admin = await signIn(h.app, await createConsoleUser(h, 'admin'));
  // Blocked on mappings (its vendor and item were never synced): every action fits it.
  po = await submit(h, awra.purchaseOrder('hostile', 'po-1', 'PO-2026-0001', 'ven-missing', 'itm-missing'));
  await waitFor(h, po, 'blocked');
  const queue = await h.api('GET', '/api/v1/queue?tenantId=hostile');
  groupKey = queue.json.groups[0].key;
});
afterAll(async () => {
  await h?.close();
});

interface Answer {
  what: string;
  status: number;
  body: string;
}

async function answer(what: string, res: Response): Promise<Answer> {
  return { what, status: res.status, body: await res.text() };
}

async function apiRequest(method: string, path: string, body?: string): Promise<Response> {
  return h.app.request(path, {
    method,
    headers: { authorization: `Bearer ${h.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
}

async function consoleRequest(method: string, path: string, form?: string, hx = false): Promise<Response> {
  return h.app.request(path, {
    method,
    headers: {
      cookie: admin.cookie,
      ...SAME_ORIGIN,
      ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(hx ? { 'hx-request': 'true' } : {}),
    },
    ...(form !== undefined ? { body: form } : {}),
  });
}

/** A form body with one field's value replaced by raw, already-encoded text. */
function formWith(fields: Record<string, string>, field: string, raw: string): string {
  return Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${k === field ? raw : encodeURIComponent(v)}`)
    .join('&');
}

/** Every string leaf of a JSON value, as a path of keys. */
function stringPaths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...at, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...at, k]));
  return [];
}

function withValue<T>(value: T, path: Array<string | number>, replacement: unknown): T {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = replacement;
  return copy as T;
}

/** Each query parameter of `path` in turn replaced by each hostile variant. */
function queryCases(path: string, params: Record<string, string>): Array<{ what: string; url: string }> {
  return Object.keys(params).flatMap((name) =>
    VARIANTS.map((v) => ({
      what: `${path}?${name}=<${v}>`,
      url: `${path}?${Object.entries(params).map(([k, x]) => `${k}=${k === name ? IN_URL[v] : encodeURIComponent(x)}`).join('&')}`,
    })),
  );
}

/** Each `:param` of a path pattern in turn replaced by each hostile variant. */
function pathCases(pattern: string, values: Record<string, string>): Array<{ what: string; url: string }> {
  return Object.keys(values).flatMap((name) =>
    VARIANTS.map((v) => ({
      what: `${pattern} with :${name}=<${v}>`,
      url: pattern.replace(/:(\w+)/g, (_, p: string) => (p === name ? IN_URL[v] : encodeURIComponent(values[p]!))),
    })),
  );
}

/** The answers that are not 4xx, shortened for the failure message. */
const refused = (answers: Answer[]) => answers.filter((a) => a.status < 400 || a.status >= 500).map((a) => ({ ...a, body: a.body.slice(0, 300) }));

describe('hostile text on every API route', () => {
  it('answers 4xx, never 5xx, to NUL and lone surrogates in every body field, path parameter and query parameter', async () => {
    const answers: Answer[] = [];
    const send = async (what: string, method: string, url: string, body?: string) => answers.push(await answer(what, await apiRequest(method, url, body)));

    // Bodies: every string field, NUL or `\ud800` in the raw JSON text.
    const bodies: Array<{ method: string; url: string; body: unknown }> = [
      { method: 'POST', url: '/api/v1/records', body: awra.vendor('hostile', 'ven-h', 'Hostile Ltd') },
      { method: 'POST', url: '/api/v1/records', body: awra.purchaseOrder('hostile', 'po-h', 'PO-H', 'ven-h', 'itm-h') },
      { method: 'POST', url: '/api/v1/records', body: awra.payment('hostile', 'pay-h', 'RCPT-H', 'cus-h', 'inv-h') },
      { method: 'POST', url: `/api/v1/records/${po}/actions/link`, body: { qboId: '58' } },
      { method: 'POST', url: `/api/v1/records/${po}/actions/escalate`, body: { to: 'cfo', note: 'please look' } },
      { method: 'POST', url: `/api/v1/records/${po}/actions/assign`, body: { assignee: 'clerk' } },
      { method: 'POST', url: `/api/v1/records/${po}/actions/cancel`, body: { reason: 'not needed' } },
      { method: 'POST', url: '/api/v1/tenants', body: { tenantId: 'newco', name: 'New Co', homeCurrency: 'KES' } },
      { method: 'PUT', url: '/api/v1/mappings/hostile/account/9999', body: { qboId: '1', qboName: 'Sales' } },
      { method: 'POST', url: '/api/v1/tenants/hostile/simulator-connection', body: { closingDate: '2026-01-31' } },
    ];
    for (const b of bodies) {
      for (const path of stringPaths(b.body)) {
        for (const v of VARIANTS) {
          const raw = JSON.stringify(withValue(b.body, path, IN_JSON[v]));
          expect(raw).toContain(v === 'nul' ? '\\u0000' : '\\ud800');
          await send(`${b.method} ${b.url} body ${path.join('.')}=<${v}>`, b.method, b.url, raw);
        }
      }
    }

    // Path parameters.
    const paths: Array<[string, string, Record<string, string>]> = [
      ['GET', '/api/v1/records/:workflowId', { workflowId: po }],
      ['POST', '/api/v1/records/:workflowId/actions/:action', { workflowId: po, action: 'retry' }],
      ['GET', '/api/v1/mappings/:tenantId', { tenantId: 'hostile' }],
      ['PUT', '/api/v1/mappings/:tenantId/:kind/:sourceKey', { tenantId: 'hostile', kind: 'account', sourceKey: '9999' }],
      ['DELETE', '/api/v1/mappings/:tenantId/:kind/:sourceKey', { tenantId: 'hostile', kind: 'account', sourceKey: '4000' }],
      ['GET', '/api/v1/connections/:tenantId', { tenantId: 'hostile' }],
      ['POST', '/api/v1/connections/:tenantId/authorize', { tenantId: 'hostile' }],
      ['POST', '/api/v1/tenants/:tenantId/simulator-connection', { tenantId: 'hostile' }],
      ['POST', '/api/v1/tenants/:tenantId/reconcile', { tenantId: 'hostile' }],
    ];
    for (const [method, pattern, values] of paths) {
      for (const c of pathCases(pattern, values)) await send(`${method} ${c.what}`, method, c.url, method === 'PUT' ? '{"qboId":"1"}' : undefined);
    }
    // A workflow id with a control character inside an otherwise valid id.
    await send('GET record with a NUL in its source id', 'GET', `/api/v1/records/qbo-sync:hostile:purchase_order:po%001`);

    // Query parameters (known and unknown ones).
    const queries: Array<[string, Record<string, string>]> = [
      ['/api/v1/tenants', { anything: 'x' }],
      ['/api/v1/mappings/health', { tenantId: 'hostile' }],
      ['/api/v1/mappings/hostile', { kind: 'account' }],
      ['/api/v1/queue', { tenantId: 'hostile', owner: 'admin', failureClass: 'mapping', recordType: 'purchase_order', group: groupKey, page: '1', pageSize: '10' }],
      ['/api/v1/close-readiness', { tenantId: 'hostile', period: '2026-11' }],
      [`/api/v1/records/${po}`, { anything: 'x' }],
      ['/api/v1/connections/hostile', { anything: 'x' }],
    ];
    for (const [path, params] of queries) for (const c of queryCases(path, params)) await send(`GET ${c.what}`, 'GET', c.url);
    // A group key is base64 of JSON: hostile text can hide inside it.
    for (const v of VARIANTS) {
      const key = encodeGroupKey({ tenantId: `hostile${IN_JSON[v]}`, cause: 'class', refKind: null, refKey: null, code: null, failureClass: 'mapping' });
      await send(`GET /api/v1/queue?group=<${v} inside the key>`, 'GET', `/api/v1/queue?group=${key}`);
    }

    expect(refused(answers)).toEqual([]);
    // Every answer is the API's error shape.
    for (const a of answers) expect(JSON.parse(a.body), a.what).toHaveProperty('error.message');
  });

  it('refuses a hostile record in a batch item by item, storing nothing of it', async () => {
    for (const v of VARIANTS) {
      const res = await apiRequest('POST', '/api/v1/records:batch', JSON.stringify({ records: [awra.vendor('hostile', 'ven-b', `Batch ${IN_JSON[v]}`)] }));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results: unknown[] }).results[0]).toMatchObject({ ok: false, error: { code: 'invalid_record', fields: { 'data.displayName': expect.any(String) } } });
    }
    expect((await h.api('GET', '/api/v1/records/qbo-sync:hostile:vendor:ven-b')).status).toBe(404);
  });

  it('answers with the rule\'s sentence for the field', async () => {
    const res = await h.api('POST', `/api/v1/records/${po}/actions/assign`, JSON.stringify({ assignee: NUL }));
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual({ assignee: 'The assignee must not contain control characters.' });
    const surrogate = await h.api('PUT', '/api/v1/mappings/hostile/account/9999', JSON.stringify({ qboId: '1', qboName: SURROGATE }));
    expect(surrogate.json.error.fields).toEqual({ qboName: 'The QuickBooks name contains a broken character that cannot be stored; type it again.' });
  });
});

describe('hostile text around the API', () => {
  it('answers 4xx to hostile webhooks, OAuth callbacks, health and metrics queries', async () => {
    const answers: Answer[] = [];
    for (const v of VARIANTS) {
      const raw = JSON.stringify({ eventNotifications: [{ realmId: IN_JSON[v], dataChangeEvent: { entities: [] } }] });
      const signature = createHmac('sha256', WEBHOOK_VERIFIER).update(raw).digest('base64');
      const res = await h.app.request('/webhooks/qbo', { method: 'POST', headers: { 'content-type': 'application/json', 'intuit-signature': signature }, body: raw });
      answers.push(await answer(`POST /webhooks/qbo realmId=<${v}>`, res));
    }
    const queries: Array<[string, string, Record<string, string>]> = [
      ['POST', '/webhooks/qbo', { anything: 'x' }],
      ['GET', '/connections/callback', { state: 'abc', code: 'xyz', realmId: '123', error: 'access_denied' }],
      ['GET', '/healthz', { anything: 'x' }],
      ['GET', '/metrics', { anything: 'x' }],
    ];
    for (const [method, path, params] of queries) {
      for (const c of queryCases(path, params)) answers.push(await answer(`${method} ${c.what}`, await h.app.request(c.url, { method })));
    }
    expect(refused(answers)).toEqual([]);
  });
});

describe('hostile text on every console route', () => {
  it('answers 4xx, never 5xx, to NUL and lone surrogates in every form field, path parameter and query parameter', async () => {
    const answers: Answer[] = [];

    // Forms of a signed-in admin: a NUL reaches the form's checks (422), undecodable bytes are refused first (400).
    const forms: Array<[string, Record<string, string>]> = [
      [`/records/${encodeURIComponent(po)}/actions/link`, { qboId: '58' }],
      [`/records/${encodeURIComponent(po)}/actions/escalate`, { to: 'cfo', note: 'please look' }],
      [`/records/${encodeURIComponent(po)}/actions/assign`, { assignee: 'clerk' }],
      [`/records/${encodeURIComponent(po)}/actions/cancel`, { reason: 'not needed' }],
      ['/mappings/set', { tenantId: 'hostile', kind: 'account', key: '9999', qboId: t.qboId('Account', 'Services'), context: 'row' }],
      ['/queue/retry', { group: groupKey }],
      ['/logout', {}],
    ];
    for (const [path, fields] of forms) {
      for (const field of [...Object.keys(fields), '_csrf']) {
        for (const [v, raw] of [['nul', encodeURIComponent(NUL)], ['surrogate', IN_URL.surrogate]] as const) {
          for (const hx of [false, true]) {
            const body = formWith({ ...fields, _csrf: admin.csrf }, field, raw);
            answers.push(await answer(`POST ${path} ${field}=<${v}>${hx ? ' (htmx)' : ''}`, await consoleRequest('POST', path, body, hx)));
          }
        }
      }
    }
    for (const v of VARIANTS) {
      const key = encodeGroupKey({ tenantId: `hostile${IN_JSON[v]}`, cause: 'class', refKind: null, refKey: null, code: null, failureClass: 'mapping' });
      answers.push(await answer(`POST /queue/retry group=<${v} inside the key>`, await consoleRequest('POST', '/queue/retry', formWith({ group: key, _csrf: admin.csrf }, '', ''))));
      answers.push(await answer(`GET /queue?group=<${v} inside the key>`, await consoleRequest('GET', `/queue?group=${key}`)));
    }

    // Path parameters.
    const paths: Array<[string, string, Record<string, string>]> = [
      ['GET', '/records/:workflowId', { workflowId: po }],
      ['POST', '/records/:workflowId/actions/:action', { workflowId: po, action: 'retry' }],
      ['GET', '/queue/jobs/:id', { id: 'job-1' }],
      ['POST', '/connections/:tenantId/connect', { tenantId: 'hostile' }],
      ['POST', '/connections/:tenantId/reconcile', { tenantId: 'hostile' }],
      ['GET', '/static/:name', { name: 'console.css' }],
    ];
    for (const [method, pattern, values] of paths) {
      for (const c of pathCases(pattern, values)) {
        answers.push(await answer(`${method} ${c.what}`, await consoleRequest(method, c.url, method === 'POST' ? formWith({ _csrf: admin.csrf }, '', '') : undefined)));
      }
    }

    // Query parameters.
    const queries: Array<[string, Record<string, string>]> = [
      ['/', { tenantId: 'hostile' }],
      ['/close', { tenantId: 'hostile', period: '2026-11' }],
      ['/close.csv', { tenantId: 'hostile', period: '2026-11' }],
      ['/queue', { tenantId: 'hostile', owner: 'admin', failureClass: 'mapping', recordType: 'purchase_order', assignee: 'me', group: groupKey, page: '1' }],
      [`/records/${encodeURIComponent(po)}`, { after: '1', until: '2' }],
      ['/mappings', { tenantId: 'hostile', kind: 'account', key: '4000' }],
      ['/mappings/search', { tenantId: 'hostile', kind: 'account', q: 'Serv', key: '4000', context: 'row' }],
      ['/connections', { connected: 'hostile' }],
      ['/audit', { tenantId: 'hostile', actor: 'user:a', action: 'mapping.set', from: '2026-01-01', to: '2026-12-31', page: '1' }],
      ['/login', { next: '/queue' }],
    ];
    for (const [path, params] of queries) {
      for (const c of queryCases(path, params)) {
        for (const hx of [false, true]) answers.push(await answer(`GET ${c.what}${hx ? ' (htmx)' : ''}`, await consoleRequest('GET', c.url, undefined, hx)));
      }
    }

    expect(refused(answers)).toEqual([]);
  });

  it('shows the form again with the rule\'s sentence for a NUL typed into it', async () => {
    const res = await consoleRequest('POST', `/records/${encodeURIComponent(po)}/actions/assign`, formWith({ assignee: 'x', _csrf: admin.csrf }, 'assignee', encodeURIComponent(NUL)), true);
    expect(res.status).toBe(422);
    expect(res.headers.get('hx-retarget')).toBe('#action-assign');
    expect(await res.text()).toContain('The assignee must not contain control characters.');
  });

  it('answers 4xx to hostile sign-in fields, and never redirects to a hostile "next"', async () => {
    const user = await createConsoleUser(h, 'finance');
    const attempt = async (fields: Record<string, string>, field: string, raw: string) => {
      const page = await h.app.request('/login');
      const loginCookie = cookieValue(page, 'qsh_login');
      const body = formWith({ ...fields, _csrf: csrfFrom(await page.text()) }, field, raw);
      return h.app.request('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `qsh_login=${loginCookie}` }, body });
    };
    const answers: Answer[] = [];
    for (const field of ['email', 'password', 'next', '_csrf']) {
      for (const [v, raw] of [['nul', encodeURIComponent(NUL)], ['surrogate', IN_URL.surrogate]] as const) {
        answers.push(await answer(`POST /login ${field}=<${v}>`, await attempt({ email: user.email, password: 'not the password', next: '/queue' }, field, raw)));
      }
    }
    expect(refused(answers)).toEqual([]);
    // With the right password, a hostile "next" is ignored: home, not a header Node refuses to send.
    const signedIn = await attempt({ email: user.email, password: user.password, next: '/queue' }, 'next', encodeURIComponent('/queue\u0000x'));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
  });
});

describe('a record that received hostile actions', () => {
  it('never saw them: no action reached its workflow, no mapping or audit row was written', async () => {
    expect(await h.db.db.select().from(auditEvents).where(like(auditEvents.action, 'sync.%'))).toEqual([]);
    const keys = (await h.db.db.select({ key: mappings.sourceKey }).from(mappings).where(eq(mappings.tenantId, 'hostile'))).map((m) => m.key);
    expect(keys).not.toContain('9999');
    expect(keys).toContain('4000');
  });

  it('refuses hostile updates sent to the workflow directly, keeps answering its state query, and can still be assigned', async () => {
    const handle = h.env.client.workflow.getHandle(po);
    const hostile: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['assign', () => handle.executeUpdate(assignUpdate, { args: [{ actor: 'user:ada', assignee: NUL }] }), /The assignee must not contain control characters/],
      ['assign', () => handle.executeUpdate(assignUpdate, { args: [{ actor: 'user:ada', assignee: SURROGATE }] }), /The assignee contains a broken character/],
      ['assign', () => handle.executeUpdate(assignUpdate, { args: [{ actor: `user:${NUL}`, assignee: 'clerk' }] }), /acting person's name must not contain control characters/],
      ['escalate', () => handle.executeUpdate(escalateUpdate, { args: [{ actor: 'user:ada', to: 'cfo', note: `look${NUL}` }] }), /The note must not contain control characters/],
      ['escalate', () => handle.executeUpdate(escalateUpdate, { args: [{ actor: 'user:ada', to: SURROGATE, note: 'look' }] }), /The person to escalate to contains a broken character/],
      ['link', () => handle.executeUpdate(linkUpdate, { args: [{ actor: 'user:ada', qboId: NUL }] }), /The QuickBooks id must not contain control characters/],
      ['cancel', () => handle.executeUpdate(cancelUpdate, { args: [{ actor: 'user:ada', reason: NUL }] }), /The reason must not contain control characters/],
    ];
    for (const [what, send, reason] of hostile) {
      const err = await send().then(() => undefined, (e: unknown) => e);
      expect(err, what).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((err as WorkflowUpdateFailedError).cause as Error).message, what).toMatch(reason);
    }

    const live = await handle.query(stateQuery);
    expect(live).toMatchObject({ state: 'blocked', assignee: null, escalatedTo: null });

    const assigned = await h.api('POST', `/api/v1/records/${po}/actions/assign`, { assignee: '  Fatuma Wanjiru  ' });
    expect(assigned.status).toBe(200);
    const projected = await eventually(async () => {
      const c = await chain(h, po);
      return c.assignee === 'Fatuma Wanjiru' ? c : undefined;
    }, 'the assignment to be projected', 20_000);
    expect(projected.state).toBe('blocked');
    expect((await handle.query(stateQuery)).assignee).toBe('Fatuma Wanjiru');
  });
});

describe('setting a mapping', () => {
  it('saves no mapping when its audit row cannot be written, through the API or the console', async () => {
    // Postgres refuses the audit row of exactly these mappings, the way it refused a lone surrogate in its detail.
    await h.db.sql.unsafe(`
      create function refuse_audit_for_test() returns trigger language plpgsql as $$
      begin
        if new.target like 'account:audit-refused%' then raise exception 'audit refused for this test'; end if;
        return new;
      end $$;
      create trigger refuse_audit_for_test before insert on audit_events for each row execute function refuse_audit_for_test();
    `);
    try {
      const api = await h.api('PUT', '/api/v1/mappings/hostile/account/audit-refused-api', { qboId: t.qboId('Account', 'Services') });
      expect(api.status).toBe(500);

      const services = t.qboId('Account', 'Services');
      await eventually(async () => {
        const rows = await h.db.db.select().from(qboRefs).where(and(eq(qboRefs.tenantId, 'hostile'), eq(qboRefs.entity, 'Account'), eq(qboRefs.qboId, services)));
        return rows.length ? rows : undefined;
      }, 'the reference cache to load');
      const form = await admin.post('/mappings/set', { tenantId: 'hostile', kind: 'account', key: 'audit-refused-console', qboId: services, context: 'row' }, { hx: true });
      expect(form.status).toBe(500);

      const saved = await h.db.db.select().from(mappings).where(and(eq(mappings.tenantId, 'hostile'), like(mappings.sourceKey, 'audit-refused%')));
      expect(saved).toEqual([]);
      expect(await h.db.db.select().from(auditEvents).where(like(auditEvents.target, 'account:audit-refused%'))).toEqual([]);
    } finally {
      await h.db.sql.unsafe('drop trigger refuse_audit_for_test on audit_events; drop function refuse_audit_for_test();');
    }

    // Without the fault, the same request saves the mapping and its audit row together.
    const ok = await h.api('PUT', '/api/v1/mappings/hostile/account/audit-refused-api', { qboId: t.qboId('Account', 'Services') });
    expect(ok.status).toBe(200);
    expect(await h.db.db.select().from(auditEvents).where(eq(auditEvents.target, 'account:audit-refused-api'))).toHaveLength(1);
  });
});
