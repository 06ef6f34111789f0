import { mkdirSync } from 'node:fs';
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
