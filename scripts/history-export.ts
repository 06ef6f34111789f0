/**
 * `npm run history:export -- <workflowId> [name] [--out file]`: saves a workflow's event history as JSON into
 * test/histories/<name>.json (or --out), so the replay suite checks every later change of the workflow code.
 *
 * The history is saved decrypted (the replay suite has no production key), so it holds the record's data in plain
 * text: export histories of test or demo data only. The keys come from PAYLOAD_ENCRYPTION_KEYS, or else from the data
 * folder of `npm start`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../runtime/config.ts';
import { decodeHistory } from '../runtime/payload-codec.ts';
import { commandPayloadCodec, commandTemporalClient } from './command-codec.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
const [workflowId, name] = positionals;
if (!workflowId) {
  console.error('Usage: npm run history:export -- <workflowId> [file-name] [--out path]');
  process.exit(2);
}
const config = loadConfig();
const payloadCodec = commandPayloadCodec(config);
if (!payloadCodec) {
  console.error('history:export decrypts the history it saves: set PAYLOAD_ENCRYPTION_KEYS (or run it beside the npm start whose data folder holds them).');
  process.exit(2);
}
const client = await commandTemporalClient(config, payloadCodec);
try {
  const history = await decodeHistory(await client.workflow.getHandle(workflowId).fetchHistory(), payloadCodec);
  const file = values.out ?? join(PROJECT_ROOT, 'test', 'histories', `${name ?? workflowId.replace(/[^a-zA-Z0-9_-]+/g, '_')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`Saved ${history.events?.length ?? 0} events of ${workflowId} to ${file} (decrypted: it holds the record's data in plain text).`);
} catch (err) {
  console.error(`Could not export ${workflowId}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.connection.close();
}
