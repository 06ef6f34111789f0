/**
 * `npm run history:export -- <workflowId> [name]`: saves a workflow's event history as JSON into test/histories/
 * so the replay suite checks every later change of the workflow code against it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient } from '../runtime/temporal.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

const [workflowId, name] = process.argv.slice(2);
if (!workflowId) {
  console.error('Usage: npm run history:export -- <workflowId> [file-name]');
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
  const dir = join(PROJECT_ROOT, 'test', 'histories');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name ?? workflowId.replace(/[^a-zA-Z0-9_-]+/g, '_')}.json`);
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`Saved ${history.events?.length ?? 0} events of ${workflowId} to ${file}`);
} finally {
  await client.connection.close();
}
