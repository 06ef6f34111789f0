/**
 * `npm run tokens:reencrypt`: after putting a new key first in TOKEN_ENCRYPTION_KEYS (old keys after it), rewrites
 * every stored QuickBooks token under the new key, and every token still in the first format (v1, not bound to its
 * tenant and column) as v2 — and the webhook endpoints' signing secrets, which the same keys encrypt. Then the old keys
 * can be removed. Each row is rewritten under the lock a token refresh
 * takes, so it is safe while the worker runs. Without DATABASE_URL it works on the embedded development database
 * (through the running `npm start` when there is one) and, without TOKEN_ENCRYPTION_KEYS, with the development keys
 * `npm start` keeps in the data folder.
 */
import { createTokenStore } from '../db/queries/connections.ts';
import { reencryptWebhookSecrets } from '../db/queries/notifications.ts';
import { loadConfig, tokenKeysFrom } from '../runtime/config.ts';
import { createSecretBox, parseEncryptionKeys } from '../runtime/secrets.ts';
import { dataDirOf, openCommandDb, readDevSecret } from './dev-data.ts';

const config = loadConfig();
const keys = config.TOKEN_ENCRYPTION_KEYS ?? (config.DATABASE_URL ? undefined : readDevSecret(dataDirOf(config), 'token-encryption-keys'));
let box;
try {
  box = createSecretBox(parseEncryptionKeys(tokenKeysFrom({ ...config, TOKEN_ENCRYPTION_KEYS: keys })));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const dbh = await openCommandDb(config, (line) => console.error(line));
try {
  const changed = await createTokenStore(dbh.db, box).reencryptAll();
  console.log(`Re-encrypted the tokens of ${changed} connection(s) with the current key and format; any others already used them.`);
  const secrets = await reencryptWebhookSecrets(dbh.db, box);
  console.log(`Re-encrypted ${secrets} webhook signing secret(s); any others already used the current key.`);
} finally {
  await dbh.close();
}
