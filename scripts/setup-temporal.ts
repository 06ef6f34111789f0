import { execFileSync } from 'node:child_process';
import { ensureTemporalCli } from './temporal-cli.ts';

try {
  const path = ensureTemporalCli();
  console.log(`temporal: ${path} (${execFileSync(path, ['--version']).toString().trim()})`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
