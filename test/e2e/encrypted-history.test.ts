import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { visit, walkGetWorkflowExecutionHistoryResponse } from '@temporalio/common/lib/internal-non-workflow/index.js';
import protos from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { tokenFingerprint } from '../../activities/connection.ts';
import { createTokenStore } from '../../db/queries/connections.ts';
import { connectionWorkflowId } from '../../domain/workflow-id.ts';
import { decodeHistory, encryptingDataConverter, ENCRYPTED_ENCODING } from '../../runtime/payload-codec.ts';
import { PROJECT_ROOT } from '../../scripts/temporal-cli.ts';
import { awra } from '../fixtures/awra.ts';
import { attemptSignIn, cookieValue, createConsoleUser } from '../support/console.ts';
import { createHarness, workflowBundle, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

type History = protos.temporal.api.history.v1.IHistory;

const VENDOR_NAME = 'Kilifi Solar Works Ltd';
const MEMO = 'Generator diesel for the Mombasa depot';
const BILL_NUMBER = 'BILL-ENC-5521';
const TOTAL_MINOR = 4_837_219;

let h: Harness;
let t: ConnectedTenant;
let vendorId: string;
let billId: string;
let staleToken: string;
let freshToken: string;
let refreshToken: string;

/** A history as Temporal stores it, read over the bare connection: no codec anywhere on the way. */
async function rawHistory(workflowId: string): Promise<History> {
  const events: protos.temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await h.env.connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId }, nextPageToken });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

/**
 * Every payload of a history. Markers carry, beside a local activity's (encrypted) result, the SDK core's own
 * bookkeeping (a local activity's sequence number, attempt, type and times; a patch's id), which never passes through
 * a codec: those are told apart as `coreMarker`.
 */
async function payloadsOf(history: History): Promise<{ payload: Payload; coreMarker: boolean }[]> {
  const copy = protos.temporal.api.history.v1.History.decode(protos.temporal.api.history.v1.History.encode(history).finish());
  const hex = (p: Payload) => Buffer.from(p.data ?? new Uint8Array()).toString('hex');
  const markerData = new Set(
    copy.events
      .flatMap((e) => Object.entries(e.markerRecordedEventAttributes?.details ?? {}))
      .filter(([key]) => key !== 'result')
      .flatMap(([, v]) => v.payloads ?? [])
      .map(hex),
  );
  const found: { payload: Payload; coreMarker: boolean }[] = [];
  const seen = (p: Payload) => found.push({ payload: p, coreMarker: markerData.has(hex(p)) });
  await visit({ history: copy }, walkGetWorkflowExecutionHistoryResponse, {
    transformPayload: async (p) => (seen(p), p),
    transformPayloads: async (ps) => (ps.forEach(seen), ps),
    skipSearchAttributes: true,
  });
  return found;
}

const bytesOf = (history: History) => Buffer.from(protos.temporal.api.history.v1.History.encode(history).finish());
const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString();
/** The record's fields as they could appear anywhere: AWRA's minor units, QuickBooks' decimal, the JSON number. */
const READABLE = [VENDOR_NAME, MEMO, String(TOTAL_MINOR), (TOTAL_MINOR / 100).toFixed(2)];

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, 'sealed');
  vendorId = await submit(h, awra.vendor('sealed', 'ven-1', VENDOR_NAME));
  await waitFor(h, vendorId, 'synced');
  // The bill meets an expired token: its activity asks the connection workflow for a refresh (an Update).
  staleToken = await h.accessToken('sealed');
  h.sim.sim.expireAccessTokens(t.realmId);
  const bill = awra.bill('sealed', 'bill-1', BILL_NUMBER, 'ven-1', { total: TOTAL_MINOR });
  bill.data.lines = [{ expenseAccount: '6100', description: MEMO, amount: TOTAL_MINOR, taxCategory: 'VAT16' }];
  billId = await submit(h, bill);
  await waitFor(h, billId, 'synced');
  freshToken = await h.accessToken('sealed');
  await createTokenStore(h.db.db, h.secrets).withRefreshLock('sealed', async (row) => {
    refreshToken = row.refreshToken;
    return null;
  });
});
afterAll(async () => {
  await h?.close();
});

