import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema.ts';

export type Db = PostgresJsDatabase<typeof schema>;

export interface DbHandle {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DbConfig {
  url: string;
  maxConnections?: number;
}

/**
 * The one way the product talks to Postgres: postgres.js, whether the server is a real PostgreSQL or the embedded
 * PGlite behind pglite-socket (which speaks the same wire protocol).
 */
export function createDb(config: DbConfig): DbHandle {
  const sql = postgres(config.url, {
    max: config.maxConnections ?? 10,
    // Notices are not logged, and `debug` stays off: in debug mode every query error carries its parameters as
    // enumerable fields. Errors that do reach a log lose their parameters there (runtime/logger.ts serializeError).
    onnotice: () => {},
    // Bigint columns come back as JS numbers: money in minor units stays far below 2^53.
    types: { bigint: postgres.BigInt },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** A database handle or an open transaction: queries that may run inside a caller's transaction take this. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];
