import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Db } from '../db/client.ts';
import type { Principal } from '../domain/principal.ts';
import type { Logger } from '../runtime/logger.ts';
import type { SyncRecordInput } from '../workflows/sync-record/types.ts';
import type { SecretBox } from '../runtime/secrets.ts';
import type { ReadCache } from './read-cache.ts';

/** Everything the web app needs, injected by web/main.ts (or a test). */
export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** Base URL of the Temporal Web UI, for deep links to a record's workflow. */
  temporalUiUrl: string;
  /** Seconds a blocked record waits before escalating, when its tenant sets none. */
  defaultSlaSeconds?: number;
  /** The worker's metrics endpoint, appended to /metrics. */
  workerMetricsUrl?: string;
  /** Encrypts and decrypts OAuth tokens at rest. */
  secrets: SecretBox;
  /** Verifier token for QuickBooks webhook signatures; webhooks are refused without it. */
  webhookVerifierToken?: string;
  /** Minutes between scheduled refreshes of each realm's QuickBooks lists. */
  refsRefreshMinutes?: number;
  /** Intuit app settings for the OAuth connect flow (production / sandbox). */
  intuit?: { clientId?: string; clientSecret?: string; redirectUri: string; environment: 'sandbox' | 'production' };
  /** Base URL of the development QuickBooks simulator; unset in production (connections use OAuth then). */
  simulatorUrl?: string;
  /** Options passed to new workflows (tests shorten retry backoff). */
  workflowDefaults?: Pick<SyncRecordInput, 'retry' | 'historyLimit' | 'waitRecheckSeconds'>;
  /** How long the aggregate read models (overview, action queue, mapping health) are reused; 0 computes every time. */
  readModelMaxAgeMs?: number;
  /** Minutes between runs of each tenant's reconciler Schedule (created with the tenant). */
  reconcileMinutes?: number;
  /** The hour (UTC) of each tenant's daily notifications Schedule (created with the tenant; default 4). */
  digestHourUtc?: number;
  /** The app runs behind a reverse proxy: the client's address is the last X-Forwarded-For entry (TRUST_PROXY). */
  trustProxy?: boolean;
  /** Bearer token `/metrics` requires; unset: /metrics is not served. */
  metricsToken?: string;
  /** The Temporal payload codec (encryption), served to signed-in people as the Temporal UI's codec endpoint. */
  payloadCodec?: PayloadCodec;
  /** Development: the console shows what `npm start`'s SMTP catcher received (never in production). */
  caughtMail?: boolean;
}

export type AppEnv = { Variables: { principal: Principal; deps: AppDeps; reads: ReadCache } };
