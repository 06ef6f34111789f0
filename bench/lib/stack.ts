/**
 * The product, started the way `npm start` starts it but on free ports and throw-away data: a Temporal dev server
 * (its own SQLite file), Postgres (the embedded PGlite in a process of its own, or a dedicated database on the
 * PostgreSQL server), the QuickBooks simulator (in this process, so its ledger and stats can be read directly), the
 * worker as one or more processes of its own (`node --import tsx worker/main.ts`), and the web app (in-process `app.request`, or
 * `web/main.ts` as a process when a bench needs real HTTP). Its processes run under the supervisor `npm start` uses
 * (scripts/supervisor.ts), each stopped as a cleanup step (./proc.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createDb, type DbHandle } from '../../db/client.ts';
import { migrateDb } from '../../db/migrate.ts';
import { createScratchDatabase } from '../../db/scratch-database.ts';
import { ensureApiKey, generateApiKey } from '../../db/queries/api-keys.ts';
import type { SyncRecordInput } from '../../workflows/sync-record/types.ts';
import { createSimulator, type StartedSimulator } from '../../simulator/index.ts';
import type { SimulatorOptions } from '../../simulator/types.ts';
import type { RealmLimiterOptions } from '../../qbo/rate-limit.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import type { PayloadCodec } from '@temporalio/common';
import { createPayloadCodec, encryptingDataConverter, parsePayloadKeys } from '../../runtime/payload-codec.ts';
import { startTemporalDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { ensureTemporalCli, PROJECT_ROOT } from '../../scripts/temporal-cli.ts';
import { startOutboxDrainer } from '../../services/outbox.ts';
import { createApp } from '../../web/app.ts';
import type { SupervisedChild } from '../../scripts/supervisor.ts';
import { freePort, onCleanup, rssOf, sleep, spawnChild, supervisor } from './proc.ts';
import { readJsonOrText } from '../../runtime/http-body.ts';
import { SimTraffic } from './traffic.ts';

/** The machine's PostgreSQL (trust auth); a bench creates its own database there and drops it afterwards. */
export const PG_SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const WEBHOOK_VERIFIER = 'bench-webhook-verifier';

