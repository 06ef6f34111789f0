import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTokenStore, type StoredTokens } from '../../db/queries/connections.ts';
import { qboConnections, tenants } from '../../db/schema.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { sealV1 } from '../support/legacy-token.ts';

let db: TestDb;
const spec = generateEncryptionKeySpec('k1');
const box = createSecretBox(parseEncryptionKeys(spec));

beforeAll(async () => {
  db = await createTestDb();
  await db.db.insert(tenants).values(['acme', 'globex', 'legacy', 'locked'].map((id) => ({ id, name: `${id} Ltd`, homeCurrency: 'KES' })));
});
afterAll(async () => {
  await db?.close();
});

const HOUR = 3_600_000;
const tokens = (access: string, refresh: string): StoredTokens => ({
  accessToken: access,
  refreshToken: refresh,
  accessTokenExpiresAt: new Date(Date.now() + HOUR),
  refreshTokenExpiresAt: new Date(Date.now() + 100 * 24 * HOUR),
});
const connection = (tenantId: string) => db.db.select().from(qboConnections).where(eq(qboConnections.tenantId, tenantId)).then(([row]) => row!);
/** The tokens as the store hands them to a refresh (read and decrypted under the lock). */
const storedTokens = async (tenantId: string) => {
  let seen: { accessToken: string; refreshToken: string; clientSecret: string | null } | undefined;
  await createTokenStore(db.db, box).withRefreshLock(tenantId, async (row) => {
    seen = { accessToken: row.accessToken, refreshToken: row.refreshToken, clientSecret: row.clientSecret };
    return null;
  });
  return seen!;
};
/** A first-format row, as a database written before tokens were bound to their tenant and column holds it. */
const insertV1Connection = (tenantId: string, access: string, refresh: string, clientSecret: string) =>
  db.db.insert(qboConnections).values({
    tenantId,
    realmId: `realm-${tenantId}`,
    baseUrl: 'http://127.0.0.1:1',
    environment: 'simulator',
    accessToken: sealV1(spec, access),
    refreshToken: sealV1(spec, refresh),
    clientSecret: sealV1(spec, clientSecret),
    accessTokenExpiresAt: new Date(Date.now() + HOUR),
    refreshTokenExpiresAt: new Date(Date.now() + 100 * 24 * HOUR),
  });

describe('the token store', () => {
  it('binds each stored token to its tenant and column, so swapped ciphertexts do not decrypt', async () => {
    const store = createTokenStore(db.db, box);
    for (const tenantId of ['acme', 'globex']) {
      await store.connect({ tenantId, realmId: `realm-${tenantId}`, baseUrl: 'http://127.0.0.1:1', environment: 'simulator', tokens: tokens(`${tenantId}-access`, `${tenantId}-refresh`) });
    }
    const acme = await connection('acme');
    const globex = await connection('globex');
    expect(acme.accessToken).toMatch(/^v2:k1:/);
    expect((await store.credentials('acme'))?.accessToken).toBe('acme-access');

    // Another tenant's access token copied into acme's row.
    await db.db.update(qboConnections).set({ accessToken: globex.accessToken }).where(eq(qboConnections.tenantId, 'acme'));
    await expect(store.credentials('acme')).rejects.toThrow(/authenticate/);
    // acme's own refresh token moved into its access-token column.
    await db.db.update(qboConnections).set({ accessToken: acme.refreshToken }).where(eq(qboConnections.tenantId, 'acme'));
    await expect(store.credentials('acme')).rejects.toThrow(/authenticate/);
    await db.db.update(qboConnections).set({ accessToken: acme.accessToken }).where(eq(qboConnections.tenantId, 'acme'));
    expect((await store.credentials('acme'))?.accessToken).toBe('acme-access');
  });

  it('re-encrypts first-format (v1) tokens as v2, and a second run finds nothing to do', async () => {
    await insertV1Connection('legacy', 'legacy-access', 'legacy-refresh', 'legacy-client-secret');
    const store = createTokenStore(db.db, box);
    expect((await store.credentials('legacy'))?.accessToken).toBe('legacy-access');

    expect(await store.reencryptAll()).toBe(1);
    const row = await connection('legacy');
    for (const value of [row.accessToken, row.refreshToken, row.clientSecret!]) expect(value).toMatch(/^v2:k1:/);
    expect(await storedTokens('legacy')).toEqual({ accessToken: 'legacy-access', refreshToken: 'legacy-refresh', clientSecret: 'legacy-client-secret' });
    expect(await store.reencryptAll()).toBe(0);
  });

  // The embedded PGlite runs one session's transaction at a time, so a second session cannot even reach the lock
  // there: this needs the PostgreSQL server (DATABASE_URL), as CI has.
  it.skipIf(!process.env.DATABASE_URL)('re-encrypting while a refresh holds the row lock keeps the refresh token the refresh rotated', async () => {
    await insertV1Connection('locked', 'old-access', 'old-refresh', 'client-secret');
    const store = createTokenStore(db.db, box);
    let reencrypting: Promise<number> | undefined;
    await store.withRefreshLock('locked', async (row) => {
      expect(row.refreshToken).toBe('old-refresh');
      // The re-encryption starts while this refresh holds the lock and must wait for it.
      reencrypting = store.reencryptAll();
      await waitForLockWaiter();
      return tokens('new-access', 'rotated-refresh');
    });
    await reencrypting;
    expect(await storedTokens('locked')).toEqual({ accessToken: 'new-access', refreshToken: 'rotated-refresh', clientSecret: 'client-secret' });
    const row = await connection('locked');
    for (const value of [row.accessToken, row.refreshToken, row.clientSecret!]) expect(value).toMatch(/^v2:k1:/);
  });
});

/** Until another session of this database waits on a lock (the re-encryption blocked on the refresh's row lock). */
async function waitForLockWaiter(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [{ waiting }] = (await db.sql`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`) as unknown as [{ waiting: number }];
    if (waiting > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the re-encryption never waited for the row lock');
}
