/**
 * `npm run replay -- <workflowId> [runId]` fetches a workflow's history from Temporal (or `--history file.json`, e.g.
 * downloaded from the Temporal UI) and replays it against the current workflow code, saying in plain words whether
 * the code still makes the same decisions. Encrypted payloads are decrypted with PAYLOAD_ENCRYPTION_KEYS, or else the
 * development key in the data folder of `npm start`; histories from before payload encryption replay as they are.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { loadConfig } from '../runtime/config.ts';
import { encryptingDataConverter, hasEncryptedPayloads } from '../runtime/payload-codec.ts';
import { WORKFLOW_BUNDLE_OPTIONS } from '../worker/create-worker.ts';
import { commandPayloadCodec, commandTemporalClient } from './command-codec.ts';

const { values, positionals } = parseArgs({ options: { history: { type: 'string' } }, allowPositionals: true });
const [workflowIdArg, runId] = positionals;
if (!workflowIdArg && !values.history) {
  console.error('Usage: npm run replay -- <workflowId> [runId]   or   npm run replay -- --history <file.json>');
  process.exit(2);
}
type History = temporal.api.history.v1.IHistory;
Runtime.install({ logger: new DefaultLogger('ERROR') });
const config = loadConfig();
const payloadCodec = commandPayloadCodec(config);

async function loadHistory(): Promise<{ workflowId: string; history: History; events: number }> {
  if (values.history) {
    const history = historyFromJSON(JSON.parse(readFileSync(values.history, 'utf8')));
    return { workflowId: workflowIdArg ?? values.history, history, events: history.events?.length ?? 0 };
  }
  const client = await commandTemporalClient(config, payloadCodec);
  try {
    const history = await client.workflow.getHandle(workflowIdArg!, runId).fetchHistory();
    return { workflowId: workflowIdArg!, history, events: history.events?.length ?? 0 };
  } finally {
    await client.connection.close();
  }
}

let code = 0;
try {
  const { workflowId, history, events } = await loadHistory();
  if (!payloadCodec && (await hasEncryptedPayloads(history))) {
    throw new Error(
      `${workflowId}'s history is encrypted. Set PAYLOAD_ENCRYPTION_KEYS to the keys its payloads were written with ` +
        '(npm start keeps its development key in the data folder, which this command reads by itself).',
    );
  }
  const workflowBundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: new DefaultLogger('ERROR') });
  try {
    await Worker.runReplayHistory({ workflowBundle, ...(payloadCodec ? { dataConverter: encryptingDataConverter(payloadCodec) } : {}) }, history, workflowId);
    console.log(`OK: the current code replays ${workflowId} (${events} events) with the same decisions.`);
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
  }
} catch (err) {
  code = 2;
  console.error(`Could not load the history: ${(err as Error).message}`);
}
process.exit(code);
