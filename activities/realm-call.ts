import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { TokenStore } from '../db/queries/connections.ts';
import { connectionWorkflowId } from '../domain/workflow-id.ts';
import type { QboConnectionRow } from '../db/schema.ts';
import { qboAppUrl } from '../qbo/app-links.ts';
import { classificationFor, classifyQboResponse } from '../qbo/classify.ts';
import type { QboCallContext, QboClient, QboResponse } from '../qbo/client.ts';
import type { QboEntityName } from '../qbo/types.ts';
import { productFailure, qboFailure, summarizeClassification } from '../qbo/failure.ts';
import { realmConnection, refreshNowUpdate } from '../workflows/realm-connection.ts';
import { tokenFingerprint, type RefreshOutcome } from './connection.ts';
import type { WorkerMetrics } from '../runtime/metrics.ts';
import { createRealmBatcher, type RealmBatchingOptions } from './realm-batcher.ts';

/** Refresh-and-call-again rounds after a 401 before the 401 counts as the connection's fault. */
const MAX_REFRESH_ROUNDS = 3;
/** How long an activity waits for the connection workflow's answer before it gives its slot back and retries. */
const REFRESH_WAIT_MS = 30_000;

export interface RealmCallerDeps {
  tokens: TokenStore;
  metrics?: WorkerMetrics;
  clientFor(baseUrl: string): QboClient;
  /** Web-app base of the QuickBooks UI per environment, for deep links (the simulator's ledger in development). */
  appBaseUrlFor?(connection: { environment: QboConnectionRow['environment']; baseUrl: string }): string | undefined;
  /** Ask for a refresh when the access token expires within this many ms (default one minute). */
  refreshAheadMs?: number;
  now?: () => number;
  /** Coalescing of records' duplicate lookups and writes per realm (activities/realm-batcher.ts); absent: off. */
  batching?: RealmBatchingOptions;
}

/**
 * Whose call it is, when it is not simply the current activity's: a request sent for several records (a coalesced
 * lookup, a `/batch`) refreshes tokens through one of their activities and is aborted by none of them (`signal: null`).
 */
export interface CallOptions {
  activity?: Context;
  signal?: AbortSignal | null;
}

