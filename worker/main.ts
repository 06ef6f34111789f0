import { NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { createDb } from '../db/client.ts';
import { consoleUrlFrom, tokenKeysFrom } from '../runtime/config.ts';
import { entrypoint } from '../runtime/entrypoint.ts';
import { createSecretBox, parseEncryptionKeys } from '../runtime/secrets.ts';
import { payloadCodecFrom } from '../runtime/payload-codec.ts';
import { sdkLogger } from './sdk-logger.ts';
import { createActivityDeps } from './activity-deps.ts';
import { createWorker } from './create-worker.ts';
import { startMetricsServer } from './metrics-server.ts';
import { createWorkerMetrics } from '../runtime/metrics.ts';
import { createMailer } from '../runtime/mailer.ts';
import { createRealmLimiter } from '../qbo/rate-limit.ts';
import { createSharedRealmLimiter } from '../qbo/shared-rate-limit.ts';
import { createRealmBudgetStore } from '../db/queries/realm-budget.ts';

const { config, logger, run } = entrypoint('worker');

async function main() {
  const payloadCodec = payloadCodecFrom(config);
  // The SDK core's own metrics (task latencies, pollers, sticky cache…) on a private port the metrics server reads.
  const corePort = config.WORKER_METRICS_PORT ? config.WORKER_METRICS_PORT + 1 : undefined;
  Runtime.install({
    ...(corePort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } } } : {}),
    logger: sdkLogger(logger),
  });
  const dbh = createDb({ url: config.DATABASE_URL });
  const metrics = createWorkerMetrics();
  const metricsServer = config.WORKER_METRICS_PORT
    ? await startMetricsServer({ port: config.WORKER_METRICS_PORT, registry: metrics.registry, coreMetricsUrl: `http://127.0.0.1:${corePort}/metrics` })
    : undefined;
  // Notification e-mail (activities/notify.ts); without SMTP_URL e-mails are recorded as not sent, saying why.
  const mailer = config.SMTP_URL ? createMailer(config.SMTP_URL) : undefined;
  // Each realm's QuickBooks budget, counted in Postgres so that every worker process shares it (docs/scaling.md).
  const limits = { concurrency: config.QBO_MAX_IN_FLIGHT, perMinute: config.QBO_REQUESTS_PER_MINUTE, batchPerMinute: config.QBO_BATCH_PER_MINUTE };
  const sharedLimiter =
    config.QBO_REALM_BUDGET === 'postgres'
      ? createSharedRealmLimiter({ ...limits, store: createRealmBudgetStore(dbh.db), onError: (err, what) => logger.warn({ err, what }, 'realm budget store call failed') })
      : undefined;
  const connection = await NativeConnection.connect({
    address: config.TEMPORAL_ADDRESS,
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY, tls: true } : {}),
  });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    payloadCodec,
    activities: createActivities(
      createActivityDeps({
        db: dbh.db,
        metrics,
        secrets: createSecretBox(parseEncryptionKeys(tokenKeysFrom(config))),
        intuit: { clientId: config.QBO_CLIENT_ID, clientSecret: config.QBO_CLIENT_SECRET, redirectUri: config.QBO_REDIRECT_URI },
        workflowDefaults: { waitRecheckSeconds: config.WAIT_RECHECK_SECONDS },
        limiter: sharedLimiter ?? createRealmLimiter(limits),
        batchWrites: config.QBO_BATCH_WRITES,
        batchPerMinute: config.QBO_BATCH_PER_MINUTE,
        notify: { ...(mailer ? { mailer } : {}), mailFrom: config.NOTIFY_FROM, consoleUrl: consoleUrlFrom(config), rootCauseGraceSeconds: config.NOTIFY_GRACE_SECONDS },
      }),
    ),
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE, realmBudget: config.QBO_REALM_BUDGET, ...limits }, 'worker started');
  // Runtime.install's default shutdown signals (SIGINT, SIGTERM) drain the worker; run() resolves after that.
  await worker.run();
  sharedLimiter?.close();
  await connection.close();
  metricsServer?.close();
  mailer?.close();
  await dbh.close();
  logger.info('worker stopped');
}

run(main);
