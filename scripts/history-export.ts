/**
 * `npm run history:export -- <workflowId> [name] [--out file]`: saves a workflow's event history as JSON into
 * test/histories/<name>.json (or --out), so the replay suite checks every later change of the workflow code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient } from '../runtime/temporal.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
const [workflowId, name] = positionals;
if (!workflowId) {
  console.error('Usage: npm run history:export -- <workflowId> [file-name] [--out path]');
  process.exit(2);
}
const config = loadConfig();
const client = await connectTemporalClient({
  address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  namespace: config.TEMPORAL_NAMESPACE,
  apiKey: config.TEMPORAL_API_KEY,
});
try {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const file = values.out ?? join(PROJECT_ROOT, 'test', 'histories', `${name ?? workflowId.replace(/[^a-zA-Z0-9_-]+/g, '_')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`Saved ${history.events?.length ?? 0} events of ${workflowId} to ${file}`);
} finally {
  await client.connection.close();
}
