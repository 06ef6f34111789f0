import { createDb, type DbHandle } from '../../db/client.ts';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { migrateDb } from '../../db/migrate.ts';
import { createScratchDatabase } from '../../db/scratch-database.ts';

export interface TestDb extends DbHandle {
  url: string;
}

/**
 * A fresh, migrated database for one test file: a new database on the server named by DATABASE_URL (CI uses the
 * machine's PostgreSQL), otherwise an in-memory PGlite behind the wire protocol.
 */
export async function createTestDb(): Promise<TestDb> {
  const base = process.env.DATABASE_URL;
  // Where the database answers, and how it goes away once the pool is closed.
  const { url, release } = base
    ? await createScratchDatabase(base, 'qsh_test').then((scratch) => ({ url: scratch.url, release: () => scratch.drop() }))
    : await startEmbeddedPostgres().then((embedded) => ({ url: embedded.url, release: () => embedded.close() }));
  const handle = createDb({ url });
  await migrateDb(handle.db);
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      await release();
    },
  };
}
