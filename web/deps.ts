import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import type { Logger } from '../runtime/logger.ts';
import type { SyncRecordInput } from '../domain/sync.ts';

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
  /** Base URL of the development QuickBooks simulator; unset in production (connections use OAuth then). */
  simulatorUrl?: string;
  /** Options passed to new workflows (tests shorten retry backoff). */
  workflowDefaults?: Pick<SyncRecordInput, 'retry' | 'historyLimit'>;
}

export interface Principal {
  kind: 'api_key';
  id: number;
  name: string;
  role: 'admin' | 'finance' | 'awra';
  /** Null: may act for every tenant. */
  tenantId: string | null;
}

export type AppEnv = { Variables: { principal: Principal; deps: AppDeps } };
