import { z } from 'zod';
import { logFormatFor, type LogFormat } from './logger.ts';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TASK_QUEUE: z.string().default('qbo-sync'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  DEV_API_KEY: z.string().min(20, 'must be at least 20 characters').optional(),
  DATA_DIR: z.string().default('.data'),
  QBO_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  /** Where the development QuickBooks simulator listens (npm start embeds it). */
  QBO_SIM_URL: z.string().url().optional(),
  /** Intuit app credentials, for real sandbox/production connections. */
  QBO_CLIENT_ID: z.string().optional(),
  QBO_CLIENT_SECRET: z.string().optional(),
  QBO_ENVIRONMENT: z.enum(['sandbox', 'production']).default('sandbox'),
  QBO_REDIRECT_URI: z.string().url().default('http://localhost:3000/connections/callback'),
  /** `kid:base64-32-byte-key[,older…]`: encrypts OAuth tokens at rest; the first encrypts, all decrypt. */
  TOKEN_ENCRYPTION_KEYS: z.string().optional(),
  /**
   * `kid:base64-32-byte-key[,older…]`: encrypts every Temporal payload (workflow and activity arguments, results,
   * failures' details) with AES-256-GCM; the first encrypts, all decrypt. npm start generates one in development.
   */
  PAYLOAD_ENCRYPTION_KEYS: z.string().optional(),
  /** The web app runs behind a reverse proxy that appends the client's address to X-Forwarded-For. */
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  /** Bearer token `/metrics` requires; without it /metrics answers 404 (it names tenants). */
  METRICS_TOKEN: z.string().min(20, 'must be at least 20 characters').optional(),
  /** Verifier token of the QuickBooks webhook subscription (intuit-signature HMAC key). */
  QBO_WEBHOOK_VERIFIER_TOKEN: z.string().optional(),
  /** Minutes between scheduled refreshes of each realm's QuickBooks lists. */
  QBO_REFS_REFRESH_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /**
   * Where each realm's QuickBooks budget is counted: `postgres` (one budget shared by every worker process) or
   * `process` (each worker process on its own: only for a single worker).
   */
  QBO_REALM_BUDGET: z.enum(['postgres', 'process']).default('postgres'),
  /** Per realm: QuickBooks requests in flight at once (QuickBooks refuses more than 10). */
  QBO_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10).default(10),
  /** Per realm: QuickBooks requests per rolling minute, `/batch` included (QuickBooks allows 500). */
  QBO_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(500).default(500),
  /** Per realm: `/batch` requests per rolling minute (40, Intuit's older guidance; 120 where a realm has the new limit). */
  QBO_BATCH_PER_MINUTE: z.coerce.number().int().min(1).max(500).default(40),
  /**
   * `on`: records of one realm that are ready at the same time share their duplicate lookups (`… IN (…)`) and go out
   * together in `/batch` requests of up to 30 writes; a record ready alone is still sent at once. `off`: one lookup and
   * one write request per record. (`true`/`false`, `1`/`0` are read the same way.)
   */
  QBO_BATCH_WRITES: z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default('on')
    .transform((v) => v === 'on' || v === 'true' || v === '1'),
  /** The worker serves its metrics (and the SDK core's) here; 0 turns it off. The core exporter uses port + 1. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65534).default(0),
  /** The web app's /metrics appends the worker's metrics from this URL. */
  WORKER_METRICS_URL: z.string().url().optional(),
  /** Milliseconds the console may reuse an aggregate read model (overview counts, action queue, mapping health). */
  READ_MODEL_MAX_AGE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** Seconds before a record waiting on a mapping, dependency or connection re-checks by itself (then doubling, up to 6 h). */
  WAIT_RECHECK_SECONDS: z.coerce.number().int().min(1).max(21_600).default(300),
  /** Minutes between two runs of each tenant's reconciler. */
  RECONCILE_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Where people open the console; every notification links into it. Default: http://localhost:<PORT>. */
  CONSOLE_URL: z.string().url().optional(),
  /** The SMTP server notifications are sent through (`smtp://user:pass@host:587`, `smtps://…`); unset → no e-mail. */
  SMTP_URL: z.string().url().optional(),
  /** The From of notification e-mails. */
  NOTIFY_FROM: z.string().min(3).default('QBO Sync Health <notifications@localhost>'),
  /** Seconds a new root cause waits before the admins are told: one that clears by itself meanwhile is never told. */
  NOTIFY_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
  /** The hour (UTC) of each tenant's daily notifications: every person's digest, the reconnect reminder. */
  DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(4),
  /** The port of the SMTP catcher `npm start` runs in development (its mail is shown in the console). */
  SMTP_CATCHER_PORT: z.coerce.number().int().min(0).max(65535).default(1025),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: readable one-line logs when stdout is a terminal outside production, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export type Config = z.infer<typeof schema>;

/** Parses the environment once, failing with every problem at the same time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** How this process writes its logs (see LOG_FORMAT). */
export function logFormat(config: Config, isTTY = process.stdout.isTTY): LogFormat {
  return logFormatFor({ setting: config.LOG_FORMAT, nodeEnv: config.NODE_ENV, isTTY });
}

/** Where people open the console (links in notifications). */
export function consoleUrlFrom(config: Config): string {
  return config.CONSOLE_URL ?? `http://localhost:${config.PORT}`;
}

/** The token encryption box from config; required (npm start provides a development key). */
export function tokenKeysFrom(config: Config): string {
  if (!config.TOKEN_ENCRYPTION_KEYS) {
    throw new Error('TOKEN_ENCRYPTION_KEYS is required: `kid:<32 random bytes, base64>` (npm start generates one in development).');
  }
  return config.TOKEN_ENCRYPTION_KEYS;
}