describe('workflow histories hold no readable record data or secrets', () => {
  it('stores every payload of a fresh run encrypted, with no record field or token readable anywhere in the history', async () => {
    expect(freshToken).not.toBe(staleToken);
    for (const id of [vendorId, billId, connectionWorkflowId('sealed')]) {
      const raw = await rawHistory(id);
      const all = await payloadsOf(raw);
      const payloads = all.filter((p) => !p.coreMarker).map((p) => p.payload);
      expect(payloads.length).toBeGreaterThan(2);
      expect(payloads.filter((p) => encodingOf(p) !== ENCRYPTED_ENCODING).map(encodingOf)).toEqual([]);
      const bookkeeping = ['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time', 'id', 'deprecated'];
      for (const { payload } of all.filter((p) => p.coreMarker)) expect(bookkeeping).toEqual(expect.arrayContaining(Object.keys(JSON.parse(Buffer.from(payload.data!).toString()))));
      const stored = bytesOf(raw);
      for (const secret of [...READABLE, staleToken, freshToken, refreshToken]) expect(stored.includes(secret), `${id} holds "${secret.slice(0, 24)}"`).toBe(false);
      // The document number is a search attribute (findable in the UI on purpose), but never inside a payload.
      for (const { payload } of all) expect(Buffer.from(payload.data ?? new Uint8Array()).includes(BILL_NUMBER)).toBe(false);
    }
  });

  it('decodes the same history with the codec to the readable record', async () => {
    const raw = await rawHistory(billId);
    const decoded = await decodeHistory(raw, h.payloadCodec);
    const started = decoded.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(defaultPayloadConverter.fromPayload(started.input!.payloads![0]!)).toMatchObject({ tenantId: 'sealed', recordType: 'bill', sourceId: 'bill-1', version: 1 });
    const plain = bytesOf(decoded);
    for (const field of [VENDOR_NAME, MEMO, String(TOTAL_MINOR), BILL_NUMBER]) expect(plain.includes(field), field).toBe(true);
  });

  it('asks the connection workflow for a refresh by the stale token fingerprint, never by the token', async () => {
    const decoded = await decodeHistory(await rawHistory(connectionWorkflowId('sealed')), h.payloadCodec);
    const asked = decoded.events!.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []);
    expect(asked.length).toBeGreaterThan(0);
    for (const p of asked) {
      const arg = defaultPayloadConverter.fromPayload<Record<string, unknown>>(p);
      expect(arg).toEqual({ staleTokenFingerprint: tokenFingerprint(staleToken), reason: expect.any(String) });
    }
    const plain = bytesOf(decoded);
    for (const token of [staleToken, freshToken, refreshToken]) expect(plain.includes(token)).toBe(false);
  });

  it("keeps QuickBooks' failure messages out of the history too, while the workflow still reads them", async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'latency', latencyMs: 1500, path: '/bill', method: 'POST', count: 1 });
    const id = await submit(h, awra.bill('sealed', 'bill-closed', 'BILL-ENC-5522', 'ven-1', { txnDate: '2026-10-20' }));
    await waitFor(h, id, 'syncing');
    h.sim.sim.setPreferences(t.realmId, { closingDate: '2026-10-31' });
    try {
      const blocked = await waitFor(h, id, 'blocked');
      // The workflow read the message out of the failure (decrypted by the worker) to tell finance what happened.
      expect(blocked.actionNeeded).toContain('Account Period Closed');
    } finally {
      h.sim.sim.setPreferences(t.realmId, { closingDate: null });
    }
    const raw = await rawHistory(id);
    const failures = raw.events!.flatMap((e) => (e.activityTaskFailedEventAttributes?.failure ? [e.activityTaskFailedEventAttributes.failure] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect({ message: f.message, stackTrace: f.stackTrace }).toEqual({ message: 'Encoded failure', stackTrace: '' });
    expect(bytesOf(raw).includes('Account Period Closed')).toBe(false);
    expect(bytesOf(await decodeHistory(raw, h.payloadCodec)).includes('Account Period Closed')).toBe(true);
  });

  it('replays a fresh encrypted history with the codec, and cannot read it without', async () => {
    const raw = await rawHistory(billId);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryptingDataConverter(h.payloadCodec) }, raw, billId);
    // Without the key the workflow cannot even read its input: its first task fails.
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, raw, billId)).rejects.toThrow(/Replay failed due workflow task failure/);
  });

  it('npm run replay replays an encrypted history with PAYLOAD_ENCRYPTION_KEYS, and says what is missing without it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qsh-replay-'));
    try {
      const replay = (extra: Record<string, string>) =>
        spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/replay.ts'), billId], {
          cwd: PROJECT_ROOT,
          encoding: 'utf8',
          timeout: 120_000,
          // An empty data folder: the development key of a local npm start must not stand in.
          env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default', DATA_DIR: dataDir, PAYLOAD_ENCRYPTION_KEYS: '', ...extra },
        });
      const ok = replay({ PAYLOAD_ENCRYPTION_KEYS: h.payloadKeys });
      expect(ok.stdout + ok.stderr).toContain(`OK: the current code replays ${billId}`);
      expect(ok.status).toBe(0);
      const without = replay({});
      expect(without.status).toBe(2);
      expect(without.stderr).toMatch(/history is encrypted\. Set PAYLOAD_ENCRYPTION_KEYS/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the codec endpoint the Temporal UI decodes with', () => {
  const UI = 'http://localhost:8233';
  let sealed: { metadata: Record<string, string>; data: string };
  let cookie: string;

  beforeAll(async () => {
    const [p] = await h.payloadCodec.encode([defaultPayloadConverter.toPayload({ vendor: VENDOR_NAME })]);
    sealed = {
      metadata: Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      data: Buffer.from(p!.data!).toString('base64'),
    };
    const admin = await createConsoleUser(h, 'admin');
    const signedIn = await attemptSignIn(h.app, admin.email, admin.password);
    cookie = `qsh_session=${cookieValue(signedIn, 'qsh_session')}`;
  });

  const decode = (headers: Record<string, string>, body: unknown = { payloads: [sealed] }) =>
    h.app.request('/codec/decode', { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const readable = async (res: Response) => {
    const json = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    return json.payloads.map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString()));
  };

  it('decodes for an engineer signed in to the console, as the UI calls it (cookie, from the UI origin)', async () => {
    const res = await decode({ cookie, origin: UI });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await readable(res)).toEqual([{ vendor: VENDOR_NAME }]);
    // A UI that also passes its own sign-in token (TEMPORAL_CODEC_PASS_ACCESS_TOKEN) is judged by the cookie.
    expect((await decode({ cookie, origin: UI, authorization: 'Bearer an-oidc-access-token' })).status).toBe(200);
  });

  it('decodes for an admin API key', async () => {
    const res = await decode({ authorization: `Bearer ${h.apiKey}` });
    expect(res.status).toBe(200);
    expect(await readable(res)).toEqual([{ vendor: VENDOR_NAME }]);
  });

  it('encodes what it decodes back', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') };
    const enc = await h.app.request('/codec/encode', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.apiKey}` }, body: JSON.stringify({ payloads: [plain] }) });
    expect(enc.status).toBe(200);
    const { payloads } = (await enc.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const back = await decode({ authorization: `Bearer ${h.apiKey}` }, { payloads });
    expect(await readable(back)).toEqual(['x']);
  });

  it('refuses without credentials, with a bad key, a finance user, a tenant-bound admin or a cookie sent from another site', async () => {
    expect((await decode({ origin: UI })).status).toBe(401);
    expect((await decode({ authorization: 'Bearer qsh_not-a-key' })).status).toBe(401);
    expect((await decode({ cookie: 'qsh_session=forged' })).status).toBe(401);
    for (const user of [await createConsoleUser(h, 'finance'), await createConsoleUser(h, 'admin', { tenantId: 'sealed' })]) {
      const signedIn = await attemptSignIn(h.app, user.email, user.password);
      const res = await decode({ cookie: `qsh_session=${cookieValue(signedIn, 'qsh_session')}`, origin: UI });
      expect(res.status).toBe(403);
    }
    expect((await decode({ cookie, origin: 'http://localhost:9999' })).status).toBe(403);
  });

  it('answers the CORS preflight for the Temporal UI origin only', async () => {
    const preflight = (origin: string) =>
      h.app.request('/codec/decode', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers bad input with 4xx, never 500: broken JSON, a wrong shape, a foreign namespace, an unknown key, too much', async () => {
    const auth = { authorization: `Bearer ${h.apiKey}` };
    expect((await decode(auth, '{"payloads": [')).status).toBe(400);
    expect((await decode(auth, { payloads: [{ data: 'not base64!' }] })).status).toBe(400);
    expect((await decode(auth, { nope: true })).status).toBe(400);
    expect((await decode({ ...auth, 'x-namespace': 'other' })).status).toBe(400);
    const unknownKey = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': Buffer.from('gone').toString('base64') } };
    const refused = await decode(auth, { payloads: [unknownKey] });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(await refused.json())).toContain('key \\"gone\\"');
    const huge = await decode(auth, JSON.stringify({ payloads: [{ data: 'A'.repeat(5 * 1024 * 1024) }] }));
    expect(huge.status).toBe(413);
  });

  it('takes the large payloads a history can hold (up to 4 MiB a request)', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const [p] = await h.payloadCodec.encode([defaultPayloadConverter.toPayload(big)]);
    const json = { metadata: Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p!.data!).toString('base64') };
    const res = await decode({ authorization: `Bearer ${h.apiKey}` }, { payloads: [json] });
    expect(res.status).toBe(200);
    expect(await readable(res)).toEqual([big]);
  });

  it('passes plaintext payloads of older histories through unchanged', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"old":true}').toString('base64') };
    const res = await decode({ authorization: `Bearer ${h.apiKey}` }, { payloads: [plain, sealed] });
    expect(res.status).toBe(200);
    expect(await readable(res)).toEqual([{ old: true }, { vendor: VENDOR_NAME }]);
  });
});
