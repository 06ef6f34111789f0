/**
 * worker/main.ts with one difference: the per-realm QuickBooks limiter takes its numbers from BENCH_QBO_LIMITS
 * (JSON `RealmLimiterOptions`), because the product has no setting for them yet. Used only where a bench measures the
 * pipeline *without* QuickBooks' 500/min ceiling (bench:fanout); every drill and the other benches run the product's
 * own worker/main.ts.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { createDb } from '../../db/client.ts';
import type { RealmLimiterOptions } from '../../qbo/rate-limit.ts';
import { loadConfig, logFormat, tokenKeysFrom } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createSecretBox, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { payloadCodecFrom } from '../../runtime/payload-codec.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { createWorker } from '../../worker/create-worker.ts';
import { sdkLogger } from '../../worker/sdk-logger.ts';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker', format: logFormat(config) });
const limits = JSON.parse(process.env.BENCH_QBO_LIMITS ?? '{}') as RealmLimiterOptions;

async function main() {
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) throw new Error('DATABASE_URL and TEMPORAL_ADDRESS are required.');
  Runtime.install({ logger: sdkLogger(logger) });
  const dbh = createDb({ url: config.DATABASE_URL });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    payloadCodec: payloadCodecFrom(config),
    activities: createActivities(
      createActivityDeps({
        db: dbh.db,
        secrets: createSecretBox(parseEncryptionKeys(tokenKeysFrom(config))),
        intuit: { redirectUri: config.QBO_REDIRECT_URI },
        limits,
        batchWrites: config.QBO_BATCH_WRITES,
        batchPerMinute: limits.batchPerMinute ?? config.QBO_BATCH_PER_MINUTE,
      }),
    ),
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, limits }, 'worker started');
  await worker.run();
  await connection.close();
  await dbh.close();
}

main().catch((err) => {
  logger.fatal({ err }, 'worker failed');
  process.exit(1);
});
