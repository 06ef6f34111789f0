/**
 * The JSON API (DESIGN.md §8) in the fast tier: the real app, routes and queries against an in-process PGlite, with
 * the in-process Temporal fake standing in for the server wherever a route only needs a client. What a workflow does
 * with a signal or an Update is the workflow tests' and the e2e tests' business; here it is what the routes send,
 * store and answer.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTenant } from '../../db/queries/tenants.ts';
import { projectSync } from '../../db/queries/syncs.ts';
import { auditEvents, outbox, sourceRecords } from '../../db/schema.ts';
import type { SyncStatus } from '../../domain/sync.ts';
import { billRecord, vendorRecord } from '../fixtures/records.ts';
import { createFastApp, FAST_TASK_QUEUE, type FastApp } from '../support/fast-app.ts';
import { syncStatus } from '../fixtures/sync-status.ts';

let f: FastApp;
let admin: string;
let awraAcme: string;
let financeAcme: string;

beforeAll(async () => {
  f = await createFastApp();
  await createTenant(f.db.db, { id: 'acme', name: 'Acme Ltd', homeCurrency: 'KES', slaSeconds: 7_200 });
  await createTenant(f.db.db, { id: 'globex', name: 'Globex Ltd', homeCurrency: 'KES' });
  admin = await f.keyFor('admin', null);
  awraAcme = await f.keyFor('awra', 'acme');
  financeAcme = await f.keyFor('finance', 'acme');
});
afterAll(async () => {
  await f?.close();
});
beforeEach(() => {
  f.temporal.unreachable = false;
  f.temporal.calls.length = 0;
});

/** Blocked on an unmapped expense account since 08:00, two hours before its SLA. */
const status = (workflowId: string, over: Partial<SyncStatus> = {}) =>
  syncStatus(workflowId, {
    actionNeeded: 'Map expense account 6100 to a QuickBooks account.',
    mappings: [{ kind: 'account', key: '6100', reason: 'Expense account 6100 on line 1 needs a QuickBooks account.', ok: false, problem: 'missing' }],
    blockedSince: '2026-11-02T08:00:00.000Z',
    slaDueAt: '2026-11-02T10:00:00.000Z',
    seq: 3,
    ...over,
  });

/** A record whose sync is projected as `over` says and whose workflow runs (as far as the fake knows). */
async function blockedRecord(sourceId: string, over: Partial<SyncStatus> = {}, tenantId = 'acme') {
  const workflowId = `qbo-sync:${tenantId}:bill:${sourceId}`;
  await projectSync(f.db.db, status(workflowId, over), [
    { seq: 3, at: '2026-11-02T08:00:00.000Z', kind: 'blocked', message: 'Blocked: expense account 6100 is not mapped.', actor: 'system' },
  ]);
  f.temporal.seed({ workflowId });
  return workflowId;
}

const auditOf = (target: string) => f.db.db.select().from(auditEvents).where(eq(auditEvents.target, target));
const storedVersions = (tenantId: string, sourceId: string) =>
  f.db.db.select().from(sourceRecords).where(and(eq(sourceRecords.tenantId, tenantId), eq(sourceRecords.sourceId, sourceId)));

