import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { registerApi } from './api.ts';
import { registerAppPages } from './app-pages.ts';
import { createCompany as createCompanyIn, preferencesEntity, updatePreferences } from './company.ts';
import type { SimContext } from './context.ts';
import { registerControl } from './control.ts';
import { Engine } from './engine.ts';
import { ENTITIES, isNameList } from './entities.ts';
import { FaultRegistry, type ActiveFault } from './faults.ts';
import { SimulatedNetworkError } from './http.ts';
import { OAuthService } from './oauth.ts';
import { registerOAuth } from './oauth-routes.ts';
import { entityNamed } from './operations.ts';
import { ReplayCache } from './replay.ts';
import { emptyState, loadState, Persister, type CompanyState, type SimState } from './store.ts';
import { Meter } from './throttle.ts';
import { newIntuitTid } from './time.ts';
import type {
  CompanyCredentials,
  CreateCompanyOptions,
  EntityName,
  FaultSpec,
  LedgerQuery,
  PreferencesPatch,
  QboObject,
  RealmStats,
  ResolvedOptions,
  SimulatorOptions,
  WebhookDelivery,
} from './types.ts';
import { WebhookNotifier } from './webhooks.ts';

export type * from './types.ts';
export { SimulatedNetworkError } from './http.ts';
export { signWebhook } from './webhooks.ts';
export { ACCOUNTING_SCOPE } from './oauth.ts';

/** A running QBO simulator: the Hono app plus in-process controls for tests (the same ones /_sim exposes). */
export interface Simulator {
  readonly app: Hono;
  readonly options: ResolvedOptions;
  createCompany(opts?: CreateCompanyOptions): CompanyCredentials;
  companies(): { realmId: string; companyName: string; homeCurrency: string; multicurrency: boolean; closingDate?: string }[];
  /**
   * Deletes a company as if it were closed in QuickBooks: its entities, requestid replays, faults and statistics go,
   * and every grant of it is revoked (its tokens answer 401, a refresh `invalid_grant`). Throws for an unknown realm.
   */
  deleteCompany(realmId: string): { realmId: string; grantsRevoked: number };
  /** Every entity that exists (inactive included, deleted transactions not), each tagged with `_entity`. */
  ledger(query: LedgerQuery): QboObject[];
  injectFault(spec: FaultSpec): { id: string };
  faults(): ActiveFault[];
  removeFault(id: string): boolean;
  clearFaults(realmId?: string): number;
  /** Makes a name-list entity inactive as a QBO user would (renamed "(deleted)"); returns it. */
  deactivate(realmId: string, entity: string, id: string): QboObject;
  /**
   * Creates an entity as a person would in the QuickBooks web app (same validation; a duplicate DocNumber is
   * allowed, as QBO only warns there), for tests and demos of "someone keyed it in by hand".
   */
  createAsUser(realmId: string, entity: string, body: QboObject): QboObject;
  /**
   * Edits an entity as a person would in the web app: a sparse update of the given fields against the current
   * SyncToken (so an API client holding the old one now meets 5010), with CDC and a webhook like any change.
   */
  updateAsUser(realmId: string, entity: string, id: string, patch: QboObject): QboObject;
  /** Voids a transaction as a person would in the web app (same rules as `operation=void`). */
  voidAsUser(realmId: string, entity: string, id: string): QboObject;
  /** Deletes a transaction as a person would in the web app; returns the `status: "Deleted"` stub. */
  deleteAsUser(realmId: string, entity: string, id: string): QboObject;
  setWebhook(config: { url: string; verifierToken: string }): void;
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves when queued webhook deliveries have been attempted. */
  webhooksIdle(): Promise<void>;
  setPreferences(realmId: string, patch: PreferencesPatch): QboObject;
  expireAccessTokens(realmId: string): number;
  revokeRefreshTokens(realmId: string, includeAccessTokens?: boolean): number;
  stats(realmId: string): RealmStats;
  allStats(): RealmStats[];
  reset(): void;
  /** Writes the persistence snapshot now. */
  flush(): void;
  /** Releases requests held by timeout faults, waits for webhooks and writes the snapshot. */
  close(): Promise<void>;
}

