/**
 * `npm run tokens:reencrypt`: after putting a new key first in TOKEN_ENCRYPTION_KEYS (old keys after it), rewrites
 * every stored QuickBooks token under the new key. Then the old keys can be removed.
 */
import { createDb } from '../db/client.ts';
import { createTokenStore } from '../db/queries/connections.ts';
import { loadConfig, tokenKeysFrom } from '../runtime/config.ts';
import { createSecretBox, parseEncryptionKeys } from '../runtime/secrets.ts';

const config = loadConfig();
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL is required.');
  process.exit(2);
}
const dbh = createDb({ url: config.DATABASE_URL, maxConnections: 1 });
try {
  const changed = await createTokenStore(dbh.db, createSecretBox(parseEncryptionKeys(tokenKeysFrom(config)))).reencryptAll();
  console.log(`Re-encrypted the tokens of ${changed} connection(s) with the current key.`);
} finally {
  await dbh.close();
}