describe('authentication and roles', () => {
  it('answers 401 in the API error shape without a key, with a malformed header and with an unknown key', async () => {
    const path = '/api/v1/records/qbo-sync:acme:bill:auth-1';
    const none = await f.api(null, 'GET', path);
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: { code: 'unauthenticated', message: 'Send an API key as "Authorization: Bearer <key>".' } });

    const malformed = await f.app.request(path, { headers: { authorization: `Token ${admin}` } });
    expect(malformed.status).toBe(401);

    const unknown = await f.api('qsh_not-a-key-anyone-was-given', 'GET', path);
    expect(unknown.status).toBe(401);
    expect(unknown.json.error).toEqual({ code: 'unauthenticated', message: 'This API key is not valid or has been revoked.' });
  });

  it('refuses a role the permission table does not allow with 403 naming permission and role, and asks Temporal nothing', async () => {
    const workflowId = await blockedRecord('role-1');
    const byAwra = await f.api(awraAcme, 'POST', `/api/v1/records/${workflowId}/actions/retry`);
    expect(byAwra.status).toBe(403);
    expect(byAwra.json.error.code).toBe('forbidden');
    expect(byAwra.json.error.message).toMatch(/^Only the admin role may retry a record \("sync\.retry"\); the API key "awra-acme-\d+" is awra\.$/);

    const byFinance = await f.api(financeAcme, 'POST', `/api/v1/records/${workflowId}/actions/escalate`, { to: 'CFO', note: 'Needs a decision.' });
    expect(byFinance.status).toBe(403);
    expect(byFinance.json.error.message).toMatch(/"sync\.escalate".*is finance\.$/);

    const tenantByAwra = await f.api(awraAcme, 'POST', '/api/v1/tenants', { tenantId: 'initech', name: 'Initech', homeCurrency: 'KES' });
    expect(tenantByAwra.status).toBe(403);

    expect(f.temporal.calls).toEqual([]);
    expect(f.temporal.workflows.get(workflowId)!.updates).toEqual([]);
  });

  it('hides another tenant\'s record behind the same 404 as a record that does not exist, for reads and actions', async () => {
    const foreign = await blockedRecord('foreign-1', {}, 'globex');
    const read = await f.api(financeAcme, 'GET', `/api/v1/records/${foreign}`);
    const missing = await f.api(financeAcme, 'GET', '/api/v1/records/qbo-sync:acme:bill:never-sent');
    expect(read.status).toBe(404);
    expect(read.json.error).toEqual({ code: 'not_found', message: `No record sync "${foreign}".` });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');

    const act = await f.api(financeAcme, 'POST', `/api/v1/records/${foreign}/actions/assign`, { assignee: 'Fatuma' });
    expect(act.status).toBe(404);
    expect(act.json.error.code).toBe('not_found');
    expect(f.temporal.calls).toEqual([]);
    expect(await auditOf(foreign)).toEqual([]);

    // The same record is there for a key of every tenant.
    expect((await f.api(admin, 'GET', `/api/v1/records/${foreign}`)).status).toBe(200);
  });

  it('answers 404 for a workflow id that is not a record sync\'s', async () => {
    for (const id of ['not-a-sync-id', 'qbo-sync:acme:spaceship:x1', 'qbo-sync:acme:bill:']) {
      const res = await f.api(admin, 'GET', `/api/v1/records/${encodeURIComponent(id)}`);
      expect(res.status, id).toBe(404);
      expect(res.json.error.code, id).toBe('not_found');
    }
  });
});

