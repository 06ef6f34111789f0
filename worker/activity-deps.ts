import type { Db } from '../db/client.ts';
import { createTokenStore } from '../db/queries/connections.ts';
import type { ActivityDeps } from '../activities/index.ts';
import { createQboClient, type QboClient } from '../qbo/client.ts';
import { createQboOAuth, oauthEndpointsAt } from '../qbo/oauth.ts';
import { createRealmLimiter, type RealmLimiter, type RealmLimiterOptions } from '../qbo/rate-limit.ts';
import type { QboConnectionRow } from '../db/schema.ts';
import type { SecretBox } from '../runtime/secrets.ts';
import type { WorkerMetrics } from '../runtime/metrics.ts';

/** Intuit app credentials (production and sandbox connections); the simulator's come with each connection. */
export interface IntuitApp {
  clientId?: string;
  clientSecret?: string;
  redirectUri: string;
}


/** Wires the activities' dependencies: one per-realm limiter shared by every QuickBooks client of the process. */
export function createActivityDeps(opts: {
  db: Db;
  secrets: SecretBox;
  metrics?: WorkerMetrics;
  intuit: IntuitApp;
  limits?: RealmLimiterOptions;
  /** The per-realm limiter (e.g. the Postgres-backed one shared by every worker process); else one of this process, from `limits`. */
  limiter?: RealmLimiter;
  qboTimeoutMs?: number;
  workflowDefaults?: ActivityDeps['workflowDefaults'];
  /** E-mail, links and webhook settings of the notification activities (activities/notify.ts). */
  notify?: Omit<NonNullable<ActivityDeps['notify']>, 'secrets'>;
  /**
   * `QBO_BATCH_WRITES`: records of one realm that are ready together share duplicate lookups (`IN (…)`) and `/batch`
   * writes (activities/realm-batcher.ts). Default on.
   */
  batchWrites?: boolean;
  /** The realm's `/batch` budget per minute (`QBO_BATCH_PER_MINUTE`, default 40): half-empty batches go at this pace. */
  batchPerMinute?: number;
}): ActivityDeps {
  const limiter = opts.limiter ?? createRealmLimiter(opts.limits);
  const batchPerMinute = opts.batchPerMinute ?? opts.limits?.batchPerMinute ?? 40;
  const clients = new Map<string, QboClient>();
  return {
    db: opts.db,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.workflowDefaults ? { workflowDefaults: opts.workflowDefaults } : {}),
    // Webhook secrets are encrypted with the same keys as OAuth tokens.
    notify: { ...opts.notify, secrets: opts.secrets },
    tokens: createTokenStore(opts.db, opts.secrets),
    batching: { enabled: opts.batchWrites ?? true, batchIntervalMs: Math.ceil(60_000 / batchPerMinute) },
    // The simulator serves stand-ins for QuickBooks web-app pages, so deep links work in development too.
    appBaseUrlFor: (c) => (c.environment === 'simulator' ? `${c.baseUrl.replace(/\/+$/, '')}/_sim/app/` : undefined),
    clientFor(baseUrl) {
      let client = clients.get(baseUrl);
      if (!client) {
        client = createQboClient({ baseUrl, limiter, ...(opts.qboTimeoutMs ? { timeoutMs: opts.qboTimeoutMs } : {}) });
        clients.set(baseUrl, client);
      }
      return client;
    },
    oauthFor(connection: QboConnectionRow) {
      if (connection.environment === 'simulator') {
        return createQboOAuth({
          clientId: connection.clientId ?? '',
          clientSecret: connection.clientSecret ?? '',
          redirectUri: opts.intuit.redirectUri,
          environment: 'sandbox',
          endpoints: oauthEndpointsAt(connection.baseUrl),
        });
      }
      if (!opts.intuit.clientId || !opts.intuit.clientSecret) {
        throw new Error('QBO_CLIENT_ID and QBO_CLIENT_SECRET are needed to refresh an Intuit connection.');
      }
      return createQboOAuth({
        clientId: opts.intuit.clientId,
        clientSecret: opts.intuit.clientSecret,
        redirectUri: opts.intuit.redirectUri,
        environment: connection.environment,
      });
    },
  };
}
