/**
 * `npm run db:migrate`: applies migrations to DATABASE_URL and registers the project's search attributes on
 * TEMPORAL_ADDRESS when it is set (self-hosted clusters; Temporal Cloud registers them in its console).
 * With DEV_API_KEY set, that key becomes an admin API key. Without DATABASE_URL it migrates the embedded
 * development database (through the running `npm start` when there is one).
 */
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient, ensureSearchAttributes } from '../runtime/temporal.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { openCommandDb } from './dev-data.ts';
import { migrateDb } from '../db/migrate.ts';
import { ensureApiKey } from '../db/queries/api-keys.ts';

const config = loadConfig();
const dbh = await openCommandDb(config, (line) => console.error(line));
try {
  await migrateDb(dbh.db);
  console.log('Migrations applied.');
  if (config.DEV_API_KEY) {
    await ensureApiKey(dbh.db, { name: 'bootstrap', key: config.DEV_API_KEY, role: 'admin' });
    console.log('Admin API key from DEV_API_KEY registered.');
  }
} finally {
  await dbh.close();
}
if (config.TEMPORAL_ADDRESS && !config.TEMPORAL_API_KEY) {
  const client = await connectTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  try {
    const added = await ensureSearchAttributes(client, SEARCH_ATTRIBUTES.map((k) => k.name));
    console.log(added.length ? `Registered search attributes: ${added.join(', ')}` : 'Search attributes already registered.');
  } finally {
    await client.connection.close();
  }
}
