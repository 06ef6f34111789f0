/**
 * Batched pushes (issue 18): pushRecord and findDuplicates built exactly as the worker builds them, run under
 * `MockActivityEnvironment` against an in-process PGlite and the QuickBooks simulator. Several records of one realm
 * pushed at the same time share `/batch` requests and `IN (…)` lookups; each keeps its own answer, evidence and retry.
 * Nothing here depends on how fast anything runs: which records end up together is not asserted, only what each
 * record got and that requests were shared.
 */
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities/index.ts';
import { createTokenStore, type TokenStore } from '../../db/queries/connections.ts';
import { syncAttempts } from '../../db/schema.ts';
import { awraRecordSchema, type AwraRecord } from '../../domain/records.ts';
import { pushRequestId } from '../../domain/request-id.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { startSimulator, type StartedSimulator } from '../../simulator/index.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import type { PushInput, PushResult } from '../../workflows/sync-record/types.ts';
import { vendorRecord } from '../fixtures/records.ts';
import { simulatorTenant } from '../support/sim-tenant.ts';
import { createFastDb, type FastDb } from '../support/fast-db.ts';
import { createFakeTemporal, type FakeTemporal } from '../support/fast-temporal.ts';

let db: FastDb;
let sim: StartedSimulator;
let temporal: FakeTemporal;
let tokens: TokenStore;
/** Batching on, with a short gathering window so the tests do not wait long. */
let batched: Activities;
/** `QBO_BATCH_WRITES=off`. */
let unbatched: Activities;
const realms = new Map<string, string>();

async function connectedTenant(tenantId: string): Promise<string> {
  const realmId = await simulatorTenant({ db: db.db, tokens, sim }, tenantId);
  realms.set(tenantId, realmId);
  return realmId;
}

