import { eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { qboConnections, type QboConnectionRow } from '../schema.ts';
import { tokenAad, type SecretBox, type TokenColumn } from '../../runtime/secrets.ts';

export type ConnectionStatus = QboConnectionRow['status'];
/** A connection without its tokens: what pages and the API may see. */
export type ConnectionInfo = Omit<QboConnectionRow, 'accessToken' | 'refreshToken' | 'clientSecret'>;
/** A connection with its tokens decrypted: only for the refresh inside the token store's lock. */
export type ConnectionWithTokens = QboConnectionRow;

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
  withRefreshLock(tenantId: string, refresh: (row: ConnectionWithTokens) => Promise<StoredTokens | null>): Promise<ConnectionInfo & { accessToken: string }>;
  markStatus(tenantId: string, status: ConnectionStatus, error?: string): Promise<void>;
  markSuccess(tenantId: string): Promise<void>;
  row(tenantId: string): Promise<ConnectionInfo | undefined>;
  /**
   * Rewrites tokens encrypted with an older key or format under the current one, each row under the same row lock
   * as a refresh (so a refresh token rotated meanwhile is never overwritten); returns how many connections changed.
   */
  reencryptAll(): Promise<number>;
}

/** The tenants connected to these QuickBooks realms (a webhook names realms, not tenants). */
export async function tenantsOfRealms(db: DbOrTx, realmIds: readonly string[]): Promise<string[]> {
  if (realmIds.length === 0) return [];
  const rows = await db.select({ tenantId: qboConnections.tenantId }).from(qboConnections).where(inArray(qboConnections.realmId, [...realmIds]));
  return rows.map((r) => r.tenantId);
}

function info(row: QboConnectionRow): ConnectionInfo {
  const { accessToken: _a, refreshToken: _r, clientSecret: _c, ...rest } = row;
  return rest;
}

/** Every read and write of tokens goes through here; tokens are AES-256-GCM encrypted at rest (runtime/secrets.ts). */
export function createTokenStore(db: Db, box: SecretBox): TokenStore {
  // Each value is sealed to its tenant and column (runtime/secrets.ts), so a ciphertext moved between rows or
  // between the token columns does not decrypt.
  const seal = (tenantId: string, column: TokenColumn, plaintext: string) => box.encrypt(plaintext, tokenAad(tenantId, column));
  const unseal = (tenantId: string, column: TokenColumn, ciphertext: string) => box.decrypt(ciphertext, tokenAad(tenantId, column));
  const open = (row: QboConnectionRow): QboConnectionRow => ({
    ...row,
    accessToken: unseal(row.tenantId, 'access_token', row.accessToken),
    refreshToken: unseal(row.tenantId, 'refresh_token', row.refreshToken),
    clientSecret: row.clientSecret ? unseal(row.tenantId, 'client_secret', row.clientSecret) : null,
  });
  const stale = (row: QboConnectionRow) => box.isStale(row.accessToken) || box.isStale(row.refreshToken) || (row.clientSecret !== null && box.isStale(row.clientSecret));
  return {
    async credentials(tenantId) {
      const [row] = await db.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId));
      if (!row) return undefined;
      return {
        tenantId,
        realmId: row.realmId,
        baseUrl: row.baseUrl,
        environment: row.environment,
        accessToken: unseal(tenantId, 'access_token', row.accessToken),
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
        accessToken: seal(input.tenantId, 'access_token', input.tokens.accessToken),
        refreshToken: seal(input.tenantId, 'refresh_token', input.tokens.refreshToken),
        accessTokenExpiresAt: input.tokens.accessTokenExpiresAt,
        refreshTokenExpiresAt: input.tokens.refreshTokenExpiresAt,
        refreshTokenHardExpiresAt: input.tokens.refreshTokenHardExpiresAt ?? null,
        clientId: input.clientId ?? null,
        clientSecret: input.clientSecret ? seal(input.tenantId, 'client_secret', input.clientSecret) : null,
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
        const current = open(row);
        const next = await refresh(current);
        if (!next) return { ...info(current), accessToken: current.accessToken };
        const [updated] = await tx
          .update(qboConnections)
          .set({
            accessToken: seal(tenantId, 'access_token', next.accessToken),
            refreshToken: seal(tenantId, 'refresh_token', next.refreshToken),
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
        return { ...info(updated!), accessToken: next.accessToken };
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
      return row ? info(row) : undefined;
    },
    async reencryptAll() {
      const candidates = (await db.select().from(qboConnections)).filter(stale).map((r) => r.tenantId);
      let changed = 0;
      for (const tenantId of candidates) {
        // The refresh's lock (withRefreshLock): the row is read again under it, so tokens rotated while this ran
        // are the ones re-encrypted, and a row a refresh has rewritten meanwhile is no longer stale.
        const rewrote = await db.transaction(async (tx) => {
          const [row] = await tx.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId)).for('update');
          if (!row || !stale(row)) return false;
          const plain = open(row);
          await tx
            .update(qboConnections)
            .set({
              accessToken: seal(tenantId, 'access_token', plain.accessToken),
              refreshToken: seal(tenantId, 'refresh_token', plain.refreshToken),
              clientSecret: plain.clientSecret ? seal(tenantId, 'client_secret', plain.clientSecret) : null,
            })
            .where(eq(qboConnections.tenantId, tenantId));
          return true;
        });
        if (rewrote) changed += 1;
      }
      return changed;
    },
  };
}
