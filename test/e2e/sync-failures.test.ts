import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, qboConnections } from '../../db/schema.ts';
import { awra } from '../fixtures/awra.ts';
import { eventually, exportHistory, type Harness } from '../support/harness.ts';
import { createInQuickBooks } from '../support/qbo-by-hand.ts';
import { chain, connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';
import { harnessWithVendor } from '../support/setups.ts';

let h: Harness;
let t: ConnectedTenant;

// ven-1 is a vendor every bill below can use.
beforeAll(async () => ({ h, t } = await harnessWithVendor('ops', 'Mombasa Freight Ltd')));
afterAll(() => h?.close());

const ledger = (entity: string, q: { docNumber?: string; displayName?: string } = {}) => h.sim.sim.ledger({ realmId: t.realmId, entity, ...q });
const action = (workflowId: string, name: string, body: unknown = {}) => h.api('POST', `/api/v1/records/${encodeURIComponent(workflowId)}/actions/${name}`, body);

describe('retry discipline and exception ownership', () => {
  it('blocks an invalid bill as source data for finance, then syncs the corrected version', async () => {
    const id = await submit(h, awra.bill('ops', 'bill-bad', 'BILL-OPS-1', 'ven-1', { total: 999 }));
    const blocked = await waitFor(h, id, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'source_data', owner: 'finance' });
    expect(ledger('Bill', { docNumber: 'BILL-OPS-1' })).toHaveLength(0);
    await submit(h, awra.bill('ops', 'bill-bad', 'BILL-OPS-1', 'ven-1', { version: 2 }));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.version).toBe(2);
    expect(ledger('Bill', { docNumber: 'BILL-OPS-1' })).toHaveLength(1);
    await exportHistory(h, id, 'source-data-blocked-then-corrected');
  });

  it('retries three 5xx answers with the same requestid and posts exactly once', async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'http5xx', status: 503, path: '/bill', method: 'POST', count: 3 });
    const id = await submit(h, awra.bill('ops', 'bill-5xx', 'BILL-OPS-2', 'ven-1'));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.retryCount).toBe(3);
    expect(synced.attempts).toHaveLength(4);
    expect(new Set(synced.attempts.map((a: { requestId: string }) => a.requestId)).size).toBe(1);
    expect(synced.attempts.slice(0, 3).map((a: { httpStatus: number }) => a.httpStatus)).toEqual([503, 503, 503]);
    expect(ledger('Bill', { docNumber: 'BILL-OPS-2' })).toHaveLength(1);
    await exportHistory(h, id, 'three-5xx-then-synced');
  });

  it('looks QuickBooks up after a response lost after commit, and adopts the entity instead of posting twice', async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'drop_after_commit', path: '/bill', method: 'POST', count: 1 });
    const id = await submit(h, awra.bill('ops', 'bill-lost', 'BILL-OPS-3', 'ven-1'));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.attempts[0]).toMatchObject({ class: 'outcome_uncertain', httpStatus: 0 });
    const created = ledger('Bill', { docNumber: 'BILL-OPS-3' });
    expect(created).toHaveLength(1);
    expect(synced.externalRef.qboId).toBe(String(created[0]!.Id));
    await exportHistory(h, id, 'lost-response-adopted');
  });

  it('flags an existing QuickBooks vendor with the same name as a duplicate risk, and links to it without creating', async () => {
    const existing = await createInQuickBooks(h, t, 'Vendor', { DisplayName: 'Rift Valley Timber Ltd' });

    const id = await submit(h, awra.vendor('ops', 'ven-dup', 'Rift Valley Timber Ltd'));
    const blocked = await waitFor(h, id, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'duplicate_risk', owner: 'finance' });
    expect(blocked.duplicateCandidates).toEqual([expect.objectContaining({ qboId: existing.Id, source: 'qbo_query' })]);

    const retry = await action(id, 'retry');
    expect(retry.status).toBe(422);
    expect(retry.json.error.message).toContain('link to existing');

    const link = await action(id, 'link', { qboId: existing.Id });
    expect(link.status).toBe(200);
    const linked = await waitFor(h, id, 'linked');
    expect(linked.externalRef.qboId).toBe(existing.Id);
    expect(ledger('Vendor', { displayName: 'Rift Valley Timber Ltd' })).toHaveLength(1);
    expect(linked.attempts).toHaveLength(0);
    const maps = await h.api('GET', '/api/v1/mappings/ops?kind=vendor');
    expect(maps.json.mappings).toEqual(expect.arrayContaining([expect.objectContaining({ sourceKey: 'ven-dup', qboId: existing.Id })]));
    const audit = await h.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'sync.link'));
    expect(audit).toEqual([expect.objectContaining({ target: id, actor: 'api-key:test-admin' })]);
    await exportHistory(h, id, 'duplicate-risk-linked');
  });

  it('refreshes an expired access token and syncs, persisting the rotated refresh token', async () => {
    const before = (await h.db.db.select().from(qboConnections).where(eq(qboConnections.tenantId, 'ops')))[0]!;
    h.sim.sim.expireAccessTokens(t.realmId);
    const id = await submit(h, awra.bill('ops', 'bill-token', 'BILL-OPS-4', 'ven-1'));
    await waitFor(h, id, 'synced');
    const after = (await h.db.db.select().from(qboConnections).where(eq(qboConnections.tenantId, 'ops')))[0]!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.status).toBe('healthy');
    expect(after.lastRefreshAt).not.toBeNull();
  });

  it('rejects actions that do not fit the state with the reason, as a 422', async () => {
    const id = await submit(h, awra.bill('ops', 'bill-unposted', 'BILL-OPS-5', 'ven-1', { status: 'approved' }));
    await waitFor(h, id, 'blocked');
    const res = await action(id, 'create-anyway');
    expect(res.status).toBe(422);
    expect(res.json.error.message).toBe('"Create anyway" answers a duplicate risk; this record is not blocked on one.');
    const missing = await action(id, 'escalate', { to: 'controller' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.fields).toHaveProperty('note');
    const assign = await action(id, 'assign', { assignee: 'amina@acme.example' });
    expect(assign.status).toBe(200);
    const cancel = await action(id, 'cancel', { reason: 'Raised against the wrong vendor' });
    expect(cancel.status).toBe(200);
    const done = await waitFor(h, id, 'cancelled');
    expect(done.assignee).toBe('amina@acme.example');
    const again = await action(id, 'cancel', { reason: 'twice' });
    expect(again.status).toBe(409);
  });

  it('blocks on QuickBooks rejecting a closed period (6210) with its message', async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'latency', latencyMs: 1500, path: '/bill', method: 'POST', count: 1 });
    const id = await submit(h, awra.bill('ops', 'bill-closed', 'BILL-OPS-6', 'ven-1', { txnDate: '2026-10-20' }));
    await waitFor(h, id, 'syncing');
    // The controller closes October in QuickBooks while the bill is on its way.
    h.sim.sim.setPreferences(t.realmId, { closingDate: '2026-10-31' });
    const blocked = await waitFor(h, id, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'provider_rejection', owner: 'finance' });
    expect(blocked.attempts.at(-1)).toMatchObject({ code: '6210', class: 'provider_rejection' });
    expect(blocked.actionNeeded).toContain('6210');
    await exportHistory(h, id, 'closed-period-rejected');
    h.sim.sim.setPreferences(t.realmId, { closingDate: null });
  });
});

