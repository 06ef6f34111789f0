import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, PERMISSION_NAMES, RECORD_ACTION_PERMISSIONS, ROLES, type Permission, type Role } from '../../domain/permissions.ts';
import { USER_ROLES } from '../../db/queries/users.ts';
import { declaredPermission } from '../../web/api/auth.ts';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, signIn, type ConsoleClient } from '../support/console.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { apiAs, keyFor } from '../support/principals.ts';
import { connectedTenant, submit, waitFor } from '../support/tenant.ts';

// Every route of the app, read from Hono's own route list, is held to the permission table (domain/permissions.ts)
// for every role and every tenant scope. A route added later without a permission, or without a probe below, fails.

const suffix = randomBytes(3).toString('hex');
/** The seeded tenant every probe addresses. */
const T1 = `perm-${suffix}`;
/** Another tenant: its principals must be refused T1's data. */
const T2 = `perm-${suffix}-other`;

type Scope = 'own' | 'other' | 'all';
const SCOPES: Scope[] = ['own', 'other', 'all'];
const scopeTenant = (s: Scope) => (s === 'own' ? T1 : s === 'other' ? T2 : null);

/**
 * How a route's answer depends on the principal's tenant: `tenant` routes name T1 (another tenant's principal is
 * refused), `none` routes answer within the principal's own tenants, `all-tenant` routes need a principal of every
 * tenant.
 */
type TenantRule = 'tenant' | 'none' | 'all-tenant';

interface Probe {
  tenant: TenantRule;
  query?: string;
  body?: () => unknown;
  /** When the status alone does not say it (a batch answers 200 with a verdict per item). */
  allowed?: (res: { status: number; json: any }) => boolean;
}

let h: Harness;
let workflowId: string;
let groupKey: string;
let record: ReturnType<typeof awra.bill>;
let mappingSeq = 0;
const victims: number[] = [];

/** Path parameters by name, as they go in the path: real ones from the seeded tenant, some made afresh per request. */
const PARAMS: Record<string, () => Promise<string> | string> = {
  tenantId: () => T1,
  workflowId: () => encodeURIComponent(workflowId),
  kind: () => 'account',
  batch: () => 'records:batch',
  slug: () => 'mapping',
  // A mapping to remove: one exists for every DELETE (PUT probes send an invalid body and change nothing).
  sourceKey: async () => {
    const key = `probe-${++mappingSeq}`;
    expect((await h.api('PUT', `/api/v1/mappings/${T1}/account/${key}`, { qboId: '1' })).status).toBe(200);
    return key;
  },
  // A key of T1 to revoke: never one of the principals.
  id: async () => {
    const victim = await keyFor(h, 'awra', T1, 'victim');
    victims.push(victim.apiKey.id);
    return String(victim.apiKey.id);
  },
};

/**
 * One probe per API route (`METHOD path` as Hono lists it) with the permission the route must declare: this table is
 * what a reviewer reads. Mutating probes are built to change nothing where they can.
 */
