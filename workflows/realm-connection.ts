import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { RefreshOutcome } from '../activities/connection.ts';

export interface RealmConnectionInput {
  tenantId: string;
  /** Refresh this long before the access token expires (default 10 minutes). */
  refreshAheadMs?: number;
  refreshes?: number;
}

export interface RealmConnectionState {
  tenantId: string;
  status: 'healthy' | 'refresh_due' | 'needs_reauth' | 'revoked' | 'not_connected';
  refreshes: number;
  nextRefreshAt: string | null;
  lastOutcome: RefreshOutcome['outcome'] | null;
}

/**
 * Ask for a refresh (an activity that got a 401, or a token about to expire). Answers once the token is fresh. The
 * caller names the token it saw by its fingerprint (activities/connection.ts `tokenFingerprint`): a token never
 * travels through Temporal, where it would sit in the history.
 */
export const refreshNowUpdate = defineUpdate<RefreshOutcome, [{ staleTokenFingerprint?: string; reason: string }]>('refreshNow');
/** The tenant connected again (OAuth callback, simulator connection): resume its records. */
export const reconnectedSignal = defineSignal('reconnected');
export const connectionStateQuery = defineQuery<RealmConnectionState>('connectionState');

const MAX_HISTORY_EVENTS = 2_000;

/**
 * One long-lived workflow per tenant's QuickBooks realm: the only writer of its OAuth tokens. Refreshes run one at a
 * time (rotation never races), ahead of expiry, and on request from activities that met a 401. On invalid_grant the
 * realm is marked needs_reauth (its records block as `authorization` when they next call QuickBooks); a reconnect
 * resumes them all.
 */
export async function realmConnection(input: RealmConnectionInput): Promise<void> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds' });
  // The refresh runs as a local activity: sync activities waiting for a fresh token hold the worker's activity slots,
  // and a refresh queued behind them for one of those slots never ran (drill:provider-storm). Local activities have
  // their own slots. Histories recorded before this change replay with the regular activity.
  const localRefresh = proxyLocalActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  // Telling the admins only starts a delivery workflow (activities/notify.ts): a few tries, never holding a refresh up.
  const notify = proxyLocalActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 3 },
  });
  const refreshAhead = input.refreshAheadMs ?? 10 * 60_000;
  const state: RealmConnectionState = {
    tenantId: input.tenantId,
    status: 'healthy',
    refreshes: input.refreshes ?? 0,
    nextRefreshAt: null,
    lastOutcome: null,
  };
  let reconnected = false;
  let chain: Promise<unknown> = Promise.resolve();

  const refresh = async (staleTokenFingerprint?: string): Promise<RefreshOutcome> => {
    const refreshTokens = patched('refresh-in-local-activity') ? localRefresh.refreshConnectionTokens : acts.refreshConnectionTokens;
    const result = await refreshTokens({
      tenantId: input.tenantId,
      ...(staleTokenFingerprint ? { staleTokenFingerprint } : { refreshIfExpiresWithinMs: refreshAhead }),
    });
    state.lastOutcome = result.outcome;
    if (result.outcome === 'refreshed') state.refreshes += 1;
    if (result.outcome === 'invalid_grant') {
      state.status = 'needs_reauth';
      // The tenant's admins are told once a day while it stands (histories from before notifications told nobody).
      if (patched('notify-authorization')) {
        const about = { trigger: 'authorization' as const, problem: 'refresh_failed' as const, detail: result.message ?? 'invalid_grant', day: new Date().toISOString().slice(0, 10) };
        await notify.requestNotification({ tenantId: input.tenantId, about }).catch((err: Error) => log.warn('could not ask for the reconnect message', { error: err.message }));
      }
    }
    return result;
  };
  /** Refreshes one after another, never two at once. */
  const serialized = (staleTokenFingerprint?: string): Promise<RefreshOutcome> => {
    const next = chain.then(() => refresh(staleTokenFingerprint));
    chain = next.catch(() => undefined);
    return next;
  };

  setHandler(connectionStateQuery, () => state);
  setHandler(reconnectedSignal, () => {
    reconnected = true;
  });
  setHandler(refreshNowUpdate, (req) => serialized(req.staleTokenFingerprint), {
    validator: (req) => {
      if (!req.reason) throw new Error('Say why a refresh is needed.');
    },
  });

  for (;;) {
    if (workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof realmConnection>({ ...input, refreshes: state.refreshes });
    }
    const info = await local.connectionInfo({ tenantId: input.tenantId });
    if (!info.connected || info.status === 'needs_reauth' || info.status === 'revoked') {
      state.status = info.connected ? (info.status as RealmConnectionState['status']) : 'not_connected';
      state.nextRefreshAt = null;
      await condition(() => reconnected);
    } else {
      state.status = 'healthy';
      const due = new Date(info.accessTokenExpiresAt!).getTime() - refreshAhead;
      state.nextRefreshAt = new Date(due).toISOString();
      const woke = await condition(() => reconnected || workflowInfo().historyLength > MAX_HISTORY_EVENTS, Math.max(0, due - Date.now()));
      if (!woke) {
        state.status = 'refresh_due';
        await serialized();
        continue;
      }
    }
    if (reconnected) {
      reconnected = false;
      state.status = 'healthy';
      await acts.resumeAuthorizationBlocked({ tenantId: input.tenantId });
    }
  }
}