function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  return {
    ...o,
    accessTokenTtlSec: o.accessTokenTtlSec ?? 3600,
    refreshTokenTtlSec: o.refreshTokenTtlSec ?? 8_726_400,
    rotateRefreshToken: o.rotateRefreshToken ?? 'always',
    oldRefreshTokenGraceSec: o.oldRefreshTokenGraceSec ?? 0,
    requestIdBodyMismatch: o.requestIdBodyMismatch ?? 'replay',
    replayErrorResponses: o.replayErrorResponses ?? true,
    concurrencyLimit: o.concurrencyLimit ?? 10,
    perMinuteLimit: o.perMinuteLimit ?? 500,
    batchPerMinuteLimit: o.batchPerMinuteLimit ?? 40,
    maxBatchItems: o.maxBatchItems ?? 30,
    clock: o.clock ?? Date.now,
    random: o.random ?? Math.random,
    webhookFormat: o.webhookFormat ?? 'legacy',
    webhookFetch: o.webhookFetch ?? ((input, init) => fetch(input, init)),
    authorizeAutoApprove: o.authorizeAutoApprove ?? true,
    queryActiveOnlyByDefault: o.queryActiveOnlyByDefault ?? true,
    inactiveReferenceCode: o.inactiveReferenceCode ?? '610',
    uniqueDocNumberEntities: o.uniqueDocNumberEntities ?? ['Invoice', 'Bill', 'PurchaseOrder'],
    purchaseOrderRequiresApAccount: o.purchaseOrderRequiresApAccount ?? false,
    purchaseOrderCloseOnBillLink: o.purchaseOrderCloseOnBillLink ?? true,
    defaultExchangeRate: o.defaultExchangeRate ?? 1,
    voidableEntities: o.voidableEntities ?? ['Invoice', 'Payment', 'SalesReceipt', 'BillPayment', 'CreditMemo', 'RefundReceipt'],
    refundReceiptRequiresDepositAccount: o.refundReceiptRequiresDepositAccount ?? true,
    utcOffsetMinutes: o.utcOffsetMinutes ?? -420,
    defaultClient: o.defaultClient ?? { clientId: 'qbo-sim-client', clientSecret: 'qbo-sim-secret' },
    logger: o.logger ?? pino({ name: 'qbo-simulator' }),
  };
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const opts = resolveOptions(options);
  const now = (): number => opts.clock();
  let state: SimState = opts.persistFile ? loadState(opts.persistFile) : emptyState();
  const applyWebhookOption = (): void => {
    if (opts.webhookUrl && opts.webhookVerifierToken && !state.webhook) {
      state.webhook = { url: opts.webhookUrl, verifierToken: opts.webhookVerifierToken };
    }
  };
  applyWebhookOption();

  const persister = new Persister(opts.persistFile, () => state);
  const changed = (): void => persister.changed();
  const meter = new Meter(opts, now);
  const webhooks = new WebhookNotifier({
    config: () => state.webhook,
    format: opts.webhookFormat,
    fetch: opts.webhookFetch,
    logger: opts.logger,
    utcOffsetMinutes: opts.utcOffsetMinutes,
  });
  const engine = new Engine({
    opts,
    now,
    onChange: (event) => {
      changed();
      webhooks.enqueue(event);
    },
  });
  const oauth = new OAuthService(() => state, opts, now, changed, (realmId) => meter.countRefresh(realmId));
  const faults = new FaultRegistry(opts.random);
  const replay = new ReplayCache(() => state, changed);

  // The default app is always known, so a client configured with it can run the OAuth flow before any company exists.
  const registerDefaultClient = (): void => oauth.registerClient(opts.defaultClient.clientId, opts.defaultClient.clientSecret);
  registerDefaultClient();

  const requireCompany = (realmId: string): CompanyState => {
    const company = state.companies[realmId];
    if (!company) throw new Error(`unknown realm ${realmId}`);
    return company;
  };
  const createCompany = (o?: CreateCompanyOptions): CompanyCredentials =>
    createCompanyIn({ state: () => state, opts, now, engine, oauth, changed }, o);
  /** What a web-app edit acts on: the entity as stored now, so the person never meets a stale SyncToken. */
  const existingAsUser = (realmId: string, entityName: string, id: string): { company: CompanyState; entity: EntityName; current: QboObject } => {
    const company = requireCompany(realmId);
    const entity = entityNamed(entityName);
    if (!entity) throw new Error(`unknown entity ${entityName}`);
    const current = company.entities[entity][id];
    if (!current) throw new Error(`${entity} ${id} not found`);
    return { company, entity, current };
  };

  const sim: SimContext = {
    opts,
    now,
    state: () => state,
    engine,
    oauth,
    faults,
    meter,
    replay,
    webhooks,
    logger: opts.logger,
    changed,
    hangs: new Set(),
    createCompany,
    company: (realmId) => state.companies[realmId],
  };

  const app = new Hono();
  app.use('*', async (c, next) => {
    c.header('intuit_tid', newIntuitTid(now()));
    await next();
  });
  app.onError((err, c) => {
    // A simulated network failure must surface as a failed fetch, not as an HTTP answer.
    if (err instanceof SimulatedNetworkError) throw err;
    opts.logger.warn({ err: err.stack ?? String(err), path: c.req.path }, 'qbo simulator error');
    return c.json({ error: { message: 'internal simulator error' } }, 500);
  });

  const simulator: Simulator = {
    app,
    options: opts,
    createCompany,
    companies: () =>
      Object.values(state.companies).map((co) => ({
        realmId: co.realmId,
        companyName: co.companyName,
        homeCurrency: co.prefs.homeCurrency,
        multicurrency: co.prefs.multicurrency,
        ...(co.prefs.closingDate ? { closingDate: co.prefs.closingDate } : {}),
      })),
    deleteCompany: (realmId) => {
      requireCompany(realmId);
      delete state.companies[realmId];
      const grantsRevoked = oauth.revokeRealm(realmId);
      replay.forgetRealm(realmId);
      faults.clear(realmId);
      meter.forget(realmId);
      changed();
      return { realmId, grantsRevoked };
    },
    ledger: (q) => {
      const company = requireCompany(q.realmId);
      const entity = q.entity ? entityNamed(q.entity) : undefined;
      if (q.entity && !entity) throw new Error(`unknown entity ${q.entity}`);
      const kinds = entity ? [entity] : (Object.keys(ENTITIES) as (keyof typeof ENTITIES)[]);
      return kinds.flatMap((kind) =>
        engine
          .list(company, kind)
          .filter((e) => q.docNumber === undefined || e.DocNumber === q.docNumber)
          .filter((e) => q.displayName === undefined || e.DisplayName === q.displayName)
          .filter((e) => q.name === undefined || e.Name === q.name)
          .filter((e) => q.privateNoteContains === undefined || String(e.PrivateNote ?? '').includes(q.privateNoteContains))
          .map((e) => ({ ...e, _entity: kind })),
      );
    },
    injectFault: (spec) => faults.add(spec),
    faults: () => faults.list(),
    removeFault: (id) => faults.remove(id),
    clearFaults: (realmId) => faults.clear(realmId),
    deactivate: (realmId, entityName, id) => {
      const company = requireCompany(realmId);
      const entity = entityNamed(entityName);
      if (!entity) throw new Error(`unknown entity ${entityName}`);
      if (!isNameList(entity)) throw new Error(`${entity} is not a name-list entity; only name lists are made inactive`);
      const current = company.entities[entity][id];
      if (!current) throw new Error(`${entity} ${id} not found`);
      if (current.Active === false) return engine.render(company, entity, current);
      return engine.update(company, entity, { Id: id, SyncToken: current.SyncToken, sparse: true, Active: false }, { system: {} });
    },
    createAsUser: (realmId, entityName, body) => {
      const company = requireCompany(realmId);
      const entity = entityNamed(entityName);
      if (!entity) throw new Error(`unknown entity ${entityName}`);
      const created = engine.create(company, entity, body, { include: new Set(['allowduplicatedocnum']) });
      changed();
      return created;
    },
    updateAsUser: (realmId, entityName, id, patch) => {
      const { company, entity, current } = existingAsUser(realmId, entityName, id);
      const body = { ...patch, Id: id, SyncToken: current.SyncToken, sparse: true };
      return engine.update(company, entity, body, { include: new Set(['allowduplicatedocnum']) });
    },
    voidAsUser: (realmId, entityName, id) => {
      const { company, entity, current } = existingAsUser(realmId, entityName, id);
      return engine.void(company, entity, { Id: id, SyncToken: current.SyncToken });
    },
    deleteAsUser: (realmId, entityName, id) => {
      const { company, entity, current } = existingAsUser(realmId, entityName, id);
      return engine.delete(company, entity, { Id: id, SyncToken: current.SyncToken });
    },
    setWebhook: (config) => {
      state.webhook = config;
      changed();
    },
    webhookDeliveries: () => webhooks.deliveries.map((d) => ({ ...d })),
    webhooksIdle: () => webhooks.idle(),
    setPreferences: (realmId, patch) => {
      const company = requireCompany(realmId);
      updatePreferences(company, patch, now());
      changed();
      return preferencesEntity(company, opts.utcOffsetMinutes);
    },
    expireAccessTokens: (realmId) => {
      requireCompany(realmId);
      return oauth.expireAccessTokens(realmId);
    },
    revokeRefreshTokens: (realmId, includeAccess = false) => {
      requireCompany(realmId);
      return oauth.revokeRefreshTokens(realmId, includeAccess);
    },
    stats: (realmId) => meter.stats(realmId),
    allStats: () => [...new Set([...Object.keys(state.companies), ...meter.realmIds()])].map((r) => meter.stats(r)),
    reset: () => {
      state = emptyState();
      applyWebhookOption();
      registerDefaultClient();
      faults.clear();
      meter.reset();
      webhooks.reset();
      changed();
    },
    flush: () => persister.flush(),
    close: async () => {
      for (const release of [...sim.hangs]) release();
      await webhooks.idle();
      persister.flush();
    },
  };

  registerControl(app, simulator);
  registerAppPages(app, simulator);
  registerOAuth(app, sim);
  registerApi(app, sim);
  return simulator;
}

export interface StartedSimulator {
  url: string;
  port: number;
  sim: Simulator;
  close(): Promise<void>;
}

/** Serves a simulator over HTTP (port 0 picks a free port), for clients that need a real socket. */
export async function startSimulator(opts: { port?: number; host?: string; options?: SimulatorOptions } = {}): Promise<StartedSimulator> {
  const sim = createSimulator(opts.options);
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: sim.app.fetch, port: opts.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    sim,
    close: async () => {
      await sim.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