export interface StackOptions {
  /** Names the temp folder and the task queue. */
  name: string;
  /** `embedded`: PGlite in its own process (the product's default); `server`: a new database on PG_SERVER_URL. */
  db?: 'embedded' | 'server';
  simulator?: SimulatorOptions;
  /**
   * Per-realm limiter numbers for the worker. Unset: the product's worker/main.ts with its defaults (10 concurrent,
   * 500/min). Set: bench/lib/worker-entry.ts, which differs only in passing these numbers.
   */
  workerLimits?: RealmLimiterOptions;
  /** How many worker processes poll the task queue (default 1); `Stack.worker` is the first of them. */
  workers?: number;
  /** Extra environment for every worker process (e.g. QBO_BATCH_PER_MINUTE, QBO_REALM_BUDGET). */
  workerEnv?: Record<string, string>;
  /** Push retry policy given to workflows started through intake (unset: the product's defaults). */
  retry?: SyncRecordInput['retry'];
  /** Also run web/main.ts as a process on a free port (for HTTP load). */
  webProcess?: boolean;
  /** Extra environment for that web process (e.g. READ_MODEL_MAX_AGE_MS). */
  webEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Stack {
  dir: string;
  taskQueue: string;
  tokenKeys: string;
  /** PAYLOAD_ENCRYPTION_KEYS of the worker and web app; `client` encrypts with it too (decodeHistory reads histories). */
  payloadKeys: string;
  payloadCodec: PayloadCodec;
  temporal: { address: string; port: number; uiPort: number; dbFile: string; server: DevServer; restart(opts?: { hard?: boolean; downMs?: number }): Promise<void> };
  client: Client;
  /** `pid`: the PGlite process (embedded only). */
  db: DbHandle & { url: string; kind: 'embedded' | 'server'; name?: string; pid?: number };
  sim: StartedSimulator;
  /** Every data-API request the simulator answered, with its arrival time (./traffic.ts). */
  simTraffic: SimTraffic;
  /** The first worker process (`workers[0]`). */
  worker: WorkerHandle;
  /** All worker processes, in start order; each can be crashed and restarted on its own. */
  workers: WorkerHandle[];
  app: ReturnType<typeof createApp>;
  apiKey: string;
  /** Calls the web app in-process with the admin API key. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  web?: { url: string; child: SupervisedChild };
  close(): Promise<void>;
}

/** A JSON answer of the API, loosely typed: benches read a few known fields. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench code reads a handful of known fields
  json: any;
}

export interface WorkerHandle {
  child: SupervisedChild;
  pid: number;
  rss(): { rssMiB: number; peakMiB: number } | undefined;
  /** Starts a new worker process (after a kill) and waits until it polls. */
  restart(): Promise<void>;
  /** kill -9. */
  crash(): void;
  stop(): Promise<void>;
  /** How many processes this handle has started (1 + its restarts). */
  starts: number;
  /** The process's `worker started` log line (its task queue, realm budget and limits). */
  startedLine: string;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = mkdtempSync(join(tmpdir(), `qsh-${opts.name}-`));
  // BENCH_KEEP=1 keeps the folder (worker, Temporal and PGlite logs) for a look afterwards.
  onCleanup(`remove ${dir}`, () => (process.env.BENCH_KEEP === '1' ? console.log(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  const taskQueue = `bench-${opts.name}-${randomBytes(3).toString('hex')}`;
  const tokenKeys = generateEncryptionKeySpec('bench1');
  const payloadKeys = generateEncryptionKeySpec('benchp1');
  const payloadCodec = createPayloadCodec(parsePayloadKeys(payloadKeys));

  // Temporal dev server: own SQLite file, free ports.
  const cli = ensureTemporalCli(log);
  const port = await freePort();
  const uiPort = await freePort();
  const dbFile = join(dir, 'temporal.sqlite');
  const startDev = () => startTemporalDevServer(supervisor, { cli, dbFile, port, uiPort, namespace: 'default', logFile: join(dir, 'temporal.log') });
  let server = await startDev();
  const temporal = {
    address: server.address,
    port,
    uiPort,
    dbFile,
    get server() {
      return server;
    },
    async restart(r: { hard?: boolean; downMs?: number } = {}) {
      if (r.hard) {
        server.child.kill('SIGKILL');
        await server.child.exited;
      } else {
        await server.stop();
      }
      if (r.downMs) await sleep(r.downMs);
      server = await startDev();
    },
  };
  onCleanup('stop the Temporal dev server', () => server.stop());
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default', dataConverter: encryptingDataConverter(payloadCodec) });
  onCleanup('close the Temporal client', () => connection.close());

  // Postgres.
  const dbKind = opts.db ?? 'embedded';
  let dbUrl: string;
  let dbName: string | undefined;
  let dbPid: number | undefined;
  if (dbKind === 'server') {
    const created = await createScratchDatabase(PG_SERVER_URL, 'qsh_bench');
    onCleanup(`drop database ${created.name}`, () => created.drop());
    dbUrl = created.url;
    dbName = created.name;
  } else {
    const pg = spawnChild('pglite', process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench/lib/pglite-server.ts')], {
      logFile: join(dir, 'pglite.log'),
      cwd: PROJECT_ROOT,
      stdinPipe: true,
    });
    const line = await pg.waitForLine(/^PGLITE_URL /, 60_000);
    dbPid = pg.pid;
    dbUrl = line.split(' ')[1]!;
  }
  const dbh = createDb({ url: dbUrl, maxConnections: 5 });
  onCleanup('close the bench database pool', () => dbh.close());
  await migrateDb(dbh.db);

  // QuickBooks simulator, in this process — served as simulator/index.ts startSimulator serves it, through a tap that
  // notes every data-API request (bench/lib/traffic.ts).
  const simTraffic = new SimTraffic();
  const simulator = createSimulator({ logger: { info() {}, warn() {} }, ...opts.simulator });
  const simServer = await new Promise<ServerType>((resolve, reject) => {
    const srv = serve({ fetch: simTraffic.wrap(simulator.app.fetch), port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
    srv.once('error', reject);
  });
  const simPort = (simServer.address() as AddressInfo).port;
  const sim: StartedSimulator = {
    url: `http://127.0.0.1:${simPort}`,
    port: simPort,
    sim: simulator,
    close: async () => {
      await simulator.close();
      await new Promise<void>((resolve) => {
        simServer.close(() => resolve());
        if ('closeAllConnections' in simServer) simServer.closeAllConnections();
      });
    },
  };
  onCleanup('stop the QuickBooks simulator', () => sim.close());

  // The worker, as its own process (or several: they share the task queue and, through Postgres, each realm's
  // QuickBooks budget). WORKER_METRICS_PORT 0 = no metrics server, so several processes never compete for a port.
  const workerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    TOKEN_ENCRYPTION_KEYS: tokenKeys,
    PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
    QBO_SIM_URL: sim.url,
    QBO_WEBHOOK_VERIFIER_TOKEN: WEBHOOK_VERIFIER,
    LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'info',
    WORKER_METRICS_PORT: '0',
    ...(opts.workerLimits ? { BENCH_QBO_LIMITS: JSON.stringify(opts.workerLimits) } : {}),
    ...opts.workerEnv,
  };
  const workerFile = process.env.BENCH_WORKER_FILE ?? (opts.workerLimits ? 'bench/lib/worker-entry.ts' : 'worker/main.ts');
  // Log files: worker-1.log, worker-2.log … for the first process of each slot, then worker-<slot>-<start>.log.
  const spawnWorker = async (name: string): Promise<{ child: SupervisedChild; line: string }> => {
    const child = spawnChild(`worker#${name}`, process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, workerFile)], {
      env: workerEnv,
      logFile: join(dir, `worker-${name}.log`),
      cwd: PROJECT_ROOT,
    });
    const line = await child.waitForLine(/worker started/, 180_000);
    return { child, line };
  };
  const workerCount = Math.max(1, Math.floor(opts.workers ?? 1));
  const workerHandle = async (slot: number): Promise<WorkerHandle> => {
    // Slot 1 keeps the single-worker names (worker-1.log, worker-2.log after a restart).
    const nameOf = (start: number) => (workerCount === 1 ? String(start) : start === 1 ? String(slot) : `${slot}-${start}`);
    let current = await spawnWorker(nameOf(1));
    const handle: WorkerHandle = {
      get child() {
        return current.child;
      },
      // It printed "worker started", so it has a pid.
      get pid() {
        return current.child.pid!;
      },
      get startedLine() {
        return current.line;
      },
      starts: 1,
      rss: () => rssOf(current.child.pid!),
      async restart() {
        handle.starts += 1;
        current = await spawnWorker(nameOf(handle.starts));
      },
      crash: () => current.child.kill('SIGKILL'),
      stop: () => current.child.stop(),
    };
    return handle;
  };
  // One after another: each bundles the workflow code, which takes both cores for a while.
  const workers: WorkerHandle[] = [];
  for (let slot = 1; slot <= workerCount; slot++) workers.push(await workerHandle(slot));
  const worker = workers[0]!;

  // The web app, in-process, wired as web/main.ts wires it.
  const secrets = createSecretBox(parseEncryptionKeys(tokenKeys));
  const apiKey = generateApiKey();
  await ensureApiKey(dbh.db, { name: 'bench-admin', key: apiKey, role: 'admin' });
  const appDeps = {
    db: dbh.db,
    temporal: client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    temporalUiUrl: `http://localhost:${uiPort}`,
    payloadCodec,
    simulatorUrl: sim.url,
    secrets,
    webhookVerifierToken: WEBHOOK_VERIFIER,
    ...(opts.retry ? { workflowDefaults: { retry: opts.retry } } : {}),
  };
  const app = createApp(appDeps);
  // As web/main.ts does: what intake stored while Temporal did not answer is delivered from here.
  const drainer = startOutboxDrainer(appDeps);
  onCleanup('stop the outbox drainer', () => drainer.stop());
  const api: Stack['api'] = async (method, path, body) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = await readJsonOrText(res);
    return { status: res.status, json };
  };

  let web: Stack['web'];
  if (opts.webProcess) {
    const webPort = await freePort();
    const child = spawnChild('web', process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'web/main.ts')], {
      env: { ...workerEnv, PORT: String(webPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TEMPORAL_UI_URL: `http://localhost:${uiPort}`, ...opts.webEnv },
      logFile: join(dir, 'web.log'),
      cwd: PROJECT_ROOT,
    });
    const url = `http://127.0.0.1:${webPort}`;
    // Any answer will do (503 included): the bench only needs it serving HTTP.
    await child.waitForUrl(`${url}/healthz`, { timeoutMs: 120_000, accept: (status) => status < 500 || status === 503 });
    web = { url, child };
  }

  log(`stack: Temporal ${server.address}, Postgres ${dbKind}${dbName ? ` (${dbName})` : ''}, simulator ${sim.url}, worker pid${workers.length > 1 ? 's' : ''} ${workers.map((w) => w.pid).join(', ')}${web ? `, web ${web.url}` : ''}; logs in ${dir}`);
  return {
    dir,
    taskQueue,
    tokenKeys,
    payloadKeys,
    payloadCodec,
    temporal,
    client,
    db: Object.assign(dbh, { url: dbUrl, kind: dbKind, ...(dbName ? { name: dbName } : {}), ...(dbPid ? { pid: dbPid } : {}) }),
    sim,
    simTraffic,
    worker,
    workers,
    app,
    apiKey,
    api,
    ...(web ? { web } : {}),
    close: async () => {
      // Everything was registered with the cleanup; the script's runner calls it. Kept for symmetry in callers.
    },
  };
}