const API_PROBES: Record<string, Probe & { permission: Permission }> = {
  'POST /api/v1/records': { permission: 'records.submit', tenant: 'tenant', body: () => record },
  'POST /api/v1/:batch{records:batch}': {
    permission: 'records.submit',
    tenant: 'tenant',
    body: () => ({ records: [record] }),
    allowed: (r) => r.status === 200 && r.json.results[0].ok === true,
  },
  'GET /api/v1/records/:workflowId': { permission: 'records.read', tenant: 'tenant' },
  ...Object.fromEntries(
    Object.entries(RECORD_ACTION_PERMISSIONS).map(([a, permission]) => [`POST /api/v1/records/:workflowId/actions/${a}`, { permission, tenant: 'tenant', body: () => ({ unexpected: true }) } satisfies Probe & { permission: Permission }]),
  ),
  'GET /api/v1/tenants': { permission: 'tenants.read', tenant: 'none' },
  'POST /api/v1/tenants': { permission: 'tenants.create', tenant: 'all-tenant', body: () => ({ tenantId: T1, name: 'exists already', homeCurrency: 'KES' }) },
  'POST /api/v1/tenants/:tenantId/reconcile': { permission: 'tenant.reconcile', tenant: 'tenant' },
  'POST /api/v1/tenants/:tenantId/simulator-connection': { permission: 'connections.connect', tenant: 'tenant', body: () => ({ closingDate: 'not a date' }) },
  'GET /api/v1/mappings/health': { permission: 'mappings.read', tenant: 'tenant', query: `tenantId=${T1}` },
  'GET /api/v1/mappings/:tenantId': { permission: 'mappings.read', tenant: 'tenant' },
  'PUT /api/v1/mappings/:tenantId/:kind/:sourceKey': { permission: 'mappings.set', tenant: 'tenant', body: () => ({}) },
  'DELETE /api/v1/mappings/:tenantId/:kind/:sourceKey': { permission: 'mappings.set', tenant: 'tenant' },
  'GET /api/v1/queue': { permission: 'queue.read', tenant: 'tenant', query: `tenantId=${T1}` },
  'GET /api/v1/close-readiness': { permission: 'close.read', tenant: 'tenant', query: `tenantId=${T1}` },
  'GET /api/v1/connections/:tenantId': { permission: 'connections.read', tenant: 'tenant' },
  'POST /api/v1/connections/:tenantId/authorize': { permission: 'connections.connect', tenant: 'tenant' },
  'GET /api/v1/api-keys': { permission: 'apikeys.manage', tenant: 'none' },
  'POST /api/v1/api-keys': { permission: 'apikeys.manage', tenant: 'tenant', body: () => ({ name: 'probe', role: 'awra', tenantId: T1 }) },
  'DELETE /api/v1/api-keys/:id': { permission: 'apikeys.manage', tenant: 'tenant' },
  'GET /api/v1/notifications': { permission: 'notifications.ledger', tenant: 'tenant', query: `tenantId=${T1}` },
  'GET /api/v1/notifications/routes/:tenantId': { permission: 'notifications.routes', tenant: 'tenant' },
  'PUT /api/v1/notifications/routes/:tenantId': { permission: 'notifications.routes', tenant: 'tenant', body: () => ({ audiences: { admin: { emails: ['not an address'] } } }) },
};

interface ConsoleProbe extends Probe {
  /** What the route needs; `null`: only a session (signing out). */
  permission: Permission | null;
  form?: () => Record<string, string>;
  hx?: boolean;
  /** Signs the user out: probed with a session of its own. */
  freshSession?: boolean;
  /** A route that answers 404 to everyone who passes its gate, and why. */
  notFoundForAll?: string;
  /** `:action` is each record action in turn, needing that action's permission. */
  perAction?: boolean;
}

/**
 * The console's routes. Its role checks read the same table (`can` in web/console/env.ts); its reading pages show a
 * tenant-bound person their own tenants only, so they are `none` here.
 */
