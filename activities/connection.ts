import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { StoredTokens, TokenStore } from '../db/queries/connections.ts';
import type { Db } from '../db/client.ts';
import type { QboConnectionRow } from '../db/schema.ts';
import { QboOAuthError, type QboOAuth } from '../qbo/oauth.ts';
import { resumeAfterConnection } from '../services/resume.ts';
import type { WorkerMetrics } from '../runtime/metrics.ts';

export interface ConnectionActivityDeps {
  db: Db;
  metrics?: WorkerMetrics;
  tokens: TokenStore;
  oauthFor(connection: QboConnectionRow): QboOAuth;
  /** Consider a token that expires within this window as due for refresh. */
  refreshAheadMs?: number;
  now?: () => number;
}

export interface RefreshOutcome {
  outcome: 'refreshed' | 'already_fresh' | 'invalid_grant' | 'not_connected';
  accessTokenExpiresAt?: string;
  message?: string;
}

/**
 * Names an access token without revealing it (the first 64 bits of its SHA-256): what an activity that met a stale
 * token sends the connection workflow, so tokens never appear in workflow arguments or histories.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export function createConnectionActivities(deps: ConnectionActivityDeps) {
  const now = deps.now ?? Date.now;
  const ahead = deps.refreshAheadMs ?? 60_000;
  return {
    async connectionInfo(input: { tenantId: string }): Promise<{ connected: boolean; status?: string; accessTokenExpiresAt?: string }> {
      const row = await deps.tokens.row(input.tenantId);
      if (!row) return { connected: false };
      return { connected: true, status: row.status, accessTokenExpiresAt: row.accessTokenExpiresAt.toISOString() };
    },

    /**
     * Refreshes the realm's tokens under its row lock and persists the rotated refresh token before anyone uses the
     * new access token. If the token the caller saw was already replaced and is fresh, nothing is refreshed.
     */
    async refreshConnectionTokens(input: {
      tenantId: string;
      staleTokenFingerprint?: string;
      /** Histories written before fingerprints carried the token itself; only read, never written any more. */
      staleAccessToken?: string;
      refreshIfExpiresWithinMs?: number;
    }): Promise<RefreshOutcome> {
      const stale = input.staleTokenFingerprint ?? (input.staleAccessToken !== undefined ? tokenFingerprint(input.staleAccessToken) : undefined);
      const existing = await deps.tokens.row(input.tenantId);
      if (!existing) return { outcome: 'not_connected' };
      let refused: QboOAuthError | undefined;
      let refreshed = false;
      const row = await deps.tokens.withRefreshLock(input.tenantId, async (current): Promise<StoredTokens | null> => {
        const left = current.accessTokenExpiresAt.getTime() - now();
        // Someone refreshed since the caller read its token: use theirs (a second refresh would rotate again).
        if (stale !== undefined && tokenFingerprint(current.accessToken) !== stale && left > ahead) return null;
        // A scheduled refresh that is not due yet.
        if (stale === undefined && left > (input.refreshIfExpiresWithinMs ?? ahead)) return null;
        try {
          const t = await deps.oauthFor(current).refresh(current.refreshToken);
          refreshed = true;
          return { ...t, refreshTokenHardExpiresAt: t.refreshTokenHardExpiresAt ?? null };
        } catch (err) {
          if (err instanceof QboOAuthError && (err.code === 'invalid_grant' || err.code === 'invalid_client')) {
            refused = err;
            return null;
          }
          throw err;
        }
      });
      if (refused) {
        deps.metrics?.tokenRefreshes.inc({ outcome: 'invalid_grant' });
        const e = refused as QboOAuthError;
        await deps.tokens.markStatus(input.tenantId, 'needs_reauth', `Token refresh refused (${e.code}): ${e.message}`);
        return { outcome: 'invalid_grant', message: `QuickBooks refused the refresh token (${e.code}); an admin must reconnect QuickBooks.` };
      }
      if (refreshed) deps.metrics?.tokenRefreshes.inc({ outcome: 'refreshed' });
      return { outcome: refreshed ? 'refreshed' : 'already_fresh', accessTokenExpiresAt: row.accessTokenExpiresAt.toISOString() };
    },

    /** Every record of the tenant blocked on authorization continues by itself. */
    async resumeAuthorizationBlocked(input: { tenantId: string }): Promise<number> {
      return resumeAfterConnection(deps.db, Context.current().client, input.tenantId);
    },
  };
}
