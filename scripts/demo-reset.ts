/**
 * `npm run demo:reset`: starts the demo company over.
 *
 * While `npm start` runs, it does so inside the running product: the demo tenant's workflows, schedule, simulator
 * company and rows are forgotten, and the demo is seeded again through the API, with the same progress lines as at
 * start. Otherwise it forgets the development data of `npm start` (the Temporal dev server's file, the embedded
 * database and the simulator's companies; keys and passwords in the data folder are kept) so the next start seeds
 * it afresh. It does nothing to an external DATABASE_URL or TEMPORAL_ADDRESS.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbeddedDatabase } from '../db/embedded.ts';
import { loadConfig } from '../runtime/config.ts';
import { connectTemporalClient } from '../runtime/temporal.ts';
import { DEMO_TENANT, seedDemo, watchDemo } from './demo.ts';
import { dataDirOf, openCommandDb, pgliteDirOf, readDevSecret, runningStart, type RunningStart } from './dev-data.ts';
import { forgetTenant } from './forget-tenant.ts';
import { commandPayloadCodec } from './command-codec.ts';

const config = loadConfig();
const dataDir = dataDirOf(config);
const log = (line: string) => console.log(line);

async function resetRunning(running: RunningStart): Promise<number> {
  const apiKey = config.DEV_API_KEY ?? readDevSecret(dataDir, 'dev-api-key');
  if (!apiKey || !running.simulatorUrl) {
    console.error('The running npm start has no QuickBooks simulator or development API key, so it has no demo to reset.');
    return 1;
  }
  log(`npm start is running (pid ${running.pid}): resetting the demo company inside it.`);
  const dbh = await openCommandDb(config, (line) => console.error(line));
  const temporal = await connectTemporalClient({
    address: running.temporalAddress,
    namespace: running.temporalNamespace,
    apiKey: config.TEMPORAL_API_KEY,
    payloadCodec: commandPayloadCodec(config),
  });
  try {
    await forgetTenant({ db: dbh.db, temporal, simulatorUrl: running.simulatorUrl, tenantId: DEMO_TENANT, log });
    const seeded = await seedDemo({ baseUrl: running.appUrl, apiKey, simulatorUrl: running.simulatorUrl, log });
    const { settled } = await watchDemo({ db: dbh.db, expected: seeded.records, log });
    log(settled ? `Demo: ready — open ${running.appUrl.replace('127.0.0.1', 'localhost')} again.` : 'Demo: still syncing; the console shows where each record is.');
    return 0;
  } finally {
    await temporal.connection.close();
    await dbh.close();
  }
}

async function resetFiles(): Promise<number> {
  if (config.DATABASE_URL || config.TEMPORAL_ADDRESS) {
    console.error('DATABASE_URL or TEMPORAL_ADDRESS is set: demo:reset only resets the embedded development data, so it stops here.');
    return 1;
  }
  // Nobody else may have the embedded database open while its folder is removed: take it, then let go.
  if (existsSync(pgliteDirOf(dataDir))) await (await openEmbeddedDatabase({ dataDir: pgliteDirOf(dataDir), exclusive: true, waitMs: 5_000 })).close();
  const removed: string[] = [];
  for (const name of existsSync(dataDir) ? readdirSync(dataDir) : []) {
    if (name.startsWith('temporal.sqlite') || name === 'temporal.log' || name === 'pglite' || name === 'qbo-simulator.json') {
      rmSync(join(dataDir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  log(removed.length ? `Reset: removed ${removed.join(', ')} from ${dataDir}. The next npm start seeds the demo again.` : 'Nothing to reset.');
  return 0;
}

try {
  const running = runningStart(dataDir);
  process.exitCode = running ? await resetRunning(running) : await resetFiles();
} catch (err) {
  console.error(`demo:reset stopped: ${(err as Error).message}`);
  process.exitCode = 1;
}
