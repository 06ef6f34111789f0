/**
 * `npm run db:migrate`: applies migrations to DATABASE_URL and registers the project's search attributes on
 * TEMPORAL_ADDRESS when it is set (self-hosted clusters; Temporal Cloud registers them in its console).
 * With DEV_API_KEY set outside production, that key becomes the development admin key (a different one revokes the
 * previous); production keys come from `npm run apikey -- create`. Without DATABASE_URL it migrates the embedded
 * development database (through the running `npm start` when there is one).
 */
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient, ensureSearchAttributes } from '../runtime/temporal.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { openCommandDb } from './dev-data.ts';
import { migrateDb } from '../db/migrate.ts';
import { ensureDevApiKey } from '../db/queries/api-keys.ts';

const config = loadConfig();
const dbh = await openCommandDb(config, (line) => console.error(line));
try {
  await migrateDb(dbh.db);
  console.log('Migrations applied.');
  if (config.DEV_API_KEY) {
    if (config.NODE_ENV === 'production') {
      console.log('DEV_API_KEY is not used in production: make keys with `npm run apikey -- create --name <name> --role admin`.');
    } else {
      const dev = await ensureDevApiKey(dbh.db, config.DEV_API_KEY, { by: 'db:migrate' });
      console.log(
        dev.status === 'revoked'
          ? `DEV_API_KEY (${dev.apiKey.prefix}…) was revoked; choose another.`
          : `Development API key from DEV_API_KEY registered${dev.revoked.length ? `; revoked the previous one (${dev.revoked.map((k) => k.prefix).join(', ')})` : ''}.`,
      );
    }
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
