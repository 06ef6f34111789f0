/**
 * The activities in the fast tier: built with `createActivities` exactly as the worker builds them, run under
 * `MockActivityEnvironment`, against an in-process PGlite (test/support/fast-db.ts), the QuickBooks simulator
 * listening in this process, and the in-process Temporal fake as `Context.current().client` for the activities that
 * signal workflows. pushRecord is left to the workflow and e2e tests while its input changes.
 */
import { and, eq } from 'drizzle-orm';
import { simulatorTenant } from '../support/sim-tenant.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities/index.ts';
import { tokenFingerprint } from '../../activities/connection.ts';
import { createTokenStore, type TokenStore } from '../../db/queries/connections.ts';
import { markMappingStale, upsertMapping } from '../../db/queries/mappings.ts';
import { storeRecordVersion } from '../../db/queries/records.ts';
import { projectSync } from '../../db/queries/syncs.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import { mappings, qboConnections, qboRefs, syncAttempts, syncEvents, syncs } from '../../db/schema.ts';
import { awraRecordSchema, type AwraRecord } from '../../domain/records.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { startSimulator, type StartedSimulator } from '../../simulator/index.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { awra } from '../fixtures/awra.ts';
import { billRecord, vendorRecord } from '../fixtures/records.ts';
import { createFastDb, type FastDb } from '../support/fast-db.ts';
import { createFakeTemporal, type FakeTemporal } from '../support/fast-temporal.ts';
import { syncStatus } from '../fixtures/sync-status.ts';

let db: FastDb;
let sim: StartedSimulator;
let temporal: FakeTemporal;
let tokens: TokenStore;
let acts: Activities;
/** The QuickBooks company of each tenant, by tenant id. */
const realms = new Map<string, string>();

async function connectedTenant(tenantId: string, company: { closingDate?: string } = {}): Promise<string> {
  const realmId = await simulatorTenant({ db: db.db, tokens, sim }, tenantId, company);
  realms.set(tenantId, realmId);
  return realmId;
}

