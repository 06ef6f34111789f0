import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';

/** Answers when Postgres does: the health check's round trip. */
export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