const CONSOLE_PROBES: Record<string, ConsoleProbe> = {
  'GET /': { permission: 'queue.read', tenant: 'none' },
  'GET /queue': { permission: 'queue.read', tenant: 'none' },
  'POST /queue/retry': { permission: 'bulk-retry', tenant: 'tenant', form: () => ({ group: groupKey }) },
  'GET /queue/jobs/:id': { permission: 'queue.read', tenant: 'none', notFoundForAll: 'a bulk job is visible only to the person who started it' },
  'GET /records/:workflowId': { permission: 'records.read', tenant: 'tenant' },
  // One route for every action: probed once per action, each with its own permission.
  'POST /records/:workflowId/actions/:action': { permission: null, perAction: true, tenant: 'tenant', form: () => ({}) },
  'GET /mappings': { permission: 'mappings.read', tenant: 'none' },
  'GET /mappings/search': { permission: 'mappings.set', tenant: 'tenant', query: `tenantId=${T1}&kind=account&key=4000&q=Serv`, hx: true },
  'POST /mappings/set': { permission: 'mappings.set', tenant: 'tenant', form: () => ({ tenantId: T1, kind: 'account', key: '', qboId: '' }) },
  'GET /connections': { permission: 'connections.read', tenant: 'none' },
  'POST /connections/:tenantId/connect': { permission: 'connections.connect', tenant: 'tenant' },
  'POST /connections/:tenantId/reconcile': { permission: 'tenant.reconcile', tenant: 'tenant' },
  'GET /close': { permission: 'close.read', tenant: 'none' },
  'GET /close.csv': { permission: 'close.read', tenant: 'none', query: `tenantId=${T1}` },
  'GET /audit': { permission: 'audit.read', tenant: 'none' },
  'GET /api-keys': { permission: 'apikeys.manage', tenant: 'none' },
  'POST /api-keys': { permission: 'apikeys.manage', tenant: 'tenant', form: () => ({ name: 'console probe', role: 'awra', tenantId: T1 }) },
  'POST /api-keys/:id/revoke': { permission: 'apikeys.manage', tenant: 'tenant', form: () => ({}) },
  'GET /help': { permission: null, tenant: 'none' },
  'GET /help/:slug': { permission: null, tenant: 'none' },
  'POST /logout': { permission: null, tenant: 'none', freshSession: true },
  // Everyone's own notifications; the ledger and routing on the page show to admins only.
  'GET /notifications': { permission: null, tenant: 'none' },
  'GET /notifications/bell': { permission: null, tenant: 'none', hx: true },
  'POST /notifications/read': { permission: null, tenant: 'none' },
  'POST /notifications/:id{[0-9]{1,15}}/open': { permission: null, tenant: 'none', notFoundForAll: 'a notification opens only for the person it was for' },
  'POST /notifications/routes': { permission: 'notifications.routes', tenant: 'tenant', form: () => ({ tenantId: T1, 'admin.emails': 'not an address' }) },
  'GET /notifications/mail': { permission: null, tenant: 'none', notFoundForAll: 'caught mail is shown by the development console only' },
};

/** Routes outside the API that need no session, and why. */
const PUBLIC: Record<string, string> = {
  'GET /healthz': 'reachability for load balancers',
  'GET /metrics': 'its own bearer token (METRICS_TOKEN)',
  'POST /webhooks/qbo': "Intuit's signature",
  'GET /connections/callback': 'the OAuth state bound to the browser',
  'GET /static/:name': 'htmx, the stylesheet and the icon',
  'GET /login': 'signing in',
  'POST /login': 'signing in',
  'POST /codec/decode': 'its own check: an admin of every tenant, by session cookie or API key',
  'POST /codec/encode': 'its own check: an admin of every tenant, by session cookie or API key',
};

/** Endpoints (`METHOD path`) and the handlers Hono runs for each; `ALL` entries are middleware of a prefix. */
function endpoints(): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const r of h.app.routes) {
    if (r.method === 'ALL') continue;
    const key = `${r.method} ${r.path}`;
    out.set(key, [...(out.get(key) ?? []), r.handler]);
  }
  return out;
}

async function fillPath(path: string): Promise<string> {
  let out = '';
  for (const segment of path.split('/')) {
    const m = /^:(\w+)(\{.*\})?$/.exec(segment);
    if (!m) {
      out += `${segment}/`;
      continue;
    }
    const fill = PARAMS[m[1]!];
    if (!fill) throw new Error(`no value for the path parameter :${m[1]} of ${path}: add one to PARAMS`);
    out += `${await fill()}/`;
  }
  return out.slice(0, -1);
}

function expectation(permitted: boolean, rule: TenantRule, scope: Scope): 'allowed' | 'forbidden' | 'other-tenant' {
  if (!permitted) return 'forbidden';
  if (rule === 'none') return 'allowed';
  if (rule === 'all-tenant') return scope === 'all' ? 'allowed' : 'other-tenant';
  return scope === 'other' ? 'other-tenant' : 'allowed';
}

