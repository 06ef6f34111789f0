import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { createDb, type Db, type DbHandle } from '../../db/client.ts';
import { isDatabaseOutage, isUnstorableContent, sqlStateOf } from '../../db/errors.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { createApp } from '../../web/app.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

/**
 * The app's one error handler (web/app.ts onError), fed real postgres.js errors: a NUL refused by a real Postgres,
 * and a refused connection. No Temporal is needed: every request here fails before it could reach it.
 */

let real: TestDb;
let down: DbHandle;
let contentError: unknown;

beforeAll(async () => {
  real = await createTestDb();
  contentError = await real.db.execute(sql`select ${'clerk\u0000x'}::text`).catch((err: unknown) => err);
  down = createDb({ url: 'postgres://postgres@127.0.0.1:1/none', maxConnections: 1 });
});
afterAll(async () => {
  await real?.close();
  await down?.close();
});

/** A database handle whose every query fails with `err`. */
function failingDb(err: unknown): Db {
  const fail = (): never => {
    throw err;
  };
  return new Proxy({}, { get: () => fail }) as Db;
}

function app(db: Db) {
  return createApp({
    db,
    temporal: {} as never,
    taskQueue: 'unused',
    logger: pino({ level: 'silent' }),
    temporalUiUrl: 'http://localhost:8233',
    secrets: createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec())),
  });
}

const bearer = { authorization: 'Bearer qsh_test_key' };
const session = { cookie: 'qsh_session=some-session' };

describe('classifying database errors', () => {
  it('reads the SQLSTATE through drizzle\'s wrapper and tells content from outage', async () => {
    expect(sqlStateOf(contentError)).toBe('22021');
    expect(isUnstorableContent(contentError)).toBe(true);
    expect(isDatabaseOutage(contentError)).toBe(false);
    const refused = await down.db.execute(sql`select 1`).catch((err: unknown) => err);
    expect(isDatabaseOutage(refused)).toBe(true);
    expect(isUnstorableContent(refused)).toBe(false);
  });

  it('knows the other content SQLSTATEs, the outage ones and postgres.js\'s own connection errors', () => {
    const pg = (code: string) => Object.assign(new Error(code), { name: 'PostgresError', code });
    for (const code of ['22P05', '22001', '22P02']) expect(isUnstorableContent({ cause: pg(code) })).toBe(true);
    for (const code of ['08006', '08001', '57P01', '57P03']) expect(isDatabaseOutage({ cause: pg(code) })).toBe(true);
    expect(isDatabaseOutage(pg('23505'))).toBe(false);
    expect(isDatabaseOutage(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }))).toBe(true);
    expect(isDatabaseOutage(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isDatabaseOutage(new Error('boom'))).toBe(false);
  });
});

describe('answering a failed request', () => {
  it('answers text Postgres refuses with 400 in the API\'s error shape', async () => {
    const res = await app(failingDb(contentError)).request('/api/v1/tenants', { headers: bearer });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_text', message: expect.stringMatching(/cannot be stored/) } });
  });

  it('answers text Postgres refuses with 400 and the error page in the console', async () => {
    const res = await app(failingDb(contentError)).request('/audit', { headers: session });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<h1>Text not accepted<\/h1>/);
  });

  it('answers a database outage with 503 and Retry-After, as JSON for the API', async () => {
    const res = await app(down.db).request('/api/v1/tenants', { headers: bearer });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: { code: 'database_unavailable' } });
  });

  it('answers a database outage with 503 and Retry-After in the console, as a page or as an htmx flash message', async () => {
    const page = await app(down.db).request('/audit', { headers: session });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(await page.text()).toMatch(/<h1>Temporarily unavailable<\/h1>/);
    const fragment = await app(down.db).request('/audit', { headers: { ...session, 'hx-request': 'true' } });
    expect(fragment.status).toBe(503);
    expect(fragment.headers.get('hx-retarget')).toBe('#flash');
    expect(await fragment.text()).toMatch(/not reachable right now/);
  });

  it('refuses an undecodable or control character in the address before anything reads the database', async () => {
    // The database is down: an answer other than 503 proves the request never got as far as a query.
    const a = app(down.db);
    for (const path of ['/api/v1/records/qbo-sync:acme:vendor:%ED%A0%80', '/api/v1/records/qbo-sync:acme:vendor:v%001', '/api/v1/queue?tenantId=%00']) {
      const res = await a.request(path, { headers: bearer });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('invalid_text');
    }
    const res = await a.request('/audit?actor=%ED%A0%80', { headers: session });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/broken character/);
  });
});
