import { serve } from '@hono/node-server';
import { createDb } from '../db/client.ts';
import { tokenKeysFrom } from '../runtime/config.ts';
import { entrypoint } from '../runtime/entrypoint.ts';
import { createSecretBox, parseEncryptionKeys } from '../runtime/secrets.ts';
import { connectTemporalClient } from '../runtime/temporal.ts';
import { payloadCodecFrom } from '../runtime/payload-codec.ts';
import { listTenants } from '../db/queries/tenants.ts';
import { ensureDailySchedule, ensureReconcileSchedule } from '../services/schedules.ts';
import { startOutboxDrainer } from '../services/outbox.ts';
import { startHousekeeping } from '../services/housekeeping.ts';
import { createApp } from './app.ts';

const { config, logger, run } = entrypoint('web');

async function main() {
  const payloadCodec = payloadCodecFrom(config);
  const dbh = createDb({ url: config.DATABASE_URL });
  const temporal = await connectTemporalClient({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    apiKey: config.TEMPORAL_API_KEY,
    payloadCodec,
  });
  const deps = {
    db: dbh.db,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    logger,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    payloadCodec,
    secrets: createSecretBox(parseEncryptionKeys(tokenKeysFrom(config))),
    refsRefreshMinutes: config.QBO_REFS_REFRESH_MINUTES,
    readModelMaxAgeMs: config.READ_MODEL_MAX_AGE_MS,
    workflowDefaults: { waitRecheckSeconds: config.WAIT_RECHECK_SECONDS },
    reconcileMinutes: config.RECONCILE_MINUTES,
    digestHourUtc: config.DIGEST_HOUR_UTC,
    ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
    ...(config.TRUST_PROXY ? { trustProxy: true } : {}),
    ...(config.WORKER_METRICS_URL ? { workerMetricsUrl: config.WORKER_METRICS_URL } : {}),
    intuit: { clientId: config.QBO_CLIENT_ID, clientSecret: config.QBO_CLIENT_SECRET, redirectUri: config.QBO_REDIRECT_URI, environment: config.QBO_ENVIRONMENT },
    ...(config.QBO_WEBHOOK_VERIFIER_TOKEN ? { webhookVerifierToken: config.QBO_WEBHOOK_VERIFIER_TOKEN } : {}),
    ...(config.NODE_ENV !== 'production' && config.QBO_SIM_URL ? { simulatorUrl: config.QBO_SIM_URL } : {}),
    caughtMail: config.NODE_ENV !== 'production',
  };
  const app = createApp(deps);
  // What was stored while Temporal did not answer (record versions, mapping fixes, reconnects) is delivered from here.
  const drainer = startOutboxDrainer(deps, {
    onPass: (r) => logger.info(r, 'outbox drained'),
    onError: (err) => logger.warn({ err: err.message }, 'outbox drain failed; trying again'),
  });
  // Expired sessions, OAuth states, sign-in counters and old webhook ids.
  const housekeeping = startHousekeeping(deps, {
    onPass: (purged) => logger.info(purged, 'housekeeping purged expired rows'),
    onError: (err) => logger.warn({ err: err.message }, 'housekeeping failed; trying again'),
  });
  // Every tenant's reconciler and daily notifications Schedules (a tenant created while Temporal was down gets them here at the latest).
  void (async () => {
    for (const t of await listTenants(dbh.db)) {
      await ensureReconcileSchedule(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, tenantId: t.id, minutes: config.RECONCILE_MINUTES });
      await ensureDailySchedule(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, tenantId: t.id, hourUtc: config.DIGEST_HOUR_UTC });
    }
  })().catch((err: Error) => logger.warn({ err: err.message }, 'could not create the tenant schedules; the next start tries again'));
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    logger.info({ port: info.port, host: config.HOST }, 'web listening');
  });
  let stopping = false;
  const stop = () => {
    // Ctrl-C reaches the whole process group and npm start then sends SIGTERM too: stop once.
    if (stopping) return;
    stopping = true;
    logger.info('web stopping');
    server.close(async () => {
      await drainer.stop();
      await housekeeping.stop();
      await temporal.connection.close();
      await dbh.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run(main);
