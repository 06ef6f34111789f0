import { desc } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { caughtMail, type CaughtMailRow } from '../schema.ts';

/** One e-mail the development SMTP catcher received (scripts/mail-catcher.ts). */
export interface CaughtMessage {
  mailFrom: string;
  rcptTo: string[];
  subject: string;
  text: string;
  messageId: string | null;
  headers: Record<string, string>;
}

export async function insertCaughtMail(db: Db, m: CaughtMessage): Promise<void> {
  await db.insert(caughtMail).values(m);
}

/** Newest first. */
export async function listCaughtMail(db: Db, limit = 50): Promise<CaughtMailRow[]> {
  return db.select().from(caughtMail).orderBy(desc(caughtMail.receivedAt), desc(caughtMail.id)).limit(limit);
}