describe('POST /api/v1/records (intake)', () => {
  it('stores a new version and delivers it at once: the sync workflow started with the version, the tenant\'s SLA and the clean path', async () => {
    const record = billRecord({ sourceId: 'in-1' });
    const res = await f.api(awraAcme, 'POST', '/api/v1/records', record);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ workflowId: 'qbo-sync:acme:bill:in-1', outcome: 'accepted', latestVersion: 1, delivery: 'delivered' });

    // A new record's workflow is started with its version (no signal: a clean sync's history stays short).
    expect(f.temporal.calls).toEqual([{ op: 'start', workflowId: 'qbo-sync:acme:bill:in-1', type: 'syncRecord' }]);
    const wf = f.temporal.workflows.get('qbo-sync:acme:bill:in-1')!;
    expect(wf.taskQueue).toBe(FAST_TASK_QUEUE);
    expect(wf.args).toEqual([expect.objectContaining({ tenantId: 'acme', recordType: 'bill', sourceId: 'in-1', version: 1, slaSeconds: 7_200, cleanPath: true })]);
    expect(wf.signals).toEqual([]);

    const [row] = await f.db.db.select().from(outbox).where(eq(outbox.tenantId, 'acme')).orderBy(outbox.id);
    expect(row).toMatchObject({ kind: 'record_version', payload: { recordType: 'bill', sourceId: 'in-1' } });
    expect(row!.deliveredAt).toBeInstanceOf(Date);

    // Until its workflow projects a state, the record reads as queued at the version stored.
    const read = await f.api(awraAcme, 'GET', '/api/v1/records/qbo-sync:acme:bill:in-1');
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ workflowId: 'qbo-sync:acme:bill:in-1', state: 'queued', version: 1, owner: 'system', attempts: [], events: [] });
  });

  it('answers 400 with field errors for a record that breaks the format, and stores and starts nothing', async () => {
    const broken = { ...billRecord({ sourceId: 'bad-1' }), version: 0, data: { ...billRecord().data, txnDate: '2 Nov 2026', total: 1.5 } };
    const res = await f.api(awraAcme, 'POST', '/api/v1/records', broken);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_record');
    expect(res.json.error.message).toBe('The record does not match the AWRA record format; nothing was stored.');
    expect(Object.keys(res.json.error.fields)).toEqual(expect.arrayContaining(['version', 'data.txnDate', 'data.total']));
    for (const message of Object.values(res.json.error.fields)) expect(message).toEqual(expect.any(String));

    expect(await storedVersions('acme', 'bad-1')).toEqual([]);
    expect(f.temporal.calls).toEqual([]);
  });

  it('refuses a body that is not JSON (415) or not well-formed JSON (400)', async () => {
    const form = await f.app.request('/api/v1/records', { method: 'POST', headers: { authorization: `Bearer ${awraAcme}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const broken = await f.api(awraAcme, 'POST', '/api/v1/records', '{"tenantId": "acme",');
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe('invalid_json');
  });

  it('refuses an unknown tenant with 400 on the tenantId field, and another tenant\'s record for a tenant key with 403', async () => {
    const unknown = await f.api(admin, 'POST', '/api/v1/records', billRecord({ tenantId: 'nobody', sourceId: 'u-1' }));
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: 'unknown_tenant', fields: { tenantId: 'unknown tenant' } });

    const foreign = await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ tenantId: 'globex', sourceId: 'g-1' }));
    expect(foreign.status).toBe(403);
    expect(foreign.json.error.message).toBe('This API key may not submit records for tenant "globex".');
    expect(await storedVersions('globex', 'g-1')).toEqual([]);
    expect(f.temporal.calls).toEqual([]);
  });

  it('treats a re-sent version its workflow already has as a no-op, and the same version with other content as a 409', async () => {
    const record = vendorRecord({ sourceId: 'ven-dup' });
    expect((await f.api(awraAcme, 'POST', '/api/v1/records', record)).json.outcome).toBe('accepted');
    // The workflow took version 1 and said so in the projection.
    await projectSync(f.db.db, status('qbo-sync:acme:vendor:ven-dup', { state: 'synced', failureClass: null, owner: null, mappings: [], actionNeeded: null }), []);
    f.temporal.calls.length = 0;

    const again = await f.api(awraAcme, 'POST', '/api/v1/records', record);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ outcome: 'duplicate', latestVersion: 1, delivery: 'delivered' });
    expect(f.temporal.calls).toEqual([]);

    const changed = await f.api(awraAcme, 'POST', '/api/v1/records', vendorRecord({ sourceId: 'ven-dup', displayName: 'Another name' }));
    expect(changed.status).toBe(409);
    expect(changed.json.error).toMatchObject({ code: 'version_conflict', fields: { version: 'already received with different content' } });
    expect(await storedVersions('acme', 'ven-dup')).toHaveLength(1);
  });

  it('delivers a newer version to the running workflow as a signal, and calls an older one that arrives late older_version', async () => {
    await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ sourceId: 'in-v', version: 1 }));
    const v2 = await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ sourceId: 'in-v', version: 2, data: { total: 150_000 } }));
    expect(v2.json).toMatchObject({ outcome: 'accepted', latestVersion: 2, delivery: 'delivered' });
    const wf = f.temporal.workflows.get('qbo-sync:acme:bill:in-v')!;
    // One workflow for the record: the second delivery signalled the running one instead of starting another.
    expect(wf.args).toEqual([expect.objectContaining({ version: 1 })]);
    expect(wf.signals.map((s) => s.args[0])).toEqual([{ version: 2 }]);
    // It tried to start it (no projection says it runs yet), met the running one, and signalled it.
    expect(f.temporal.calls.filter((c) => 'workflowId' in c && c.workflowId === 'qbo-sync:acme:bill:in-v').map((c) => c.op)).toEqual(['start', 'start', 'signal']);

    const earlier = await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ sourceId: 'in-v', version: 0 }));
    expect(earlier.status).toBe(400); // versions start at 1
    const late = await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ sourceId: 'in-late', version: 3 }));
    expect(late.json.outcome).toBe('accepted');
    const older = await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ sourceId: 'in-late', version: 2 }));
    expect(older.status).toBe(202);
    expect(older.json).toMatchObject({ outcome: 'older_version', latestVersion: 3 });
    // The workflow is only ever given the newest version.
    const late3 = f.temporal.workflows.get('qbo-sync:acme:bill:in-late')!;
    expect(late3.args).toEqual([expect.objectContaining({ version: 3 })]);
    expect(late3.signals.every((sig) => (sig.args[0] as { version: number }).version === 3)).toBe(true);
  });

  it('accepts a version Temporal cannot take now: 202 with delivery pending, the version stored and its outbox row left for the drainer', async () => {
    f.temporal.unreachable = true;
    const res = await f.api(awraAcme, 'POST', '/api/v1/records', billRecord({ sourceId: 'down-1' }));
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ workflowId: 'qbo-sync:acme:bill:down-1', outcome: 'accepted', delivery: 'pending' });
    expect(await storedVersions('acme', 'down-1')).toHaveLength(1);
    const rows = await f.db.db.select().from(outbox).where(eq(outbox.tenantId, 'acme'));
    const row = rows.find((r) => r.payload.sourceId === 'down-1');
    expect(row).toMatchObject({ kind: 'record_version', deliveredAt: null });
    expect(f.temporal.workflows.has('qbo-sync:acme:bill:down-1')).toBe(false);
  });
});

describe('GET /api/v1/records/{workflowId}', () => {
  it('answers the projected chain: state, owner, action needed, mappings, events and a Temporal UI link in the client\'s namespace', async () => {
    const workflowId = await blockedRecord('read-1');
    const res = await f.api(financeAcme, 'GET', `/api/v1/records/${workflowId}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      workflowId,
      tenantId: 'acme',
      recordType: 'bill',
      sourceId: 'read-1',
      state: 'blocked',
      failureClass: 'mapping',
      owner: 'admin',
      actionNeeded: 'Map expense account 6100 to a QuickBooks account.',
      retryCount: 0,
      mappings: [{ kind: 'account', key: '6100', ok: false, problem: 'missing' }],
      attempts: [],
      externalRef: null,
      events: [{ seq: 3, kind: 'blocked', message: 'Blocked: expense account 6100 is not mapped.', actor: 'system' }],
      temporalUrl: `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
    });
    // Internal keys of the projection's rows stay inside.
    expect(res.json.events[0]).not.toHaveProperty('id');
    expect(res.json.events[0]).not.toHaveProperty('tenantId');
  });
});

describe('POST /api/v1/records/{workflowId}/actions/{action}', () => {
  it('runs an accepted action as the workflow\'s Update, answers its state, and audits who did it', async () => {
    const workflowId = await blockedRecord('act-ok');
    f.temporal.onUpdate = ({ name, workflow }) => {
      expect(workflow.workflowId).toBe(workflowId);
      return status(workflowId, { state: name === 'retry' ? 'validating' : 'blocked', failureClass: name === 'retry' ? null : 'mapping', retryCount: 1, seq: 4 });
    };
    const res = await f.api(admin, 'POST', `/api/v1/records/${workflowId}/actions/retry`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ workflowId, state: 'validating', failureClass: null });
    expect(f.temporal.workflows.get(workflowId)!.updates).toEqual([{ name: 'retry', args: [{ actor: expect.stringMatching(/^api-key:admin-all-\d+$/) }] }]);

    const assign = await f.api(financeAcme, 'POST', `/api/v1/records/${workflowId}/actions/assign`, { assignee: 'Fatuma Finance' });
    expect(assign.status).toBe(200);
    expect(f.temporal.workflows.get(workflowId)!.updates[1]).toEqual({ name: 'assign', args: [{ assignee: 'Fatuma Finance', actor: expect.stringMatching(/^api-key:finance-acme-\d+$/) }] });

    const audit = await auditOf(workflowId);
    expect(audit.map((a) => [a.action, a.succeeded, a.detail])).toEqual([
      ['sync.retry', true, {}],
      ['sync.assign', true, { assignee: 'Fatuma Finance' }],
    ]);
    expect(audit[0]).toMatchObject({ tenantId: 'acme', actor: expect.stringMatching(/^api-key:admin-all-/) });
  });

  it('answers an action the workflow\'s validator refuses with 422 and the workflow\'s own sentence, and audits the refusal', async () => {
    const workflowId = await blockedRecord('act-refused');
    const sentence = '"Create anyway" answers a duplicate risk; this record is not blocked on one.';
    f.temporal.onUpdate = () => {
      throw new Error(sentence);
    };
    const res = await f.api(financeAcme, 'POST', `/api/v1/records/${workflowId}/actions/create-anyway`);
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: { code: 'action_rejected', message: sentence } });
    expect(f.temporal.workflows.get(workflowId)!.updates).toEqual([]);
    const [audit] = await auditOf(workflowId);
    expect(audit).toMatchObject({ action: 'sync.create-anyway', succeeded: false, detail: { rejected: sentence } });
  });

  it('answers 409 when the record\'s workflow has finished', async () => {
    const workflowId = await blockedRecord('act-done', { state: 'synced', failureClass: null });
    f.temporal.workflows.get(workflowId)!.status = 'COMPLETED';
    const res = await f.api(financeAcme, 'POST', `/api/v1/records/${workflowId}/actions/cancel`, { reason: 'Entered twice.' });
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({ code: 'not_running', message: 'This record\'s sync has finished; there is nothing left to act on.' });
  });

  it('answers 400 with field errors for missing or unexpected details, before the workflow is asked', async () => {
    const workflowId = await blockedRecord('act-invalid');
    const noNote = await f.api(admin, 'POST', `/api/v1/records/${workflowId}/actions/escalate`, { to: 'CFO' });
    expect(noNote.status).toBe(400);
    expect(noNote.json.error).toMatchObject({ code: 'invalid_action', message: 'The action is missing details.', fields: { note: expect.any(String) } });

    const extra = await f.api(admin, 'POST', `/api/v1/records/${workflowId}/actions/retry`, { force: true });
    expect(extra.status).toBe(400);
    expect(extra.json.error.code).toBe('invalid_action');

    const nul = await f.api(financeAcme, 'POST', `/api/v1/records/${workflowId}/actions/assign`, { assignee: 'Fatuma\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.json.error.fields).toHaveProperty('assignee');

    const notJson = await f.app.request(`/api/v1/records/${workflowId}/actions/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);

    expect(f.temporal.calls).toEqual([]);
  });

  it('answers 404 for an action that does not exist, without asking the workflow', async () => {
    const workflowId = await blockedRecord('act-unknown');
    const res = await f.api(admin, 'POST', `/api/v1/records/${workflowId}/actions/delete`);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: 'not_found' } });
    expect(f.temporal.calls).toEqual([]);
    expect(f.temporal.workflows.get(workflowId)!.updates).toEqual([]);
  });
});

