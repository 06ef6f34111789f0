import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { qboConnections, type QboConnectionRow } from '../schema.ts';

export type ConnectionStatus = QboConnectionRow['status'];

/** What an activity needs to call QuickBooks for a tenant. */
export interface RealmCredentials {
  tenantId: string;
  realmId: string;
  baseUrl: string;
  environment: QboConnectionRow['environment'];
  accessToken: string;
  accessTokenExpiresAt: Date;
  status: ConnectionStatus;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
  refreshTokenHardExpiresAt?: Date | null;
}

/**
 * The one token-store interface: every read and write of a realm's OAuth tokens goes through it. A refresh runs
 * inside `withRefreshLock`, so two refreshes of one realm never race and a rotated refresh token is persisted
 * before anyone uses the new access token.
 */
export interface TokenStore {
  credentials(tenantId: string): Promise<RealmCredentials | undefined>;
  connect(input: {
    tenantId: string;
    realmId: string;
    baseUrl: string;
    environment: QboConnectionRow['environment'];
    tokens: StoredTokens;
    clientId?: string | null;
    clientSecret?: string | null;
    scopes?: string;
  }): Promise<void>;
  /**
   * Runs `refresh` while holding the realm's row lock. `refresh` gets the current row (someone may have refreshed
   * while we waited) and returns new tokens to store, or null to keep what is there.
   */
  withRefreshLock(tenantId: string, refresh: (row: QboConnectionRow) => Promise<StoredTokens | null>): Promise<QboConnectionRow>;
  markStatus(tenantId: string, status: ConnectionStatus, error?: string): Promise<void>;
  markSuccess(tenantId: string): Promise<void>;
  row(tenantId: string): Promise<QboConnectionRow | undefined>;
}

export function createTokenStore(db: Db): TokenStore {
  return {
    async credentials(tenantId) {
      const [row] = await db.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId));
      if (!row) return undefined;
      return {
        tenantId,
        realmId: row.realmId,
        baseUrl: row.baseUrl,
        environment: row.environment,
        accessToken: row.accessToken,
        accessTokenExpiresAt: row.accessTokenExpiresAt,
        status: row.status,
      };
    },
    async connect(input) {
      const values = {
        tenantId: input.tenantId,
        realmId: input.realmId,
        baseUrl: input.baseUrl,
        environment: input.environment,
        accessToken: input.tokens.accessToken,
        refreshToken: input.tokens.refreshToken,
        accessTokenExpiresAt: input.tokens.accessTokenExpiresAt,
        refreshTokenExpiresAt: input.tokens.refreshTokenExpiresAt,
        refreshTokenHardExpiresAt: input.tokens.refreshTokenHardExpiresAt ?? null,
        clientId: input.clientId ?? null,
        clientSecret: input.clientSecret ?? null,
        scopes: input.scopes ?? 'com.intuit.quickbooks.accounting',
        status: 'healthy' as const,
        lastError: null,
        lastErrorAt: null,
        connectedAt: new Date(),
        updatedAt: new Date(),
      };
      const { tenantId: _t, ...update } = values;
      await db.insert(qboConnections).values(values).onConflictDoUpdate({ target: qboConnections.tenantId, set: update });
    },
    async withRefreshLock(tenantId, refresh) {
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId)).for('update');
        if (!row) throw new Error(`Tenant ${tenantId} has no QuickBooks connection.`);
        const next = await refresh(row);
        if (!next) return row;
        const [updated] = await tx
          .update(qboConnections)
          .set({
            accessToken: next.accessToken,
            refreshToken: next.refreshToken,
            accessTokenExpiresAt: next.accessTokenExpiresAt,
            refreshTokenExpiresAt: next.refreshTokenExpiresAt,
            ...(next.refreshTokenHardExpiresAt ? { refreshTokenHardExpiresAt: next.refreshTokenHardExpiresAt } : {}),
            status: 'healthy',
            lastRefreshAt: new Date(),
            lastError: null,
            updatedAt: new Date(),
          })
          .where(eq(qboConnections.tenantId, tenantId))
          .returning();
        return updated!;
      });
    },
    async markStatus(tenantId, status, error) {
      await db
        .update(qboConnections)
        .set({ status, ...(error ? { lastError: error, lastErrorAt: new Date() } : {}), updatedAt: new Date() })
        .where(eq(qboConnections.tenantId, tenantId));
    },
    async markSuccess(tenantId) {
      await db.update(qboConnections).set({ lastSuccessAt: sql`now()` }).where(eq(qboConnections.tenantId, tenantId));
    },
    async row(tenantId) {
      const [row] = await db.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId));
      return row;
    },
  };
}
