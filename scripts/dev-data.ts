/**
 * The development data folder of `npm start` (DATA_DIR, `.data/` by default) as the project's commands see it: its
 * secrets, the record of a running `npm start`, and the one way a command opens the database — DATABASE_URL, or the
 * embedded database through whichever process already serves it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDb, type DbHandle } from '../db/client.ts';
import { openEmbeddedDatabase } from '../db/embedded.ts';
import type { Config } from '../runtime/config.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

export function dataDirOf(config: Pick<Config, 'DATA_DIR'>): string {
  return resolve(PROJECT_ROOT, config.DATA_DIR);
}

/** The embedded database's folder inside the data folder. */
export const pgliteDirOf = (dataDir: string) => join(dataDir, 'pglite');

/** A development secret kept in the data folder, so a second start can still read what the first encrypted. */
export function devSecret(dataDir: string, name: string, make: () => string): string {
  return readDevSecret(dataDir, name) ?? writeDevSecret(dataDir, name, make());
}

function writeDevSecret(dataDir: string, name: string, value: string): string {
  writeFileSync(join(dataDir, name), `${value}\n`, { mode: 0o600 });
  return value;
}

export function readDevSecret(dataDir: string, name: string): string | undefined {
  const file = join(dataDir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** What a running `npm start` tells the commands run beside it. */
export interface RunningStart {
  pid: number;
  /** The web app (console and JSON API) as the commands reach it. */
  appUrl: string;
  simulatorUrl?: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
}

const startFile = (dataDir: string) => join(dataDir, 'start.json');

export function recordStart(dataDir: string, running: RunningStart): void {
  writeFileSync(startFile(dataDir), JSON.stringify(running, null, 2));
}

export function forgetStart(dataDir: string): void {
  rmSync(startFile(dataDir), { force: true });
}

/** The `npm start` running on this data folder, if one is. */
export function runningStart(dataDir: string): RunningStart | undefined {
  let rec: RunningStart;
  try {
    rec = JSON.parse(readFileSync(startFile(dataDir), 'utf8')) as RunningStart;
  } catch {
    return undefined;
  }
  try {
    process.kill(rec.pid, 0);
    return rec;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? rec : undefined;
  }
}

/**
 * The database for a command: DATABASE_URL when set; otherwise the embedded one — through the running `npm start`
 * (or any process that has it open) when there is one, and opened here only when nothing else has it open.
 */
export async function openCommandDb(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>, log: (line: string) => void): Promise<DbHandle> {
  if (config.DATABASE_URL) return createDb({ url: config.DATABASE_URL, maxConnections: 2 });
  const local = await openEmbeddedDatabase({ dataDir: pgliteDirOf(dataDirOf(config)) });
  log(
    local.via === 'running'
      ? `Using the embedded development database served by the running process ${local.servedBy} (npm start).`
      : `Opened the embedded development database in ${pgliteDirOf(dataDirOf(config))} (nothing else has it open).`,
  );
  const dbh = createDb({ url: local.url, maxConnections: 2 });
  return {
    ...dbh,
    async close() {
      await dbh.close();
      await local.close();
    },
  };
}