describe('PUT /api/v1/mappings/{tenantId}/{kind}/{sourceKey}', () => {
  it('starts the resume fan-out for exactly the records waiting on the mapping, and nothing when none waits', async () => {
    await blockedRecord('map-wait', { mappings: [{ kind: 'account', key: '6300', reason: 'Expense account 6300 on line 1 needs a QuickBooks account.', ok: false, problem: 'missing' }] });
    // Blocked on another account: not told.
    await blockedRecord('map-other', { mappings: [{ kind: 'account', key: '6200', reason: 'Expense account 6200 on line 1 needs a QuickBooks account.', ok: false, problem: 'missing' }] });
    const set = await f.api(admin, 'PUT', '/api/v1/mappings/acme/account/6300', { qboId: '57', qboName: 'Travel' });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ tenantId: 'acme', kind: 'account', sourceKey: '6300', qboId: '57', resumed: 1, delivery: 'delivered' });
    const started = f.temporal.calls.filter((c) => c.op === 'start');
    expect(started).toEqual([{ op: 'start', workflowId: expect.stringMatching(/^resume-waiting:acme:account:6300:/), type: 'resumeWaitingOnMapping' }]);
    expect(f.temporal.workflows.get(started[0]!.workflowId)!.args).toEqual([{ tenantId: 'acme', kind: 'account', key: '6300' }]);

    f.temporal.calls.length = 0;
    const unused = await f.api(admin, 'PUT', '/api/v1/mappings/acme/account/6400', { qboId: '58' });
    expect(unused.json).toMatchObject({ resumed: 0, delivery: 'delivered' });
    expect(f.temporal.calls).toEqual([]);
  });
});