beforeAll(async () => {
  [db, sim] = await Promise.all([createFastDb(), startSimulator({ port: 0, options: { logger: { info() {}, warn() {} } } })]);
  const secrets = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
  tokens = createTokenStore(db.db, secrets);
  temporal = createFakeTemporal();
  acts = createActivities(createActivityDeps({ db: db.db, secrets, intuit: { redirectUri: 'http://localhost/callback' }, qboTimeoutMs: 5_000 }));
  await connectedTenant('acme');
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

/** A fresh activity environment whose `Context.current().client` is the Temporal fake; SDK logs kept quiet. */
function env() {
  return new MockActivityEnvironment({}, { client: temporal.client, logger: new DefaultLogger('ERROR') });
}

/** Runs one activity in `environment` (a fresh one unless given), typed by the activity (the SDK's `run` infers no result). */
function run<I, R>(activity: (input: I) => Promise<R>, input: I, environment = env()): Promise<R> {
  return environment.run(activity, input) as Promise<R>;
}

const record = (r: unknown): AwraRecord => awraRecordSchema.parse(r);

/** The ApplicationFailure an activity failed with. */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const status = syncStatus;

const qboIdOf = (tenantId: string, entity: string, name: string) => {
  const hit = sim.sim.ledger({ realmId: realms.get(tenantId)!, entity }).find((e) => e.Name === name || e.DisplayName === name);
  if (!hit) throw new Error(`no ${entity} named ${name} in the simulator`);
  return String(hit.Id);
};

const requests = (tenantId: string) => sim.sim.stats(realms.get(tenantId)!).requests;

describe('checkMappings', () => {
  it('resolves what is mapped and says for each gap what is wrong: missing, stale, or a vendor AWRA sent that has not synced', async () => {
    await upsertMapping(db.db, { tenantId: 'acme', kind: 'account', sourceKey: '6100', qboId: '61', qboName: 'Rent or Lease', updatedBy: 'test' });
    await upsertMapping(db.db, { tenantId: 'acme', kind: 'tax_code', sourceKey: 'VAT16', qboId: '7', qboName: 'VAT 16%', updatedBy: 'test' });
    await markMappingStale(db.db, 'acme', 'tax_code', '7', 'QuickBooks TaxCode "VAT 16%" is inactive');
    await projectSync(db.db, status('qbo-sync:acme:vendor:ven-cm', { number: 'VEN-CM', state: 'blocked' }), []);
    const bill = record(billRecord({ sourceId: 'bill-cm', data: { vendorId: 'ven-cm' } }));

    const { checks, refs } = await run(acts.checkMappings, { tenantId: 'acme', record: bill });

    const byKey = Object.fromEntries(checks.map((c) => [`${c.kind}:${c.key}`, c]));
    expect(Object.keys(byKey).sort()).toEqual(['account:6100', 'item:itm-1', 'tax_code:VAT16', 'vendor:ven-cm']);
    expect(byKey['account:6100']).toMatchObject({ ok: true, qboId: '61', qboName: 'Rent or Lease' });
    expect(byKey['tax_code:VAT16']).toMatchObject({ ok: false, problem: 'stale', qboId: '7' });
    expect(byKey['tax_code:VAT16']!.reason).toContain('The mapped QuickBooks entity VAT 16% is no longer usable (QuickBooks TaxCode "VAT 16%" is inactive).');
    expect(byKey['vendor:ven-cm']).toMatchObject({ ok: false, problem: 'not_synced' });
    expect(byKey['vendor:ven-cm']!.reason).toContain('Vendor VEN-CM has not synced to QuickBooks yet (it is blocked); this record continues when it does.');
    expect(byKey['item:itm-1']).toMatchObject({ ok: false, problem: 'missing' });
    expect(byKey['item:itm-1']!.reason).toContain('Item itm-1 is not mapped to QuickBooks and has not been sent by AWRA.');
    // Only usable references reach the payload mapper.
    expect(refs).toEqual([['account:6100', { qboId: '61', name: 'Rent or Lease' }]]);
  });

  it('accepts a payment\'s invoice only once that invoice synced, with the QuickBooks id it synced as', async () => {
    for (const [kind, key] of [['customer', 'cus-pay'], ['payment_method', 'mpesa'], ['account', 'clearing:mpesa']] as const) {
      await upsertMapping(db.db, { tenantId: 'acme', kind, sourceKey: key, qboId: `${kind}-1`, updatedBy: 'test' });
    }
    const payment = record(awra.payment('acme', 'pay-1', 'RCPT-1', 'cus-pay', 'inv-pay'));
    const before = await run(acts.checkMappings, { tenantId: 'acme', record: payment });
    expect(before.checks.find((c) => c.kind === 'invoice')).toMatchObject({ key: 'inv-pay', ok: false, problem: 'not_synced' });
    expect(before.checks.find((c) => c.kind === 'invoice')!.reason).toContain('Invoice inv-pay has not synced to QuickBooks yet.');

    await projectSync(db.db, status('qbo-sync:acme:invoice:inv-pay', { number: 'INV-PAY', state: 'synced', failureClass: null, externalRef: { entity: 'Invoice', qboId: '901' } }), []);
    const after = await run(acts.checkMappings, { tenantId: 'acme', record: payment });
    expect(after.checks.every((c) => c.ok)).toBe(true);
    expect(after.refs).toContainEqual(['invoice:inv-pay', { qboId: '901' }]);
  });
});

describe('prepareSync', () => {
  const prepare = (r: AwraRecord, over: { skipDuplicates?: boolean } = {}) =>
    run(acts.prepareSync, {
      tenantId: r.tenantId,
      workflowId: `qbo-sync:${r.tenantId}:${r.recordType}:${r.sourceId}`,
      recordType: r.recordType,
      sourceId: r.sourceId,
      version: r.version,
      skipDuplicates: over.skipDuplicates ?? false,
    });
  const stored = async (raw: unknown) => {
    const r = record(raw);
    expect(await storeRecordVersion(db.db, r, 'test')).toBe('stored');
    return r;
  };

  it('fails without retries when the version it is asked for is not stored', async () => {
    const failure = await failureOf(
      run(acts.prepareSync, { tenantId: 'acme', workflowId: 'qbo-sync:acme:bill:ghost', recordType: 'bill', sourceId: 'ghost', version: 4, skipDuplicates: false }),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('Version 4 of bill ghost is not stored.');
  });

  it('stops at a void record without asking QuickBooks anything', async () => {
    const r = await stored(billRecord({ sourceId: 'bill-void', status: 'void' }));
    const asked = requests('acme');
    const prepared = await prepare(r);
    expect(prepared).toMatchObject({ record: { status: 'void' }, realm: { connected: false }, readiness: [], projectedSeq: 0 });
    expect(prepared.mapping).toBeUndefined();
    expect(prepared.duplicates).toBeUndefined();
    expect(requests('acme')).toBe(asked);
  });

  it('stops at readiness for a bill dated in a closed period: the company\'s closing date is read, mappings and duplicates are not', async () => {
    await connectedTenant('closed', { closingDate: '2026-11-30' });
    const r = await stored(billRecord({ tenantId: 'closed', sourceId: 'bill-closed' }));
    const prepared = await prepare(r);
    expect(prepared.realm).toMatchObject({ connected: true, realmId: realms.get('closed'), closingDate: '2026-11-30', homeCurrency: 'KES' });
    const failed = prepared.readiness.filter((c) => !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('The transaction date 2026-11-02 is on or before the QuickBooks closing date 2026-11-30');
    expect(prepared.mapping).toBeUndefined();
    expect(prepared.duplicates).toBeUndefined();
  });

  it('stops at the mapping gaps of a ready bill, before any duplicate lookup', async () => {
    const r = await stored(billRecord({ sourceId: 'bill-gaps', data: { vendorId: 'ven-nobody' } }));
    const prepared = await prepare(r);
    expect(prepared.readiness.every((c) => c.ok)).toBe(true);
    expect(prepared.mapping!.checks.find((c) => c.kind === 'vendor')).toMatchObject({ key: 'ven-nobody', ok: false, problem: 'missing' });
    expect(prepared.duplicates).toBeUndefined();
  });

  it('looks for duplicates once a record is ready and mapped, unless told to skip them', async () => {
    const r = await stored(vendorRecord({ sourceId: 'ven-prep', displayName: 'Prepared Supplies Ltd' }));
    const prepared = await prepare(r);
    expect(prepared.mapping).toEqual({ checks: [], refs: [] });
    expect(prepared.duplicates).toEqual({ adopt: null, candidates: [] });

    const asked = requests('acme');
    const skipped = await prepare(r, { skipDuplicates: true });
    expect(skipped.duplicates).toBeUndefined();
    // The company's preferences were read a moment ago: nothing was asked of QuickBooks at all.
    expect(requests('acme')).toBe(asked);
  });

  it('names the entity an earlier run created and continues its projection\'s sequence, without a duplicate lookup', async () => {
    const r = await stored(vendorRecord({ sourceId: 'ven-again', version: 2 }));
    await projectSync(db.db, status('qbo-sync:acme:vendor:ven-again', { state: 'synced', failureClass: null, externalRef: { entity: 'Vendor', qboId: '812' }, seq: 9 }), []);
    const prepared = await prepare(r);
    expect(prepared).toMatchObject({ existingRef: { entity: 'Vendor', qboId: '812' }, projectedSeq: 9 });
    expect(prepared.duplicates).toBeUndefined();
  });
});

describe('findDuplicates', () => {
  it('adopts the QuickBooks vendor that carries this record\'s own audit note instead of listing it', async () => {
    const r = record(vendorRecord({ sourceId: 'ven-lost', displayName: 'Lost Answer Supplies' }));
    const ours = sim.sim.createAsUser(realms.get('acme')!, 'Vendor', { DisplayName: 'Lost Answer Supplies', Notes: 'AWRA VEN-ven-lost (src ven-lost v1)' });
    const found = await run(acts.findDuplicates, { tenantId: 'acme', workflowId: 'qbo-sync:acme:vendor:ven-lost', record: r });
    expect(found.candidates).toEqual([]);
    expect(found.adopt).toMatchObject({ entity: 'Vendor', qboId: String(ours.Id), syncToken: String(ours.SyncToken) });
    expect(found.adopt!.url).toContain(`${sim.url}/_sim/app/`);
  });

  it('lists a same-named vendor someone keyed in by hand as a candidate for a person to decide on', async () => {
    const r = record(vendorRecord({ sourceId: 'ven-twin', displayName: 'Twin Traders Ltd' }));
    const theirs = sim.sim.createAsUser(realms.get('acme')!, 'Vendor', { DisplayName: 'Twin Traders Ltd' });
    const found = await run(acts.findDuplicates, { tenantId: 'acme', workflowId: 'qbo-sync:acme:vendor:ven-twin', record: r });
    expect(found.adopt).toBeNull();
    expect(found.candidates).toEqual([{ entity: 'Vendor', qboId: String(theirs.Id), label: 'Vendor · Twin Traders Ltd', source: 'qbo_query' }]);
  });

  it('lists a bill with the same number, and an earlier push of ours whose outcome is unknown, as candidates', async () => {
    const realmId = realms.get('acme')!;
    const vendor = sim.sim.createAsUser(realmId, 'Vendor', { DisplayName: 'Hand Keyed Vendor' });
    sim.sim.createAsUser(realmId, 'Bill', {
      DocNumber: 'BILL-DUP-7',
      TxnDate: '2026-11-02',
      VendorRef: { value: String(vendor.Id) },
      Line: [{ Amount: 1500, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: qboIdOf('acme', 'Account', 'Rent or Lease') } } }],
    });
    const workflowId = 'qbo-sync:acme:bill:bill-dup';
    await db.db.insert(syncAttempts).values({
      workflowId,
      tenantId: 'acme',
      attemptNo: 1,
      requestId: 'req-lost-1',
      startedAt: new Date('2026-11-02T09:00:00Z'),
      finishedAt: new Date('2026-11-02T09:00:30Z'),
      httpStatus: 0,
      class: 'outcome_uncertain',
    });
    const r = record(billRecord({ sourceId: 'bill-dup', number: 'BILL-DUP-7' }));
    const found = await run(acts.findDuplicates, { tenantId: 'acme', workflowId, record: r });
    expect(found.adopt).toBeNull();
    expect(found.candidates).toHaveLength(2);
    expect(found.candidates[0]).toMatchObject({ entity: 'Bill', docNumber: 'BILL-DUP-7', amount: '1500', txnDate: '2026-11-02', source: 'qbo_query' });
    expect(found.candidates[0]!.label).toContain('#BILL-DUP-7');
    expect(found.candidates[1]).toMatchObject({ entity: 'Bill', qboId: '', source: 'attempt_ledger' });
    expect(found.candidates[1]!.label).toContain('req-lost-1');
  });
});

describe('readEntity', () => {
  it('reads the entity someone chose to link to, with its SyncToken and a link to it', async () => {
    const id = String(sim.sim.createAsUser(realms.get('acme')!, 'Vendor', { DisplayName: 'Link Target Ltd' }).Id);
    const ref = await run(acts.readEntity, { tenantId: 'acme', recordType: 'vendor', qboId: id });
    expect(ref).toMatchObject({ entity: 'Vendor', qboId: id, syncToken: '0' });
    expect(ref.url).toContain('/_sim/app/');
  });

  it('fails without retries for an id QuickBooks does not have', async () => {
    const failure = await failureOf(run(acts.readEntity, { tenantId: 'acme', recordType: 'vendor', qboId: '999999' }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('Vendor 999999');
  });

  it('fails without retries for a tenant that has no QuickBooks connection', async () => {
    await createTenant(db.db, { id: 'unconnected', name: 'Unconnected Ltd', homeCurrency: 'KES' });
    const failure = await failureOf(run(acts.readEntity, { tenantId: 'unconnected', recordType: 'vendor', qboId: '1' }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('This tenant has no QuickBooks connection yet; an admin must connect QuickBooks.');
  });
});

describe('projectSync', () => {
  it('keeps the newest state when an older write arrives late, and writes each timeline event once', async () => {
    const workflowId = 'qbo-sync:acme:bill:bill-proj';
    const event = (seq: number, message: string) => ({ seq, at: '2026-11-02T08:00:00.000Z', kind: 'state', message, actor: 'system' });
    await run(acts.projectSync, { status: status(workflowId, { state: 'synced', failureClass: null, seq: 5 }), events: [event(4, 'Synced.'), event(5, 'Done.')] });
    await run(acts.projectSync, { status: status(workflowId, { state: 'retrying', failureClass: 'transient', seq: 4 }), events: [event(4, 'Synced.')] });

    const [row] = await db.db.select().from(syncs).where(eq(syncs.workflowId, workflowId));
    expect(row).toMatchObject({ state: 'synced', failureClass: null, seq: 5 });
    const events = await db.db.select().from(syncEvents).where(eq(syncEvents.workflowId, workflowId));
    expect(events.map((e) => e.seq).sort()).toEqual([4, 5]);
  });
});

describe('afterSync', () => {
  it('makes a synced vendor its own mapping and tells the records waiting on it, skipping one whose workflow has finished', async () => {
    const gap = { kind: 'vendor' as const, key: 'ven-after', reason: 'Vendor ven-after must be synced first.', ok: false, problem: 'not_synced' as const };
    const waiting = ['qbo-sync:acme:bill:after-1', 'qbo-sync:acme:bill:after-2'];
    for (const id of waiting) {
      await projectSync(db.db, status(id, { mappings: [gap] }), []);
      temporal.seed({ workflowId: id });
    }
    temporal.workflows.get(waiting[1]!)!.status = 'COMPLETED';
    const vendor = record(vendorRecord({ sourceId: 'ven-after', displayName: 'After Sync Supplies' }));

    const out = await run(acts.afterSync, { tenantId: 'acme', record: vendor, externalRef: { entity: 'Vendor', qboId: '4242' }, actor: 'sync' });

    expect(out).toEqual({ resumed: 1 });
    const [m] = await db.db.select().from(mappings).where(and(eq(mappings.tenantId, 'acme'), eq(mappings.kind, 'vendor'), eq(mappings.sourceKey, 'ven-after')));
    expect(m).toMatchObject({ qboId: '4242', qboName: 'After Sync Supplies', status: 'active', updatedBy: 'sync' });
    expect(temporal.workflows.get(waiting[0]!)!.signals).toEqual([{ name: 'mappingChanged', args: [{ kind: 'vendor', key: 'ven-after' }] }]);
    expect(temporal.workflows.get(waiting[1]!)!.signals).toEqual([]);
  });
});

describe('refreshReferences', () => {
  it('loads the lists in full first, then by change data capture, staling a mapping whose account was made inactive', async () => {
    const realmId = await connectedTenant('refs');
    const first = await run(acts.refreshReferences, { tenantId: 'refs' });
    expect(first.mode).toBe('full');
    const cached = await db.db.select().from(qboRefs).where(eq(qboRefs.tenantId, 'refs'));
    expect(cached.find((r) => r.entity === 'Account' && r.name === 'Rent or Lease')).toMatchObject({ status: 'active' });
    expect(cached.find((r) => r.entity === 'TaxCode' && r.name === 'VAT 16%')).toMatchObject({ status: 'active' });
    expect(first.changed).toBe(cached.length);

    const travel = qboIdOf('refs', 'Account', 'Travel');
    await upsertMapping(db.db, { tenantId: 'refs', kind: 'account', sourceKey: '6300', qboId: travel, qboName: 'Travel', updatedBy: 'test' });
    sim.sim.deactivate(realmId, 'Account', travel);

    const second = await run(acts.refreshReferences, { tenantId: 'refs' });
    expect(second).toMatchObject({ mode: 'cdc', staled: 1, restored: 0 });
    const [m] = await db.db.select().from(mappings).where(and(eq(mappings.tenantId, 'refs'), eq(mappings.sourceKey, '6300')));
    expect(m).toMatchObject({ status: 'stale', staleReason: expect.stringContaining('is inactive') });
  });

  it('restores a stale mapping whose entity is active and tells exactly the records waiting on it', async () => {
    const services = qboIdOf('refs', 'Account', 'Services');
    await upsertMapping(db.db, { tenantId: 'refs', kind: 'account', sourceKey: '4000', qboId: services, qboName: 'Services', updatedBy: 'test' });
    await markMappingStale(db.db, 'refs', 'account', services, 'marked stale by hand');
    const gap = (key: string) => [{ kind: 'account' as const, key, reason: `Account ${key} needs a QuickBooks account.`, ok: false, problem: 'stale' as const }];
    await projectSync(db.db, status('qbo-sync:refs:bill:wait-4000', { mappings: gap('4000') }), []);
    await projectSync(db.db, status('qbo-sync:refs:bill:wait-other', { mappings: gap('5000') }), []);
    temporal.seed({ workflowId: 'qbo-sync:refs:bill:wait-4000' });
    temporal.seed({ workflowId: 'qbo-sync:refs:bill:wait-other' });
    const heartbeats: unknown[] = [];
    const e = env();
    e.on('heartbeat', (d: unknown) => heartbeats.push(d));

    const out = await run(acts.refreshReferences, { tenantId: 'refs' }, e);

    expect(out).toMatchObject({ mode: 'cdc', restored: 1 });
    const [m] = await db.db.select().from(mappings).where(and(eq(mappings.tenantId, 'refs'), eq(mappings.sourceKey, '4000')));
    expect(m).toMatchObject({ status: 'active', staleReason: null });
    expect(temporal.workflows.get('qbo-sync:refs:bill:wait-4000')!.signals).toEqual([{ name: 'mappingChanged', args: [{ kind: 'account', key: '4000' }] }]);
    expect(temporal.workflows.get('qbo-sync:refs:bill:wait-other')!.signals).toEqual([]);
    // A load says it is alive, page by page (tax codes are loaded in full even between full loads: QuickBooks has no CDC for them).
    expect(heartbeats).toContainEqual({ entity: 'TaxCode', start: 1 });
  });
});

describe('refreshConnectionTokens', () => {
  it('refreshes for the holder of the current token, and hands a later holder of the old one the new token without refreshing again', async () => {
    await connectedTenant('tok');
    const before = (await tokens.credentials('tok'))!;
    const refreshed = await run(acts.refreshConnectionTokens, { tenantId: 'tok', staleTokenFingerprint: tokenFingerprint(before.accessToken) });
    expect(refreshed.outcome).toBe('refreshed');
    const after = (await tokens.credentials('tok'))!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(sim.sim.stats(realms.get('tok')!).tokenRefreshes).toBe(1);

    const again = await run(acts.refreshConnectionTokens, { tenantId: 'tok', staleTokenFingerprint: tokenFingerprint(before.accessToken) });
    expect(again.outcome).toBe('already_fresh');
    expect((await tokens.credentials('tok'))!.accessToken).toBe(after.accessToken);
    expect(sim.sim.stats(realms.get('tok')!).tokenRefreshes).toBe(1);

    // What was stored is the token QuickBooks issued: calls made with it are answered.
    const vendor = sim.sim.createAsUser(realms.get('tok')!, 'Vendor', { DisplayName: 'Token Check Ltd' });
    const ref = await run(acts.readEntity, { tenantId: 'tok', recordType: 'vendor', qboId: String(vendor.Id) });
    expect(ref.qboId).toBe(String(vendor.Id));
  });

  it('marks the connection needs_reauth when QuickBooks refuses the refresh token, and calls then fail for an admin to reconnect', async () => {
    const realmId = await connectedTenant('revoked');
    sim.sim.revokeRefreshTokens(realmId);
    const current = (await tokens.credentials('revoked'))!;
    const out = await run(acts.refreshConnectionTokens, { tenantId: 'revoked', staleTokenFingerprint: tokenFingerprint(current.accessToken) });
    expect(out.outcome).toBe('invalid_grant');
    expect(out.message).toContain('an admin must reconnect QuickBooks');
    const [row] = await db.db.select().from(qboConnections).where(eq(qboConnections.tenantId, 'revoked'));
    expect(row).toMatchObject({ status: 'needs_reauth', lastError: expect.stringContaining('invalid_grant') });

    const failure = await failureOf(run(acts.readEntity, { tenantId: 'revoked', recordType: 'vendor', qboId: '1' }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('an admin must reconnect QuickBooks');
    expect(sim.sim.stats(realmId).requests).toBe(0);
  });
});
