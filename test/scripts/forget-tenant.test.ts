import { randomBytes } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureApiKey, generateApiKey } from '../../db/queries/api-keys.ts';
import { qboConnections } from '../../db/schema.ts';
import { createSession, createUser } from '../../db/queries/users.ts';
import { connectionWorkflowId } from '../../domain/workflow-id.ts';
import { refsScheduleId } from '../../services/schedules.ts';
import { forgetTenant, tenantWorkflowsQuery } from '../../scripts/forget-tenant.ts';
import { awra } from '../fixtures/awra.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';
import { chain, connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

// Unique per run: the Temporal dev server is shared by every test file and keeps closed workflows.
const suffix = randomBytes(3).toString('hex');
const A = `forget-a-${suffix}`;
// B's id starts with A's, so every workflow id and Schedule id prefix is tested against its neighbour.
const B = `${A}-twin`;

/** Every table with the column that names its tenant (sessions belong to a tenant through their user). */
const TENANT_TABLES = {
  tenants: 'id',
  api_keys: 'tenant_id',
  users: 'tenant_id',
  source_records: 'tenant_id',
  syncs: 'tenant_id',
  sync_attempts: 'tenant_id',
  sync_events: 'tenant_id',
  audit_events: 'tenant_id',
  mappings: 'tenant_id',
  qbo_connections: 'tenant_id',
  qbo_refs: 'tenant_id',
  qbo_ref_state: 'tenant_id',
  oauth_states: 'tenant_id',
  outbox: 'tenant_id',
  notifications: 'tenant_id',
  notification_deliveries: 'tenant_id',
  notification_routes: 'tenant_id',
  webhook_endpoints: 'tenant_id',
} as const;

let h: Harness;
let ta: ConnectedTenant;
let tb: ConnectedTenant;

/** Every table with a tenant_id column is checked: a table added later cannot be forgotten silently. */
async function tablesWithTenantColumn(): Promise<string[]> {
  const rows = await h.db.sql`select table_name from information_schema.columns where column_name = 'tenant_id' and table_schema = current_schema() order by 1`;
  return rows.map((r) => String(r.table_name));
}

async function rowCounts(tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, column] of Object.entries(TENANT_TABLES)) {
    const [row] = await h.db.sql.unsafe(`select count(*)::int as n from ${table} where ${column} = $1`, [tenantId]);
    counts[table] = row!.n as number;
  }
  const [sessions] = await h.db.sql`select count(*)::int as n from sessions s join users u on u.id = s.user_id where u.tenant_id = ${tenantId}`;
  counts.sessions = sessions!.n as number;
  return counts;
}

async function status(workflowId: string): Promise<string> {
  return (await h.env.client.workflow.getHandle(workflowId).describe()).status.name;
}

async function runningIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of h.env.client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

async function simulatorRealms(): Promise<string[]> {
  const res = await fetch(`${h.sim.url}/_sim/companies`);
  return ((await res.json()) as { companies: { realmId: string }[] }).companies.map((c) => c.realmId);
}

beforeAll(async () => {
  h = await createHarness();
  ta = await connectedTenant(h, A);
  tb = await connectedTenant(h, B);
});
afterAll(async () => {
  await h?.close();
});