/** How activities call QuickBooks for a tenant: with a fresh token, asking the connection workflow when it is not. */
export function createRealmCaller(deps: RealmCallerDeps) {
  const now = deps.now ?? Date.now;
  const refreshAhead = deps.refreshAheadMs ?? 60_000;

  // One question per realm and stale token per worker process: the activities that met the same expired token
  // share the answer. Temporal also refuses more than a few Updates in flight per workflow (ResourceExhausted).
  const asking = new Map<string, Promise<RefreshOutcome>>();
  function askConnection(tenantId: string, staleAccessToken: string, reason: string, activity?: Context): Promise<RefreshOutcome> {
    const staleTokenFingerprint = tokenFingerprint(staleAccessToken);
    const key = `${tenantId}\u0000${staleTokenFingerprint}`;
    const inFlight = asking.get(key);
    if (inFlight) return inFlight;
    const ctx = activity ?? Context.current();
    const question = ctx.client.workflow
      .executeUpdateWithStart(refreshNowUpdate, {
        args: [{ staleTokenFingerprint, reason }],
        startWorkflowOperation: new WithStartWorkflowOperation(realmConnection, {
          workflowId: connectionWorkflowId(tenantId),
          taskQueue: ctx.info.taskQueue,
          args: [{ tenantId }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      })
      .finally(() => asking.delete(key));
    // Every caller may have stopped waiting (REFRESH_WAIT_MS); a late failure must not become an unhandled rejection.
    question.catch(() => undefined);
    asking.set(key, question);
    return question;
  }

  /**
   * Asks the realm's connection workflow — the only writer of its tokens — for a fresh access token. Refreshes are
   * serialised there, so many activities meeting the same expired token cause one refresh.
   */
  async function refreshTokens(tenantId: string, staleAccessToken: string, reason: string, activity?: Context): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(productFailure('transient', `The QuickBooks connection did not hand out a fresh access token within ${REFRESH_WAIT_MS / 1000} s; trying again.`)),
        REFRESH_WAIT_MS,
      );
    });
    const result = await Promise.race([askConnection(tenantId, staleAccessToken, reason, activity), waited]).finally(() => clearTimeout(timer));
    if (result.outcome === 'invalid_grant' || result.outcome === 'not_connected') {
      throw qboFailure(
        classificationFor('authorization', { code: result.outcome, message: result.message }),
        result.message ?? 'The QuickBooks connection needs an admin to reconnect it.',
      );
    }
    const creds = await deps.tokens.credentials(tenantId);
    if (!creds) throw productFailure('authorization', 'The QuickBooks connection was removed.');
    return creds.accessToken;
  }

  /** Calls QuickBooks for a tenant: fresh token first, and refresh-and-retry on a 401. */
  async function callQbo(tenantId: string, call: (client: QboClient, ctx: QboCallContext) => Promise<QboResponse>, opts: CallOptions = {}): Promise<QboResponse> {
    const creds = await deps.tokens.credentials(tenantId);
    if (!creds) {
      throw productFailure('authorization', 'This tenant has no QuickBooks connection yet; an admin must connect QuickBooks.');
    }
    if (creds.status === 'needs_reauth' || creds.status === 'revoked') {
      throw qboFailure(
        classificationFor('authorization', { message: `connection ${creds.status}` }),
        `The QuickBooks connection ${creds.status === 'revoked' ? 'was revoked' : 'needs to be reconnected'}; an admin must reconnect QuickBooks.`,
      );
    }
    const client = deps.clientFor(creds.baseUrl);
    const activity = opts.activity ?? Context.current();
    const signal = opts.signal === undefined ? activity.cancellationSignal : opts.signal;
    let token = creds.accessToken;
    if (creds.accessTokenExpiresAt.getTime() - now() < refreshAhead) token = await refreshTokens(tenantId, token, 'access token about to expire', activity);
    const measured = async () => {
      const r = await call(client, { realmId: creds.realmId, accessToken: token, ...(signal ? { signal } : {}) });
      const outcome = r.transportError ? 'transport' : `${Math.floor(r.status / 100)}xx`;
      deps.metrics?.qboLatency.observe({ method: r.method, outcome }, r.durationMs / 1000);
      deps.metrics?.qboQueueWait.observe(r.queuedMs / 1000);
      return r;
    };
    let resp = await measured();
    // A 401 means the token we sent is no longer good: ask for the current one and call again. More than once,
    // because the token can be replaced again while this call waits its turn (a refresh answered "already fresh",
    // then that token expired too); a connection that cannot be refreshed ends this as invalid_grant above.
    for (let round = 1; resp.status === 401 && round <= MAX_REFRESH_ROUNDS; round++) {
      token = await refreshTokens(tenantId, token, `QuickBooks answered 401 (${resp.intuitTid ?? 'no intuit_tid'})`, activity);
      resp = await measured();
    }
    if (resp.ok) await deps.tokens.markSuccess(tenantId);
    return resp;
  }

  /** Throws the classified failure of an answer that is not a success: "QuickBooks could not <what> (…)". */
  function expectOk(resp: QboResponse, what: string): void {
    if (resp.ok) return;
    const c = classifyQboResponse(resp);
    throw qboFailure(c, `QuickBooks could not ${what} (${c.class}; ${summarizeClassification(c)}).`, { activityAttempt: Context.current().info.attempt });
  }

  /** A link to the entity in the QuickBooks web app of the tenant's connection (none for a bare simulator). */
  async function deepLink(tenantId: string, entity: QboEntityName, id: string): Promise<string | undefined> {
    const row = await deps.tokens.row(tenantId);
    if (!row) return undefined;
    const base = deps.appBaseUrlFor?.(row);
    if (row.environment === 'simulator' && !base) return undefined;
    return qboAppUrl(row.environment === 'production' ? 'production' : 'sandbox', entity, id, base);
  }

  const batcher = createRealmBatcher((tenantId, call, o) => callQbo(tenantId, call, o), deps.batching ?? { enabled: false });

  return { callQbo, refreshTokens, expectOk, deepLink, batcher };
}
