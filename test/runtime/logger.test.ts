import { Writable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.close();
});

const EMAIL = 'leak-check@example.com';
const HASH = 'scrypt$16384$8$1$c2FsdA$SECRET-HASH-VALUE';

/** A logger writing into a string, as the web app and worker log (JSON). */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), output: () => lines.join('') };
}

async function failing(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('the query was expected to fail');
}

const user = { email: EMAIL, name: 'Leak Check', role: 'admin' as const, passwordHash: HASH };

describe('logging database errors', () => {
  it('logs a failed drizzle query with its SQL and the database error, but not the values it ran with', async () => {
    await db.db.insert(users).values(user);
    const err = await failing(() => db.db.insert(users).values(user));
    // What would be written without the serializer: the values are in the message and in `params`.
    expect(err.message).toContain(HASH);

    const { logger, output } = capture();
    logger.error({ err, path: '/api/v1/users' }, 'request failed');
    const logged = output();
    expect(logged).not.toContain(HASH);
    expect(logged).not.toContain(EMAIL);
    const { err: shown } = JSON.parse(logged) as { err: { type: string; message: string; stack: string } };
    expect(shown.type).toBe('DrizzleQueryError');
    expect(shown.message).toContain('Failed query: insert into "users"');
    expect(shown.message).toContain('duplicate key value violates unique constraint "users_email_unique"');
    expect(shown.stack).toMatch(/\n\s+at /);
  });

  it('drops the parameters postgres.js attaches in debug mode and the values Postgres echoes in detail', async () => {
    const sql = postgres(db.url, { max: 1, debug: true, onnotice: () => {} });
    try {
      const duplicate = await failing(() => sql`insert into users (email, name, role, password_hash) values (${EMAIL}, 'Again', 'admin', ${HASH})`);
      const missingName = await failing(() => sql`insert into users (email, name, role, password_hash) values ('other@example.com', ${null}, 'admin', ${HASH})`);
      expect(JSON.stringify(duplicate)).toContain(HASH);
      expect((duplicate as Error & { detail: string }).detail).toContain(EMAIL);
      expect((missingName as Error & { detail: string }).detail).toContain(HASH);

      const { logger, output } = capture();
      // `error` is how the Temporal SDK logs a failed activity's error.
      logger.warn({ error: duplicate }, 'Activity failed');
      logger.error({ err: missingName }, 'request failed');
      const logged = output();
      expect(logged).not.toContain(HASH);
      expect(logged).not.toContain(EMAIL);
      const [first, second] = logged.trim().split('\n').map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
      expect(first!.error).toMatchObject({ code: '23505', detail: 'Key (email)=([redacted]) already exists.', query: expect.stringContaining('insert into users') });
      expect(first!.error).not.toHaveProperty('parameters');
      expect(first!.error).not.toHaveProperty('args');
      expect(second!.err).toMatchObject({ code: '23502', detail: 'Failing row contains ([redacted]).' });
    } finally {
      await sql.end();
    }
  });

  it('drops the values from a failed query logged as a message string', async () => {
    const err = await failing(() => db.db.insert(users).values(user));
    const { logger, output } = capture();
    logger.warn({ err: err.message }, 'outbox drain failed; trying again');
    expect(output()).not.toContain(HASH);
    expect(output()).toContain('Failed query: insert into \\"users\\"');
  });
});