describe('forgetTenant', () => {
  let billA: string;
  let billB: string;
  let forgottenAt: number;

  it('terminates the tenant’s workflows, deletes its schedule, rows and simulator company, and leaves another tenant as it was', async () => {
    await waitFor(h, await submit(h, awra.vendor(A, 'ven-1', 'Forgotten Supplies Ltd')), 'synced');
    // Approved but not posted: the bill stays blocked, its workflow running, waiting for a corrected version.
    billA = await submit(h, awra.bill(A, 'bill-1', 'BILL-FORGET-1', 'ven-1', { status: 'approved' }));
    billB = await submit(h, awra.bill(B, 'bill-1', 'BILL-FORGET-1', 'ven-1', { status: 'approved' }));
    await waitFor(h, billA, 'blocked', (c) => c.failureClass === 'source_data');
    await waitFor(h, billB, 'blocked', (c) => c.failureClass === 'source_data');

    // Tenant-scoped people, keys and an OAuth state; an all-tenant person who must stay.
    const clerkA = await createUser(h.db.db, { email: `clerk@${A}.example`, name: 'Clerk A', role: 'finance', password: 'pw-a-123456789', tenantId: A });
    const clerkB = await createUser(h.db.db, { email: `clerk@${B}.example`, name: 'Clerk B', role: 'finance', password: 'pw-b-123456789', tenantId: B });
    const controller = await createUser(h.db.db, { email: `controller-${suffix}@example.com`, name: 'Controller', role: 'admin', password: 'pw-c-123456789' });
    if (clerkA === 'exists' || clerkB === 'exists' || controller === 'exists') throw new Error('users exist already');
    await createSession(h.db.db, clerkA.id);
    await createSession(h.db.db, controller.id);
    await ensureApiKey(h.db.db, { name: 'awra-a', key: generateApiKey(), role: 'awra', tenantId: A });
    expect((await h.api('POST', `/api/v1/connections/${A}/authorize`)).status).toBe(200);
    await eventually(async () => ((await rowCounts(A)).qbo_refs! > 0 ? true : undefined), `${A}'s reference cache to load`);

    const before = await rowCounts(A);
    for (const table of ['tenants', 'users', 'sessions', 'api_keys', 'source_records', 'syncs', 'sync_events', 'audit_events', 'mappings', 'qbo_connections', 'qbo_refs', 'oauth_states']) {
      expect(before[table], table).toBeGreaterThan(0);
    }
    const otherBefore = await rowCounts(B);
    expect(await status(connectionWorkflowId(A))).toBe('RUNNING');
    const tokenA = await h.accessToken(A);
    // A reference refresh of each tenant started by its Schedule, likely still running when A is forgotten.
    await h.env.client.schedule.getHandle(refsScheduleId(A)).trigger();
    await h.env.client.schedule.getHandle(refsScheduleId(B)).trigger();
    forgottenAt = Date.now();

    const lines: string[] = [];
    const result = await forgetTenant({ db: h.db.db, temporal: h.env.client, simulatorUrl: h.sim.url, tenantId: A, log: (l) => lines.push(l) });

    expect(result.schedulesDeleted).toBe(3); // the reference refresh, the reconciler and the daily notifications
    expect(result.workflowsTerminated).toBeGreaterThanOrEqual(2);
    expect(result.simulatorCompanyDeleted).toBe(true);
    expect(result.rowsDeleted).toBeGreaterThanOrEqual(Object.values(before).reduce((a, b) => a + b, 0));
    expect(lines.join('\n')).toContain(`Forget ${A}`);

    // Temporal: nothing of A runs, and its Schedule is gone; B's workflows and Schedule are untouched.
    expect(await status(billA)).toBe('TERMINATED');
    expect(await status(connectionWorkflowId(A))).toBe('TERMINATED');
    expect(await runningIds(tenantWorkflowsQuery(A))).toEqual([]);
    const onQueue = await runningIds(`TaskQueue = "${h.taskQueue}" AND ExecutionStatus = "Running"`);
    expect(onQueue.filter((id) => id.includes(A) && !id.includes(B))).toEqual([]);
    await expect(h.env.client.schedule.getHandle(refsScheduleId(A)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await status(billB)).toBe('RUNNING');
    expect(await status(connectionWorkflowId(B))).toBe('RUNNING');
    await expect(h.env.client.schedule.getHandle(refsScheduleId(B)).describe()).resolves.toBeDefined();
    const scheduledB = await eventually(async () => {
      const runs = [];
      for await (const wf of h.env.client.workflow.list({ query: `TemporalScheduledById = "${refsScheduleId(B)}"` })) runs.push(wf.status.name);
      return runs.length > 0 ? runs : undefined;
    }, `${B}'s scheduled refresh to be listed`);
    expect(scheduledB).not.toContain('TERMINATED');

    expect(await tablesWithTenantColumn()).toEqual(Object.keys(TENANT_TABLES).filter((t) => t !== 'tenants').sort());
    // Postgres: no row of A in any table; B's rows and the all-tenant user, session and key remain.
    expect(Object.values(await rowCounts(A)).every((n) => n === 0), JSON.stringify(await rowCounts(A))).toBe(true);
    const otherAfter = await rowCounts(B);
    for (const table of ['tenants', 'users', 'source_records', 'syncs', 'mappings', 'qbo_connections']) {
      expect(otherAfter[table], table).toBe(otherBefore[table]);
    }
    expect(otherAfter.syncs).toBeGreaterThan(0);
    const [global] = await h.db.sql`select count(*)::int as n from sessions where user_id = ${controller.id}`;
    expect(global!.n).toBe(1);
    const tenants = await h.api('GET', '/api/v1/tenants');
    expect(tenants.status).toBe(200);
    expect(tenants.json.tenants.map((t: { id: string }) => t.id)).toEqual([B]);
    expect((await h.api('GET', `/api/v1/records/${encodeURIComponent(billA)}`)).status).toBe(404);

    // The simulator: A's company is gone and its token refused; B's company stays.
    const realms = await simulatorRealms();
    expect(realms).not.toContain(ta.realmId);
    expect(realms).toContain(tb.realmId);
    const call = await fetch(`${h.sim.url}/v3/company/${ta.realmId}/preferences`, { headers: { authorization: `Bearer ${tokenA}`, accept: 'application/json' } });
    expect(call.status).toBe(401);
  });

  it('does nothing for a tenant that no longer exists, or never did', async () => {
    const nothing = { workflowsTerminated: 0, schedulesDeleted: 0, rowsDeleted: 0, simulatorCompanyDeleted: false };
    expect(await forgetTenant({ db: h.db.db, temporal: h.env.client, simulatorUrl: h.sim.url, tenantId: A })).toEqual(nothing);
    expect(await forgetTenant({ db: h.db.db, temporal: h.env.client, tenantId: `never-${suffix}` })).toEqual(nothing);
    expect(await status(billB)).toBe('RUNNING');
  });

  it('keeps a simulator company that another tenant is connected to as well', async () => {
    const C = `forget-c-${suffix}`;
    expect((await h.api('POST', '/api/v1/tenants', { tenantId: C, name: 'C Ltd', homeCurrency: 'KES' })).status).toBe(201);
    const later = new Date(Date.now() + 3_600_000);
    await h.db.db.insert(qboConnections).values({
      tenantId: C, realmId: tb.realmId, baseUrl: h.sim.url, environment: 'simulator',
      accessToken: 'unused', refreshToken: 'unused', accessTokenExpiresAt: later, refreshTokenExpiresAt: later,
    });
    const lines: string[] = [];
    const result = await forgetTenant({ db: h.db.db, temporal: h.env.client, simulatorUrl: h.sim.url, tenantId: C, log: (l) => lines.push(l) });
    expect(result.simulatorCompanyDeleted).toBe(false);
    expect(Object.values(await rowCounts(C)).every((n) => n === 0)).toBe(true);
    expect(lines.join('\n')).toContain(`${B} use it too`);
    expect(await simulatorRealms()).toContain(tb.realmId);
    expect((await rowCounts(B)).qbo_connections).toBe(1);
  });

  it('lets a re-created tenant send the same records again under the same workflow ids', async () => {
    const terminatedRun = (await h.env.client.workflow.getHandle(billA).describe()).runId;
    const again = await connectedTenant(h, A);
    expect(again.realmId).not.toBe(ta.realmId);

    const vendor = await h.api('POST', '/api/v1/records', awra.vendor(A, 'ven-1', 'Forgotten Supplies Ltd'));
    expect(vendor.status).toBe(202);
    expect(vendor.json.outcome).toBe('accepted');
    await waitFor(h, vendor.json.workflowId, 'synced');

    const bill = await h.api('POST', '/api/v1/records', awra.bill(A, 'bill-1', 'BILL-FORGET-1', 'ven-1', { status: 'approved' }));
    expect(bill.status).toBe(202);
    expect(bill.json).toMatchObject({ workflowId: billA, outcome: 'accepted', latestVersion: 1 });
    await waitFor(h, billA, 'blocked');
    expect((await h.env.client.workflow.getHandle(billA).describe()).runId).not.toBe(terminatedRun);

    await submit(h, awra.bill(A, 'bill-1', 'BILL-FORGET-1', 'ven-1', { version: 2 }));
    const synced = await waitFor(h, billA, 'synced');
    expect(synced.attempts).toHaveLength(1);
    expect(h.sim.sim.ledger({ realmId: again.realmId, entity: 'Bill', docNumber: 'BILL-FORGET-1' })).toHaveLength(1);
    // The timeline starts afresh: nothing of the forgotten workflow's events is mixed in.
    const events = (await chain(h, billA)).events as { at: string }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => Date.parse(e.at) < forgottenAt)).toEqual([]);
  });
});
