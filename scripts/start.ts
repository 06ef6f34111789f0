/**
 * `npm start`: the whole product on one machine with no other set-up — Temporal dev server (+ Web UI), embedded
 * Postgres, migrations, worker and web console. TEMPORAL_ADDRESS / DATABASE_URL switch the embedded parts off.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, type DbHandle } from '../db/client.ts';
import { openEmbeddedDatabase, type LocalDatabase } from '../db/embedded.ts';
import { migrateDb } from '../db/migrate.ts';
import { ensureDevApiKey, generateApiKey } from '../db/queries/api-keys.ts';
import { DEV_USERS, ensureDevUsers } from '../db/queries/users.ts';
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient, ensureSearchAttributes } from '../runtime/temporal.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { startTemporalDevServer } from './dev-server.ts';
import { createSupervisor, type SupervisedChild } from './supervisor.ts';
import { startSimulator, type StartedSimulator } from '../simulator/index.ts';
import { startMailCatcher, type MailCatcher } from './mail-catcher.ts';
import { insertCaughtMail } from '../db/queries/caught-mail.ts';
import { ensureTemporalCli, PROJECT_ROOT } from './temporal-cli.ts';
import { generateEncryptionKeySpec } from '../runtime/secrets.ts';
import { DEMO_TENANT, seedDemo, watchDemo } from './demo.ts';
import { dataDirOf, devSecret as keptSecret, forgetStart, pgliteDirOf, recordStart, runningStart } from './dev-data.ts';
import { DEV_PAYLOAD_KEYS_FILE } from './command-codec.ts';
import { createPayloadCodec, parsePayloadKeys } from '../runtime/payload-codec.ts';
import { randomBytes } from 'node:crypto';

const config = loadConfig();
const dataDir = dataDirOf(config);
const log = (line: string) => console.log(line);

const supervisor = createSupervisor();
let embeddedPg: LocalDatabase | undefined;
let progressDb: DbHandle | undefined;
let simulator: StartedSimulator | undefined;
let mailCatcher: MailCatcher | undefined;
let catcherDb: DbHandle | undefined;
let stopping = false;
let recorded = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log('Stopping…');
  // The web app, the worker, then the Temporal dev server: each stops before what it depends on.
  await supervisor.stopAll();
  await simulator?.close();
  await mailCatcher?.close();
  await catcherDb?.close().catch(() => undefined);
  await progressDb?.close().catch(() => undefined);
  await embeddedPg?.close();
  if (recorded) forgetStart(dataDir);
  log('Stopped.');
  process.exit(code);
}

function runNode(name: string, file: string, env: NodeJS.ProcessEnv): SupervisedChild {
  return supervisor.start({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(PROJECT_ROOT, file)],
    env: { ...process.env, ...env },
    // The terminal itself: at a terminal the logs are readable lines, piped they are JSON (runtime/logger.ts).
    output: 'inherit',
    // A product without its worker or web app is no use: either stopping by itself stops everything.
    onUnexpectedExit: ({ code, signal }) => {
      if (stopping) return;
      console.error(`The ${name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping everything.`);
      void shutdown(1);
    },
  });
}


const devSecret = (name: string, make: () => string) => keptSecret(dataDir, name, make);

async function main() {
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  mkdirSync(dataDir, { recursive: true });
  const already = runningStart(dataDir);
  if (already) throw new Error(`npm start is already running on ${dataDir} (pid ${already.pid}, ${already.appUrl}). Stop it with Ctrl-C first.`);

  // Everything the product stores in Temporal is encrypted with this key; the Web UI reads it through the web app's /codec.
  const payloadKeys = config.PAYLOAD_ENCRYPTION_KEYS ?? devSecret(DEV_PAYLOAD_KEYS_FILE, () => generateEncryptionKeySpec('dev1'));
  const payloadCodec = createPayloadCodec(parsePayloadKeys(payloadKeys));
  const consoleUrl = `http://localhost:${config.PORT}`;

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUiUrl = config.TEMPORAL_UI_URL;
  if (!temporalAddress) {
    const cli = ensureTemporalCli(log);
    const devServer = await startTemporalDevServer(supervisor, {
      cli,
      dbFile: join(dataDir, 'temporal.sqlite'),
      port: Number(process.env.TEMPORAL_DEV_PORT ?? 7233),
      uiPort: Number(process.env.TEMPORAL_DEV_UI_PORT ?? 8233),
      namespace: config.TEMPORAL_NAMESPACE,
      logFile: join(dataDir, 'temporal.log'),
      // localhost like the console's address: the UI's request must carry the console's session cookie.
      uiCodecEndpoint: `${consoleUrl}/codec`,
    });
    temporalAddress = devServer.address;
    temporalUiUrl = devServer.uiUrl;
  }
  const temporal = await connectTemporalClient({ address: temporalAddress, namespace: config.TEMPORAL_NAMESPACE, apiKey: config.TEMPORAL_API_KEY, payloadCodec });
  if (!config.TEMPORAL_API_KEY) {
    const added = await ensureSearchAttributes(temporal, SEARCH_ATTRIBUTES.map((k) => k.name));
    if (added.length) log(`Registered search attributes: ${added.join(', ')}`);
  }
  await temporal.connection.close();

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    // Locked for this process; the commands run beside it (user:create, db:migrate…) connect to its server.
    embeddedPg = await openEmbeddedDatabase({ dataDir: pgliteDirOf(dataDir), port: Number(process.env.EMBEDDED_PG_PORT ?? 0), exclusive: true, waitMs: 60_000 });
    databaseUrl = embeddedPg.url;
  }
  const dbh = createDb({ url: databaseUrl, maxConnections: 2 });
  await migrateDb(dbh.db);
  // The development key: never in production (keys there come from `npm run apikey`). A start with another
  // DEV_API_KEY revokes the previous one.
  let apiKey: string | undefined;
  if (config.NODE_ENV !== 'production') {
    apiKey = config.DEV_API_KEY ?? devSecret('dev-api-key', generateApiKey);
    const dev = await ensureDevApiKey(dbh.db, apiKey);
    if (dev.status === 'revoked') {
      log(`The development API key ${dev.apiKey.prefix}… was revoked; ${config.DEV_API_KEY ? 'set another DEV_API_KEY' : `delete ${join(dataDir, 'dev-api-key')}`} for a new one.`);
      apiKey = undefined;
    } else for (const k of dev.revoked) log(`Revoked the previous development API key ${k.prefix}….`);
  }
  // Console sign-in for development: the password is kept in the data folder so every start can print it.
  const devPassword = config.NODE_ENV === 'production' ? undefined : devSecret('dev-console-password', () => randomBytes(12).toString('base64url'));
  if (devPassword) await ensureDevUsers(dbh.db, devPassword);
  await dbh.close();

  // The QuickBooks simulator stands in for Intuit in development (never in production).
  let simulatorUrl = config.QBO_SIM_URL;
  if (!simulatorUrl && config.NODE_ENV !== 'production') {
    simulator = await startSimulator({ port: config.QBO_SIM_PORT, options: { persistFile: join(dataDir, 'qbo-simulator.json') } });
    simulatorUrl = simulator.url;
  }

  // E-mail in development: an SMTP catcher here takes what the worker sends; the console shows it (never in production).
  let smtpUrl = config.SMTP_URL;
  if (!smtpUrl && config.NODE_ENV !== 'production') {
    catcherDb = createDb({ url: databaseUrl, maxConnections: 1 });
    const store = catcherDb.db;
    mailCatcher = await startMailCatcher({
      port: config.SMTP_CATCHER_PORT,
      onMessage: (m) => insertCaughtMail(store, m),
      onError: (err) => log(`Mail catcher: ${err.message}`),
    });
    smtpUrl = mailCatcher.url;
  }

  const tokenKeys = config.TOKEN_ENCRYPTION_KEYS ?? devSecret('token-encryption-keys', () => generateEncryptionKeySpec('dev1'));
  const webhookVerifier = config.QBO_WEBHOOK_VERIFIER_TOKEN ?? devSecret('webhook-verifier-token', () => randomBytes(24).toString('base64url'));
  // /metrics names tenants: it answers only with this bearer token (generated and kept for development).
  const metricsToken = config.METRICS_TOKEN ?? (config.NODE_ENV === 'production' ? undefined : devSecret('metrics-token', () => randomBytes(24).toString('base64url')));
  // The simulator notifies the web app of QuickBooks changes like Intuit's webhooks would.
  simulator?.sim.setWebhook({ url: `http://127.0.0.1:${config.PORT}/webhooks/qbo`, verifierToken: webhookVerifier });

  const workerMetricsPort = config.WORKER_METRICS_PORT || Number(process.env.WORKER_METRICS_DEFAULT_PORT ?? 9464);
  const env = {
    WORKER_METRICS_PORT: String(workerMetricsPort),
    WORKER_METRICS_URL: `http://127.0.0.1:${workerMetricsPort}/metrics`,
    TOKEN_ENCRYPTION_KEYS: tokenKeys,
    PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
    QBO_WEBHOOK_VERIFIER_TOKEN: webhookVerifier,
    ...(metricsToken ? { METRICS_TOKEN: metricsToken } : {}),
    ...(simulatorUrl ? { QBO_SIM_URL: simulatorUrl } : {}),
    ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    CONSOLE_URL: config.CONSOLE_URL ?? consoleUrl,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_URL: temporalUiUrl,
  };
  runNode('worker', 'worker/main.ts', env);
  const web = runNode('web app', 'web/main.ts', env);

  const appUrl = `http://127.0.0.1:${config.PORT}`;
  // Healthy means Postgres, Temporal and the worker all answer the web app.
  await web.waitForUrl(`${appUrl}/healthz`, { timeoutMs: 120_000, intervalMs: 500 });
  recorded = true;
  recordStart(dataDir, { pid: process.pid, appUrl, ...(simulatorUrl ? { simulatorUrl } : {}), temporalAddress, temporalNamespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE });
  const banner = () => {
    log('');
    log('QBO Sync Health is running.');
    log(`  Console:       ${consoleUrl}`);
    if (devPassword) for (const u of DEV_USERS) log(`    sign in as   ${u.email.padEnd(18)} password ${devPassword}   (${u.role})`);
    if (apiKey) {
      log(`  JSON API:      ${consoleUrl}/api/v1   (Authorization: Bearer <Dev API key>)`);
      log(`  Dev API key:   ${apiKey}`);
    } else log(`  JSON API:      ${consoleUrl}/api/v1   (make a key: npm run apikey -- create --name <name> --role admin)`);
    log(`  Temporal UI:   ${temporalUiUrl}   (payloads are encrypted; README "Finding a sync in the Temporal UI" says how to read them)`);
    if (simulatorUrl) log(`  QBO simulator: ${simulatorUrl} (a local stand-in for QuickBooks Online)`);
    if (mailCatcher) log(`  Caught mail:   ${consoleUrl}/notifications/mail   (notification e-mail goes to ${mailCatcher.url}, nowhere else)`);
    log(metricsToken ? `  Metrics:       ${consoleUrl}/metrics   (Authorization: Bearer ${metricsToken})` : '  Metrics:       off (set METRICS_TOKEN)');
    log(`  Data folder:   ${dataDir}`);
    log('  Add a colleague while this runs: npm run user:create -- --email <email> --name "<name>" --role admin|finance');
    log('Press Ctrl-C to stop.');
    log('');
  };
  banner();

  // The demo company (development only; not with real Intuit credentials): through the real API and OAuth flow.
  const demoOn = config.NODE_ENV !== 'production' && !config.QBO_CLIENT_ID && simulatorUrl && apiKey && process.env.DEMO !== 'off';
  if (demoOn) {
    void (async () => {
      try {
        const seeded = await seedDemo({ baseUrl: appUrl, apiKey: apiKey!, simulatorUrl: simulatorUrl!, log });
        if (!seeded.seeded) return;
        progressDb = createDb({ url: databaseUrl!, maxConnections: 1 });
        const { settled } = await watchDemo({ db: progressDb.db, expected: seeded.records, log, stopped: () => stopping });
        if (stopping) return;
        log(settled ? `Demo: ready — every record of ${DEMO_TENANT} has synced or is waiting for a person.` : 'Demo: still syncing after 15 minutes; the console shows where each record is.');
        banner();
      } catch (err) {
        if (!stopping) log(`Demo: seeding stopped: ${(err as Error).message}`);
      } finally {
        await progressDb?.close().catch(() => undefined);
        progressDb = undefined;
      }
    })();
  }
}

main().catch(async (err) => {
  console.error((err as Error).message);
  await shutdown(1);
});
