import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDb, type DbHandle } from '../../db/client.ts';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { migrateDb } from '../../db/migrate.ts';

export interface TestDb extends DbHandle {
  url: string;
}

/**
 * A fresh, migrated database for one test file: a new database on the server named by DATABASE_URL (CI uses the
 * machine's PostgreSQL), otherwise an in-memory PGlite behind the wire protocol.
 */
export async function createTestDb(): Promise<TestDb> {
  const base = process.env.DATABASE_URL;
  if (base) {
    const name = `qsh_test_${randomBytes(6).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    const handle = createDb({ url: url.toString() });
    await migrateDb(handle.db);
    return {
      ...handle,
      url: url.toString(),
      async close() {
        await handle.close();
        const cleanup = postgres(base, { max: 1, onnotice: () => {} });
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      },
    };
  }
  const embedded = await startEmbeddedPostgres();
  const handle = createDb({ url: embedded.url });
  await migrateDb(handle.db);
  return {
    ...handle,
    url: embedded.url,
    async close() {
      await handle.close();
      await embedded.close();
    },
  };
}
