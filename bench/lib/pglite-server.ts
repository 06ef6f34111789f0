/**
 * The product's embedded Postgres (PGlite behind pglite-socket, db/embedded.ts) in a process of its own, so a bench
 * can measure it apart from the load generator. Prints `PGLITE_URL <url>` when it listens; stops on SIGTERM/SIGINT.
 */
import { startEmbeddedPostgres } from '../../db/embedded.ts';

const dataDir = process.env.PGLITE_DATA_DIR || undefined;
const pg = await startEmbeddedPostgres({ ...(dataDir ? { dataDir } : {}), port: 0 });
console.log(`PGLITE_URL ${pg.url}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pg.close().catch(() => undefined);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
// If the bench that started it dies without stopping it, do not linger.
process.stdin.resume();
process.stdin.once('end', () => void stop());
