/**
 * `npm run replay -- <workflowId>`: fetches a workflow's history from Temporal and replays it against the current
 * workflow code, saying in plain words whether the code still produces the same decisions.
 */
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient } from '../runtime/temporal.ts';
import { WORKFLOWS_PATH } from '../worker/create-worker.ts';

const [workflowId, runId] = process.argv.slice(2);
if (!workflowId) {
  console.error('Usage: npm run replay -- <workflowId> [runId]');
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('ERROR') });
const config = loadConfig();
const client = await connectTemporalClient({
  address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  namespace: config.TEMPORAL_NAMESPACE,
  apiKey: config.TEMPORAL_API_KEY,
});
let code = 0;
try {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('ERROR') });
  await Worker.runReplayHistory({ workflowBundle }, history, workflowId);
  console.log(`OK: the current code replays ${workflowId} (${history.events?.length ?? 0} events) with the same decisions.`);
} catch (err) {
  code = 1;
  if (err instanceof DeterminismViolationError) {
    console.error(
      `DETERMINISM BREAK: the current workflow code makes different decisions than the code that wrote ${workflowId}'s history.\n` +
        `Running workflows like it would fail after a deploy. Put the change behind patched('…') and add this history to test/histories/.\n` +
        `Detail: ${err.message}`,
    );
  } else {
    console.error(`Replay failed: ${(err as Error).message}`);
  }
} finally {
  await client.connection.close();
}
process.exit(code);
