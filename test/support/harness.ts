import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PayloadCodec } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from '../../activities/index.ts';
import { ensureApiKey, generateApiKey } from '../../db/queries/api-keys.ts';
import { createApp } from '../../web/app.ts';
import type { AppDeps } from '../../web/deps.ts';
import { createWorker, WORKFLOW_BUNDLE_OPTIONS } from '../../worker/create-worker.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { startSimulator, type StartedSimulator } from '../../simulator/index.ts';
import type { SimulatorOptions } from '../../simulator/types.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys, type SecretBox } from '../../runtime/secrets.ts';
import { createPayloadCodec, decodeHistory, encryptingDataConverter, parsePayloadKeys } from '../../runtime/payload-codec.ts';
import { createTokenStore } from '../../db/queries/connections.ts';
import type { AddressInfo } from 'node:net';
import { createWorkerMetrics } from '../../runtime/metrics.ts';
import { startMetricsServer } from '../../worker/metrics-server.ts';

/** The webhook verifier token the test web app and simulator share. */
export const WEBHOOK_VERIFIER = 'test-webhook-verifier-token';
import { createTestDb, type TestDb } from './db.ts';
import { readJsonOrText } from '../../runtime/http-body.ts';

// Keep test output readable: only the SDK's warnings and errors.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}

let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>> | undefined;

/** The workflow bundle, built once per test file. */
export async function workflowBundle() {
  bundle ??= await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never });
  return bundle;
}

export interface Harness {
  db: TestDb;
  secrets: SecretBox;
  /** The TOKEN_ENCRYPTION_KEYS value of `secrets` (for a worker run as a process). */
  tokenKeys: string;
  /** Encrypts every payload of this harness's worker and clients (a fresh key per harness). */
  payloadCodec: PayloadCodec;
  /** The PAYLOAD_ENCRYPTION_KEYS value of that codec (for a command run as a process). */
  payloadKeys: string;
  /** The tenant's current QuickBooks access token (decrypted from the token store). */
  accessToken(tenantId: string): Promise<string>;
  sim: StartedSimulator;
  /** `env.client` and the worker use the payload codec; `env.connection` is a bare connection (raw payloads). */
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
  app: ReturnType<typeof createApp>;
  /** What the web app was built from (e.g. to build a second app whose Temporal is down). */
  deps: AppDeps;
  apiKey: string;
  /** Calls the web app in-process with the admin API key. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/**
 * A real product stack for one test file: its own database, a worker on its own task queue against the shared
 * dev server, and the web app wired to both.
 */
export interface HarnessOptions {
  simulator?: SimulatorOptions;
  /** Push retry policy for workflows started through the API (short in tests). */
  retry?: { initialIntervalMs?: number; maximumIntervalMs?: number; maximumAttempts?: number };
  historyLimit?: number;
  /** The first re-check of an automatic wait (default: the product's 300 s, i.e. never within a test). */
  waitRecheckSeconds?: number;
  /** The web app's read cache (off unless set: most tests read right after a worker changed something). */
  readModelMaxAgeMs?: number;
  /** The worker's activity slots (default 100). */
  maxActivities?: number;
  /** The notification activities' settings (activities/notify.ts): SMTP, console links, the delivery retry policy. */
  notify?: NonNullable<Parameters<typeof createActivityDeps>[0]['notify']>;
}

export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDb();
  const sim = await startSimulator({ port: 0, options: { logger: { info() {}, warn() {} }, ...opts.simulator } });
  const payloadKeys = generateEncryptionKeySpec('test');
  const payloadCodec = createPayloadCodec(parsePayloadKeys(payloadKeys));
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: inject('temporalAddress'),
    client: { dataConverter: encryptingDataConverter(payloadCodec) },
  });
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const tokenKeys = generateEncryptionKeySpec();
  const secrets = createSecretBox(parseEncryptionKeys(tokenKeys));
  const metrics = createWorkerMetrics();
  const metricsServer = await startMetricsServer({ port: 0, registry: metrics.registry });
  const metricsPort = (metricsServer.address() as AddressInfo).port;
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    payloadCodec,
    activities: createActivities(
      createActivityDeps({ db: db.db, secrets, metrics, intuit: { redirectUri: 'http://localhost/callback' }, qboTimeoutMs: 5_000, ...(opts.notify ? { notify: opts.notify } : {}) }),
    ),
    workflowBundle: await workflowBundle(),
    ...(opts.maxActivities ? { maxConcurrentActivityTaskExecutions: opts.maxActivities } : {}),
  });
  const running = worker.run();
  const apiKey = generateApiKey();
  await ensureApiKey(db.db, { name: 'test-admin', key: apiKey, role: 'admin' });
  const deps: AppDeps = {
    db: db.db,
    temporal: env.client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    temporalUiUrl: 'http://localhost:8233',
    payloadCodec,
    simulatorUrl: sim.url,
    secrets,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    webhookVerifierToken: WEBHOOK_VERIFIER,
    ...(opts.readModelMaxAgeMs ? { readModelMaxAgeMs: opts.readModelMaxAgeMs } : {}),
    workflowDefaults: {
      retry: { initialIntervalMs: 100, maximumIntervalMs: 1_000, maximumAttempts: 6, ...opts.retry },
      ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
      ...(opts.waitRecheckSeconds ? { waitRecheckSeconds: opts.waitRecheckSeconds } : {}),
    },
  };
  const app = createApp(deps);
  const tokens = createTokenStore(db.db, secrets);
  return {
    db,
    secrets,
    tokenKeys,
    payloadCodec,
    payloadKeys,
    async accessToken(tenantId) {
      const creds = await tokens.credentials(tenantId);
      if (!creds) throw new Error(`${tenantId} is not connected`);
      return creds.accessToken;
    },
    sim,
    env,
    taskQueue,
    worker,
    app,
    deps,
    apiKey,
    async api(method, path, body, headers = {}) {
      const res = await app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const json = await readJsonOrText(res);
      return { status: res.status, json };
    },
    async close() {
      // A test may have stopped it already, to leave its task queue to workers run as processes.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await env.teardown();
      await sim.close();
      metricsServer.close();
      await db.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Saves a workflow's history into test/histories/ for the replay suite when EXPORT_HISTORIES=1 (run the e2e tests
 * that way after a deliberate workflow change, and commit the files). Saved decrypted: each harness encrypts with a
 * key of its own, which the replay suite does not have, and test data is no secret.
 */
export async function exportHistory(h: Harness, workflowId: string, name: string): Promise<void> {
  if (process.env.EXPORT_HISTORIES !== '1') return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
  const { writeFileSync } = await import('node:fs');
  const history = await decodeHistory(await h.env.client.workflow.getHandle(workflowId).fetchHistory(), h.payloadCodec);
  writeFileSync(new URL(`../histories/${name}.json`, import.meta.url), `${historyToJSON(history)}\n`);
}