beforeAll(async () => {
  [db, sim] = await Promise.all([createFastDb(), startSimulator({ port: 0, options: { logger: { info() {}, warn() {} } } })]);
  const secrets = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
  tokens = createTokenStore(db.db, secrets);
  temporal = createFakeTemporal();
  const base = { db: db.db, secrets, intuit: { redirectUri: 'http://localhost/callback' }, qboTimeoutMs: 5_000 };
  batched = createActivities(createActivityDeps({ ...base, batchPerMinute: 600 }));
  unbatched = createActivities(createActivityDeps({ ...base, batchWrites: false }));
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

function env(attempt = 1) {
  return new MockActivityEnvironment({ attempt }, { client: temporal.client, logger: new DefaultLogger('ERROR') });
}

const vendors = (tenantId: string, prefix: string, n: number): AwraRecord[] =>
  Array.from({ length: n }, (_, i) => awraRecordSchema.parse(vendorRecord({ tenantId, sourceId: `${prefix}-${i + 1}`, displayName: `${prefix} Supplies ${i + 1}` })));

const workflowIdOf = (r: AwraRecord) => `qbo-sync:${r.tenantId}:${r.recordType}:${r.sourceId}`;

function pushInput(r: AwraRecord): PushInput {
  return { tenantId: r.tenantId, workflowId: workflowIdOf(r), record: r, refs: [], requestId: pushRequestId(workflowIdOf(r), r.version, 1), attemptNo: 1, allowDuplicate: false, homeCurrency: 'KES' };
}

/** Pushes every record at the same time, each in its own activity; the outcome of each (result or failure). */
function pushAll(acts: Activities, records: AwraRecord[], attempt = 1): Promise<Array<PromiseSettledResult<PushResult>>> {
  return Promise.allSettled(records.map((r) => env(attempt).run(acts.pushRecord, pushInput(r)) as Promise<PushResult>));
}

const attemptsOf = (records: AwraRecord[]) => db.db.select().from(syncAttempts).where(inArray(syncAttempts.workflowId, records.map(workflowIdOf)));
const requests = (tenantId: string) => sim.sim.stats(realms.get(tenantId)!).requests;
const vendorsNamed = (tenantId: string, name: string) => sim.sim.ledger({ realmId: realms.get(tenantId)!, entity: 'Vendor' }).filter((e) => e.DisplayName === name);

describe('batched pushes', () => {
  it('sends a record that is ready alone at once, as a plain create with its own requestid', async () => {
    await connectedTenant('alone');
    const [r] = vendors('alone', 'solo', 1);
    const before = requests('alone');
    const [out] = await pushAll(batched, [r!]);
    expect(out).toMatchObject({ status: 'fulfilled', value: { adopted: false, externalRef: { entity: 'Vendor' } } });
    expect(requests('alone') - before).toBe(1);
    const [attempt] = await attemptsOf([r!]);
    expect(attempt).toMatchObject({ requestId: pushInput(r!).requestId, class: 'accepted', httpStatus: 200, batchRequestId: null, batchItemId: null });
  });

  it('sends records that are ready together in shared /batch requests, each with its own entity and evidence', async () => {
    await connectedTenant('many');
    const records = vendors('many', 'bulk', 12);
    const before = requests('many');
    const outs = await pushAll(batched, records);
    expect(outs.every((o) => o.status === 'fulfilled')).toBe(true);
    // Fewer requests than records: records shared requests.
    expect(requests('many') - before).toBeLessThan(records.length);
    for (const r of records) expect(vendorsNamed('many', (r.data as { displayName: string }).displayName)).toHaveLength(1);

    const attempts = await attemptsOf(records);
    expect(attempts).toHaveLength(records.length);
    const inBatch = attempts.filter((a) => a.batchRequestId);
    expect(inBatch.length).toBeGreaterThan(1);
    for (const a of attempts) {
      // The record's own logical requestid stays its requestid; the batch's is beside it.
      expect(a.requestId).toBe(pushInput(records.find((r) => workflowIdOf(r) === a.workflowId)!).requestId);
      expect(a.class).toBe('accepted');
    }
    const byBatch = new Map<string, typeof inBatch>();
    for (const a of inBatch) byBatch.set(a.batchRequestId!, [...(byBatch.get(a.batchRequestId!) ?? []), a]);
    for (const [id, rows] of byBatch) {
      expect(id.length).toBeLessThanOrEqual(36);
      expect(rows.length).toBeLessThanOrEqual(30);
      const bIds = rows.map((a) => a.batchItemId!);
      expect(new Set(bIds).size).toBe(rows.length);
      expect(bIds.every((b) => b.length <= 10)).toBe(true);
    }
    // Each record's entity is its own.
    const ids = outs.map((o) => (o as PromiseFulfilledResult<PushResult>).value.externalRef.qboId);
    expect(new Set(ids).size).toBe(records.length);
  });

  it('classifies a Fault inside the batch answer for its own record only, and keeps it with the batch requestid and bId', async () => {
    await connectedTenant('fault');
    const records = vendors('fault', 'mixed', 8);
    // Someone keyed one of the names in by hand: QuickBooks refuses that create (6240) inside the 200.
    const twin = records[5]!;
    sim.sim.createAsUser(realms.get('fault')!, 'Vendor', { DisplayName: (twin.data as { displayName: string }).displayName });
    const outs = await pushAll(batched, records);
    const failed = outs[5]!;
    expect(failed.status).toBe('rejected');
    const err = (failed as PromiseRejectedResult).reason as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(true);
    outs.forEach((o, i) => i !== 5 && expect(o.status).toBe('fulfilled'));
    const [row] = await db.db.select().from(syncAttempts).where(eq(syncAttempts.workflowId, workflowIdOf(twin)));
    expect(row).toMatchObject({ class: 'duplicate_risk', code: '6240', httpStatus: 200 });
    if (row!.batchRequestId) expect(row!.batchItemId).toMatch(/^b\d+$/);
  });

  it('turns a lost batch answer into outcome-uncertain failures, and the retries look up and adopt instead of creating twice', async () => {
    const realmId = await connectedTenant('lost');
    const records = vendors('lost', 'gone', 10);
    sim.sim.injectFault({ realmId, path: '/batch', method: 'POST', kind: 'drop_after_commit', count: 1 });
    const first = await pushAll(batched, records);
    const uncertain = records.filter((_, i) => first[i]!.status === 'rejected');
    // Whatever went in the lost batch is uncertain (a record sent alone before it was answered normally).
    expect(uncertain.length).toBeGreaterThan(1);
    const rows = await attemptsOf(uncertain);
    expect(rows.every((a) => a.class === 'outcome_uncertain' && a.batchRequestId && a.batchItemId)).toBe(true);
    for (const o of first) if (o.status === 'rejected') expect((o.reason as ApplicationFailure).nonRetryable).toBe(false);

    // Temporal's retry of each: QuickBooks did commit the batch, so each record finds its own entity.
    const retried = await pushAll(batched, uncertain, 2);
    for (const o of retried) expect(o).toMatchObject({ status: 'fulfilled', value: { adopted: true, activityAttempt: 2 } });
    for (const r of records) expect(vendorsNamed('lost', (r.data as { displayName: string }).displayName)).toHaveLength(1);
  });

  it('looks up the duplicates of records ready together in shared IN queries, each getting its own candidates', async () => {
    const realmId = await connectedTenant('lookups');
    const records = vendors('lookups', 'look', 10);
    const theirs = sim.sim.createAsUser(realmId, 'Vendor', { DisplayName: (records[3]!.data as { displayName: string }).displayName });
    const before = requests('lookups');
    const found = await Promise.all(
      records.map((r) => env().run(batched.findDuplicates, { tenantId: 'lookups', workflowId: workflowIdOf(r), record: r }) as ReturnType<Activities['findDuplicates']>),
    );
    expect(requests('lookups') - before).toBeLessThan(records.length);
    found.forEach((f, i) => {
      expect(f.adopt).toBeNull();
      expect(f.candidates).toEqual(i === 3 ? [expect.objectContaining({ entity: 'Vendor', qboId: String(theirs.Id), source: 'qbo_query' })] : []);
    });
  });

  it('sends sparse updates of records ready together in a shared /batch, each updating its own entity', async () => {
    await connectedTenant('upd');
    const records = vendors('upd', 'edit', 6);
    const created = await pushAll(batched, records);
    const refs = created.map((o) => (o as PromiseFulfilledResult<PushResult>).value.externalRef);
    const renamed = records.map((r, i) => awraRecordSchema.parse(vendorRecord({ tenantId: 'upd', sourceId: r.sourceId, version: 2, displayName: `edit Renamed ${i + 1}` })));
    const outs = await Promise.all(
      renamed.map(
        (r, i) =>
          env().run(batched.pushRecord, { ...pushInput(r), requestId: pushRequestId(workflowIdOf(r), 2, 2), attemptNo: 2, updateOf: refs[i]!, overwrite: true }) as Promise<PushResult>,
      ),
    );
    outs.forEach((o, i) => expect(o.externalRef.qboId).toBe(refs[i]!.qboId));
    for (const [i, ref] of refs.entries()) {
      const [v] = sim.sim.ledger({ realmId: realms.get('upd')!, entity: 'Vendor' }).filter((e) => String(e.Id) === ref.qboId);
      expect(v).toMatchObject({ DisplayName: `edit Renamed ${i + 1}` });
    }
    const updates = (await attemptsOf(renamed)).filter((a) => a.attemptNo === 2);
    expect(updates.every((a) => a.class === 'accepted')).toBe(true);
    expect(updates.some((a) => a.batchRequestId)).toBe(true);
  });

  it('sends one lookup and one write per record when batching is off', async () => {
    await connectedTenant('off');
    const records = vendors('off', 'single', 6);
    const before = requests('off');
    const outs = await pushAll(unbatched, records);
    expect(outs.every((o) => o.status === 'fulfilled')).toBe(true);
    expect(requests('off') - before).toBe(records.length);
    expect((await attemptsOf(records)).every((a) => a.batchRequestId === null)).toBe(true);
  });
});