beforeAll(async () => {
  h = await createHarness();
  await connectedTenant(h, T1);
  expect((await h.api('POST', '/api/v1/tenants', { tenantId: T2, name: 'Other Ltd', homeCurrency: 'KES' })).status).toBe(201);
  // A bill whose lines do not add up: blocked on source data, in the queue, and a record every action can address.
  record = awra.bill(T1, 'bill-perm', 'BILL-PERM-1', 'ven-perm', { total: 999 });
  workflowId = await submit(h, record);
  await waitFor(h, workflowId, 'blocked');
  const queue = await h.api('GET', `/api/v1/queue?tenantId=${T1}`);
  groupKey = queue.json.groups[0].key;
});
afterAll(async () => {
  await h?.close();
});

describe('the JSON API and the permission table', () => {
  it('declares on every route the permission the probe table names, and has a probe for every route', () => {
    const api = [...endpoints()].filter(([k]) => k.split(' ')[1]!.startsWith('/api/v1/'));
    const undeclared = api.filter(([, handlers]) => !handlers.some((fn) => declaredPermission(fn))).map(([k]) => k);
    expect(undeclared, 'routes without requirePermission(…)').toEqual([]);
    expect(api.map(([k]) => k).sort()).toEqual(Object.keys(API_PROBES).sort());
    const declared = Object.fromEntries(api.map(([k, handlers]) => [k, handlers.map((fn) => declaredPermission(fn)).filter(Boolean)]));
    expect(declared).toEqual(Object.fromEntries(Object.entries(API_PROBES).map(([k, p]) => [k, [p.permission]])));
  });

  it('uses every permission of the table somewhere, in the API or the console', () => {
    const used = new Set<Permission>();
    for (const [, handlers] of endpoints()) for (const fn of handlers) if (declaredPermission(fn)) used.add(declaredPermission(fn)!);
    for (const probe of Object.values(CONSOLE_PROBES)) {
      if (probe.permission) used.add(probe.permission);
      if (probe.perAction) for (const p of Object.values(RECORD_ACTION_PERMISSIONS)) used.add(p);
    }
    expect([...used].sort()).toEqual([...PERMISSION_NAMES].sort());
  });

  it('answers 401 on every route without a key', async () => {
    const anonymous = apiAs(h, null);
    for (const [endpoint] of [...endpoints()].filter(([k]) => k.split(' ')[1]!.startsWith('/api/v1/'))) {
      const [method, path] = endpoint.split(' ') as [string, string];
      const res = await anonymous(method, await fillPath(path));
      expect(res.status, endpoint).toBe(401);
    }
  });

  it('allows exactly what the table allows, for every role and tenant scope, on every route', async () => {
    const principals = new Map<string, string>();
    for (const role of ROLES) for (const scope of SCOPES) principals.set(`${role}/${scope}`, (await keyFor(h, role, scopeTenant(scope))).key);
    const failures: string[] = [];
    for (const [endpoint, handlers] of [...endpoints()].filter(([k]) => k.split(' ')[1]!.startsWith('/api/v1/'))) {
      const permission = handlers.map((fn) => declaredPermission(fn)).find(Boolean)!;
      const probe = API_PROBES[endpoint]!;
      const [method, path] = endpoint.split(' ') as [string, string];
      for (const role of ROLES) {
        for (const scope of SCOPES) {
          const url = `${await fillPath(path)}${probe.query ? `?${probe.query}` : ''}`;
          const res = await apiAs(h, principals.get(`${role}/${scope}`)!)(method, url, probe.body?.());
          const expected = expectation(can(role, permission), probe.tenant, scope);
          const where = `${role} key for ${scope === 'all' ? 'every tenant' : `${scope} tenant`}: ${method} ${url} → ${res.status} ${(JSON.stringify(res.json) ?? '').slice(0, 200)}`;
          if (expected === 'forbidden') {
            if (res.status !== 403 || res.json?.error?.code !== 'forbidden' || !res.json.error.message.includes(permission)) failures.push(`expected 403 forbidden (${permission}) — ${where}`);
          } else if (expected === 'other-tenant') {
            const refused = probe.allowed ? !probe.allowed(res) : res.status === 403 || res.status === 404;
            if (!refused) failures.push(`expected a refusal for another tenant — ${where}`);
          } else {
            const allowed = probe.allowed ? probe.allowed(res) : ![401, 403, 404].includes(res.status) && res.status < 500;
            if (!allowed) failures.push(`expected it to be allowed — ${where}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // The probes that revoke keys revoked only their own victims: every principal still works.
    for (const [who, key] of principals) expect((await apiAs(h, key)('GET', `/api/v1/records/${encodeURIComponent(workflowId)}`)).status, who).not.toBe(401);
  });
});

describe('the console and the same table', () => {
  it('has a probe for every route outside the API, or a reason it is public', () => {
    const outside = [...endpoints().keys()].filter((k) => !k.split(' ')[1]!.startsWith('/api/v1/'));
    expect(outside.filter((k) => !CONSOLE_PROBES[k] && !PUBLIC[k])).toEqual([]);
    expect(Object.keys(CONSOLE_PROBES).filter((k) => !outside.includes(k))).toEqual([]);
  });

  it('allows console users exactly what the table allows their role, in their tenants', async () => {
    const users = new Map<string, { role: (typeof USER_ROLES)[number]; email: string; password: string; client: ConsoleClient }>();
    for (const role of USER_ROLES) {
      for (const scope of SCOPES) {
        const u = await createConsoleUser(h, role, { tenantId: scopeTenant(scope) });
        users.set(`${role}/${scope}`, { role, email: u.email, password: u.password, client: await signIn(h.app, u) });
      }
    }
    const failures: string[] = [];
    const cases = Object.entries(CONSOLE_PROBES).flatMap(([endpoint, probe]) =>
      probe.perAction
        ? Object.entries(RECORD_ACTION_PERMISSIONS).map(([action, permission]): [string, ConsoleProbe] => [endpoint.replace(':action', action), { ...probe, permission }])
        : [[endpoint, probe] as [string, ConsoleProbe]],
    );
    for (const [endpoint, probe] of cases) {
      const [method, path] = endpoint.split(' ') as [string, string];
      for (const role of USER_ROLES) {
        for (const scope of SCOPES) {
          const user = users.get(`${role}/${scope}`)!;
          const client = probe.freshSession ? await signIn(h.app, user) : user.client;
          const url = `${await fillPath(path)}${probe.query ? `?${probe.query}` : ''}`;
          const res = method === 'GET' ? await client.get(url, { hx: probe.hx }) : await client.post(url, probe.form?.() ?? {}, { hx: probe.hx });
          const location = res.headers.get('location') ?? '';
          const where = `${role} user of ${scope === 'all' ? 'every tenant' : `the ${scope} tenant`}: ${method} ${url} → ${res.status} ${location}`;
          await res.body?.cancel();
          const permitted = probe.permission === null || can(role, probe.permission);
          const expected = expectation(permitted, probe.tenant, scope);
          if (expected === 'forbidden') {
            // Another tenant's record is not found before the role is judged: no less of a refusal.
            const ok = res.status === 403 || (res.status === 404 && probe.tenant === 'tenant' && scope === 'other');
            if (!ok) failures.push(`expected 403 (${probe.permission}) — ${where}`);
          } else if (expected === 'other-tenant') {
            if (res.status !== 403 && res.status !== 404) failures.push(`expected a refusal for another tenant — ${where}`);
          } else if (probe.notFoundForAll) {
            if (res.status !== 404) failures.push(`expected 404 (${probe.notFoundForAll}) — ${where}`);
          } else if ([401, 403, 404].includes(res.status) || res.status >= 500 || (probe.permission !== null && location.startsWith('/login'))) {
            failures.push(`expected it to be allowed — ${where}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('holds every console role to every reading permission, since the reading pages check only the session', () => {
    for (const role of USER_ROLES) for (const p of PERMISSION_NAMES.filter((n) => n.endsWith('.read'))) expect(can(role as Role, p), `${role} ${p}`).toBe(true);
  });
});