describe('tenants', () => {
  it('creates a tenant with its reconciler Schedule, and still creates it (201) when Temporal does not answer', async () => {
    const res = await f.api(admin, 'POST', '/api/v1/tenants', { tenantId: 'initech', name: 'Initech Kenya', homeCurrency: 'KES' });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ tenantId: 'initech', name: 'Initech Kenya', homeCurrency: 'KES' });
    const schedule = f.temporal.schedules.get('qbo-reconcile:initech');
    expect(schedule?.options).toMatchObject({ spec: { intervals: [{ every: '10 minutes' }] }, action: { type: 'startWorkflow', taskQueue: FAST_TASK_QUEUE, args: [{ tenantId: 'initech' }] } });

    f.temporal.unreachable = true;
    const offline = await f.api(admin, 'POST', '/api/v1/tenants', { tenantId: 'umbrella', name: 'Umbrella', homeCurrency: 'USD' });
    expect(offline.status).toBe(201);
    expect(f.temporal.schedules.has('qbo-reconcile:umbrella')).toBe(false);
    expect((await f.api(admin, 'GET', '/api/v1/tenants')).json.tenants.map((t: { id: string }) => t.id)).toContain('umbrella');

    const twice = await f.api(admin, 'POST', '/api/v1/tenants', { tenantId: 'initech', name: 'Initech again', homeCurrency: 'KES' });
    expect(twice.status).toBe(409);
    const invalid = await f.api(admin, 'POST', '/api/v1/tenants', { tenantId: 'Bad Id!', name: '', homeCurrency: 'shillings' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatchObject({ code: 'invalid_tenant', fields: { tenantId: expect.any(String), name: expect.any(String), homeCurrency: expect.any(String) } });
  });

  it('runs the reconciler on demand and answers its report in a sentence, or 503 with Retry-After when Temporal is down', async () => {
    f.temporal.onExecute = (wf) => ({ tenantId: (wf.args[0] as { tenantId: string }).tenantId, versionsDelivered: 2, mappingWakeUps: 0, connectionWakeUps: 1, projectionsRepaired: 0, failures: [] });
    const res = await f.api(admin, 'POST', '/api/v1/tenants/acme/reconcile');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ tenantId: 'acme', versionsDelivered: 2, summary: '2 stored version(s) delivered to their sync; 1 record(s) told the connection is healthy.' });
    expect(f.temporal.calls).toEqual([{ op: 'execute', workflowId: expect.stringMatching(/^qbo-reconcile-now:acme:/), type: 'reconcile' }]);

    f.temporal.unreachable = true;
    const down = await f.api(admin, 'POST', '/api/v1/tenants/acme/reconcile');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('30');
    expect(down.json.error.code).toBe('temporal_unavailable');

    expect((await f.api(admin, 'POST', '/api/v1/tenants/nobody/reconcile')).status).toBe(404);
  });
});

