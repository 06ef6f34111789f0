import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDb, type DbHandle } from '../../db/client.ts';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { migrateDb, MIGRATIONS_FOLDER } from '../../db/migrate.ts';

/**
 * A fresh, migrated database for one fast-tier test file: the product's embedded PGlite (db/embedded.ts).
 *
 * Why this is allowed in `npm run test:fast`, which may use no server: PGlite is Postgres compiled to WebAssembly and
 * runs inside this test process; pglite-socket only lets postgres.js reach it over a socket on a random loopback port,
 * served by this same process and gone with it. Nothing is started outside the process and nothing already running
 * is used. Unlike `createTestDb` (test/support/db.ts), DATABASE_URL is never read, so the fast tier stays off the
 * machine's PostgreSQL even where CI sets it. Queries take the same postgres.js path as in production.
 *
 * Speed: creating a PGlite cluster (initdb) costs 5–25 s of CPU on this 2-core machine, most of the fast tier's
 * budget. So a migrated data folder is built once per PGlite version and migration set (in the OS temp folder) and
 * each test file opens its own copy of it, which takes a few seconds. The migrations still run on the copy (a no-op
 * when nothing changed), so each file starts from exactly the committed schema and no rows.
 */
export interface FastDb extends DbHandle {
  url: string;
}

const ROOT = join(tmpdir(), 'qsh-fast-db');

/** What the template depends on: PGlite's version and every migration file's content. */
function templateKey(): string {
  // Its package.json is not exported: find it above the entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const pglite = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const hash = createHash('sha256').update(`pglite ${pglite}\n`);
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(`${path.slice(MIGRATIONS_FOLDER.length)}\n`).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_FOLDER);
  return hash.digest('hex').slice(0, 16);
}

/** Copies left by test processes that died before closing their database. */
function sweepOrphans(): void {
  for (const name of existsSync(ROOT) ? readdirSync(ROOT) : []) {
    const m = /^(?:run|build)-(\d+)-/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(ROOT, name), { recursive: true, force: true });
    }
  }
}

/** The migrated template folder, built by whichever test process needs it first. */
async function template(): Promise<string> {
  const dir = join(ROOT, `template-${templateKey()}`);
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  const build = join(ROOT, `build-${process.pid}-${randomBytes(4).toString('hex')}`);
  const pg = await startEmbeddedPostgres({ dataDir: build, host: '127.0.0.1', port: 0 });
  const handle = createDb({ url: pg.url, maxConnections: 1 });
  try {
    await migrateDb(handle.db);
  } finally {
    await handle.close();
    await pg.close();
  }
  try {
    renameSync(build, dir);
  } catch {
    // Another test process finished its template first; theirs is the same.
    rmSync(build, { recursive: true, force: true });
  }
  return dir;
}

export async function createFastDb(): Promise<FastDb> {
  mkdirSync(ROOT, { recursive: true });
  sweepOrphans();
  const copy = join(ROOT, `run-${process.pid}-${randomBytes(4).toString('hex')}`);
  cpSync(await template(), copy, { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir: copy, host: '127.0.0.1', port: 0 });
  const handle = createDb({ url: embedded.url });
  const close = async () => {
    await handle.close();
    await embedded.close();
    rmSync(copy, { recursive: true, force: true });
  };
  try {
    await migrateDb(handle.db);
  } catch (err) {
    await close();
    throw err;
  }
  return { ...handle, url: embedded.url, close };
}
