import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

/**
 * PGlite served over the Postgres wire protocol, so every process uses the same postgres.js code path as with a
 * real server. `dataDir` undefined keeps the database in memory (tests).
 */
export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number; host?: string } = {}): Promise<EmbeddedPostgres> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const pg = await PGlite.create(opts.dataDir ?? 'memory://');
  const host = opts.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db: pg, port: opts.port ?? 0, host, maxConnections: 100 });
  keepExtendedQueriesTogether(server);
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').pop());
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    async close() {
      await server.stop();
      await pg.close();
    },
  };
}

/** What the lock file beside a PGlite folder says: who has it open, and where it serves the database. */
interface LockRecord {
  pid: number;
  /** Set once the socket server listens; null while the owner is still opening the folder. */
  url: string | null;
  since: string;
}

export interface LocalDatabase {
  url: string;
  /** `opened`: this process opened the folder and serves it; `running`: another process serves it, we only connect. */
  via: 'opened' | 'running';
  /** The pid of the process serving it. */
  servedBy: number;
  /** Stops serving and releases the folder (opened), or does nothing (running). */
  close(): Promise<void>;
}

export class EmbeddedDatabaseBusy extends Error {}

const lockFileOf = (dataDir: string) => `${dataDir.replace(/[\\/]+$/, '')}.lock`;

/** Lock files this process holds: a lock naming our own pid that is not one of these was left by a former holder of our pid. */
const heldHere = new Set<string>();

function alive(pid: number, file: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return heldHere.has(file);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockRecord | 'none' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  try {
    const rec = JSON.parse(text) as LockRecord;
    return typeof rec.pid === 'number' ? rec : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Takes a stale lock away atomically (rename), so that of two processes recovering at once only one removes it; if
 * what was taken turns out to be a fresh lock another process wrote meanwhile, it is put back.
 */
function removeStaleLock(file: string, seen: LockRecord | undefined): void {
  const taken = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, taken);
  } catch {
    return; // someone else took it first
  }
  const got = readLock(taken);
  const same = seen === undefined ? got === 'unreadable' : got !== 'none' && got !== 'unreadable' && got.pid === seen.pid && got.since === seen.since;
  if (!same) {
    try {
      linkSync(taken, file);
    } catch {
      // a third process holds it now; ours was stale anyway
    }
  }
  rmSync(taken, { force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The embedded database of a data folder, never opened by two processes at once (two PGlite instances writing one
 * folder corrupt it). A lock file beside the folder names the process that has it open and the address where that
 * process serves it over the Postgres protocol. If another live process serves it, we connect there (`npm run
 * user:create` while `npm start` runs); only when nobody has it open do we open it ourselves, lock it, and serve it
 * to others for as long as we run. A lock left by a dead process is taken over.
 *
 * `exclusive` (npm start): never connect to another process's server; wait up to `waitMs` for it to let go.
 */
export async function openEmbeddedDatabase(opts: {
  dataDir: string;
  port?: number;
  exclusive?: boolean;
  waitMs?: number;
}): Promise<LocalDatabase> {
  const file = lockFileOf(opts.dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  let unreadableSince: number | undefined;
  for (;;) {
    const mine: LockRecord = { pid: process.pid, url: null, since: new Date().toISOString() };
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLock(file);
      if (held === 'none') continue;
      if (held === 'unreadable') {
        // Perhaps being written this instant; for longer than a second it is debris.
        unreadableSince ??= Date.now();
        if (Date.now() - unreadableSince < 1000) await sleep(100);
        else removeStaleLock(file, undefined);
        continue;
      }
      unreadableSince = undefined;
      // A dead owner, or a live pid that no longer serves the address it wrote (a reused pid), left it behind.
      if (!alive(held.pid, file) || (held.url !== null && !(await answers(held.url)))) {
        removeStaleLock(file, held);
        continue;
      }
      if (held.url && !opts.exclusive) return { url: held.url, via: 'running', servedBy: held.pid, close: async () => {} };
      if (Date.now() > deadline) {
        throw new EmbeddedDatabaseBusy(
          `Another process (pid ${held.pid}) has the embedded database ${opts.dataDir} open${held.url ? ` and serves it at ${held.url}` : ''}. ` +
            (opts.exclusive ? 'Is npm start already running? Stop it first.' : 'It did not finish opening it in time; try again.'),
        );
      }
      await sleep(250);
      continue;
    }
    try {
      const server = await startEmbeddedPostgres({ dataDir: opts.dataDir, ...(opts.port !== undefined ? { port: opts.port } : {}) });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ ...mine, url: server.url }));
      renameSync(tmp, file);
      heldHere.add(file);
      return {
        url: server.url,
        via: 'opened',
        servedBy: process.pid,
        async close() {
          await server.close();
          heldHere.delete(file);
          const now = readLock(file);
          if (now !== 'none' && now !== 'unreadable' && now.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      rmSync(file, { force: true });
      throw err;
    }
  }
}

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(err: unknown): void;
  onData(data: Uint8Array): void;
}
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Message types after which a connection has finished its turn (Sync, simple Query, Terminate). */
const TURN_ENDS = new Set([0x53, 0x51, 0x58]);

/**
 * pglite-socket 0.2.17 multiplexes connections one protocol *message* at a time, so two postgres.js connections
 * sending Parse/Bind/Execute/Sync at once interleave and clobber each other's unnamed statement ("bind message
 * supplies 1 parameters, but prepared statement requires 4"). This keeps a connection's turn until its Sync (or
 * a simple Query), and for the whole of an open transaction, as a real server's separate sessions would.
 */
function keepExtendedQueriesTogether(server: PGLiteSocketServer): void {
  const q = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  let turn: number | null = null;
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (turn === handlerId) turn = null;
    void q.processQueue();
  };
  q.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = turn ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        const index = owner === null ? 0 : this.queue.findIndex((m) => m.handlerId === owner);
        if (index === -1) break;
        const item = this.queue.splice(index, 1)[0]!;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          turn = null;
          item.reject(err);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        const type = item.message[0] ?? 0;
        turn = TURN_ENDS.has(type) || type === 0 ? null : item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }.bind(q);
}
