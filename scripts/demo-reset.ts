/**
 * `npm run demo:reset`: forgets the development data of `npm start` (the Temporal dev server's file, the embedded
 * database and the simulator's companies) so the next start seeds the demo afresh. Keys in .data/ are kept.
 * It refuses while `npm start` runs, and does nothing to an external DATABASE_URL or TEMPORAL_ADDRESS.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../runtime/config.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

const config = loadConfig();
const dataDir = resolve(PROJECT_ROOT, config.DATA_DIR);
const pidFile = join(dataDir, 'start.pid');
if (existsSync(pidFile)) {
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (alive) {
    console.error(`npm start is running (pid ${pid}); stop it with Ctrl-C first, then run npm run demo:reset again.`);
    process.exit(1);
  }
}
if (config.DATABASE_URL || config.TEMPORAL_ADDRESS) {
  console.error('DATABASE_URL or TEMPORAL_ADDRESS is set: demo:reset only resets the embedded development data, so it stops here.');
  process.exit(1);
}
const removed: string[] = [];
for (const name of existsSync(dataDir) ? readdirSync(dataDir) : []) {
  if (name.startsWith('temporal.sqlite') || name === 'pglite' || name === 'qbo-simulator.json' || name === 'start.pid') {
    rmSync(join(dataDir, name), { recursive: true, force: true });
    removed.push(name);
  }
}
console.log(removed.length ? `Reset: removed ${removed.join(', ')} from ${dataDir}. The next npm start seeds the demo again.` : 'Nothing to reset.');