describe('authorization and SLA', () => {
  it('blocks as authorization for an admin when the refresh token is revoked', async () => {
    const h2 = h;
    const tenant = await connectedTenant(h2, 'revoked');
    h2.sim.sim.revokeRefreshTokens(tenant.realmId, true);
    const id = await submit(h2, awra.vendor('revoked', 'ven-9', 'Kisumu Fish Ltd'));
    const blocked = await waitFor(h2, id, 'blocked');
    expect(blocked).toMatchObject({ failureClass: 'authorization', owner: 'admin' });
    const conn = await h2.api('GET', '/api/v1/connections/revoked');
    expect(conn.json.status).toBe('needs_reauth');
    expect(conn.json.lastError).toContain('invalid_grant');
    await exportHistory(h2, id, 'refresh-revoked-authorization');
  });

  it('escalates a blocked record nobody acted on within the tenant SLA, with an audit event', async () => {
    await connectedTenant(h, 'sla', { slaSeconds: 2 });
    const id = await submit(h, awra.bill('sla', 'bill-sla', 'BILL-SLA-1', 'ven-x', { status: 'approved' }));
    await waitFor(h, id, 'blocked');
    // Level 1 (the tenant's default contact); a second SLA later it goes on to level 2 (test/e2e/notifications.test.ts).
    const escalated = await waitFor(h, id, 'blocked', (c) => c.escalatedTo === 'finance controller', 30_000);
    expect(escalated.escalatedTo).toBe('finance controller');
    expect(escalated.events.map((e: { kind: string }) => e.kind)).toContain('sla_escalated');
    const audit = await eventually(async () => {
      const rows = await h.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'sync.escalate.sla'));
      return rows.length ? rows : undefined;
    }, 'the escalation audit event');
    expect(audit[0]).toMatchObject({ actor: 'system', target: id });
    expect((await chain(h, id)).state).toBe('blocked');
    await exportHistory(h, id, 'sla-escalated');
  });
});