describe('GET /healthz', () => {
  it('is 200 when Postgres and Temporal answer and a worker polled the task queue lately', async () => {
    f.temporal.pollers = [new Date(Date.now() - 5_000)];
    const res = await f.api(null, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'ok',
      checks: { postgres: { ok: true }, temporal: { ok: true }, worker: { ok: true, detail: `1 poller(s) on "${FAST_TASK_QUEUE}"` } },
    });
    expect(f.temporal.calls).toContainEqual({ op: 'describeTaskQueue', taskQueue: FAST_TASK_QUEUE });
  });

  it('is 503 naming the task queue when the only worker last polled minutes ago, and 503 when Temporal does not answer', async () => {
    f.temporal.pollers = [new Date(Date.now() - 120_000)];
    const stale = await f.api(null, 'GET', '/healthz');
    expect(stale.status).toBe(503);
    expect(stale.json).toMatchObject({
      status: 'unavailable',
      checks: { postgres: { ok: true }, temporal: { ok: true }, worker: { ok: false, detail: `no worker is polling task queue "${FAST_TASK_QUEUE}"` } },
    });

    f.temporal.pollers = [new Date()];
    f.temporal.unreachable = true;
    const down = await f.api(null, 'GET', '/healthz');
    expect(down.status).toBe(503);
    expect(down.json.checks.postgres.ok).toBe(true);
    expect(down.json.checks.temporal).toMatchObject({ ok: false, detail: 'Failed to reach the Temporal server' });
  });
});
