import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { countLoginAttempt } from '../../db/queries/login-attempts.ts';
import { LoginThrottle } from '../../web/console/auth.ts';
import type { ConsoleEnv } from '../../web/console/env.ts';
import { createSession, createUser, findSession, hashSessionId } from '../../db/queries/users.ts';
import { loginAttempts, oauthStates, sessions, tenants, webhookEvents } from '../../db/schema.ts';
import { purgeExpired, startHousekeeping, type Purged } from '../../services/housekeeping.ts';
import { TEST_PASSWORD_COST } from '../support/console.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

let db: TestDb;
let userId: number;
const MIN = 60_000;
const ago = (ms: number, from = Date.now()) => new Date(from - ms);

beforeAll(async () => {
  db = await createTestDb();
  const user = await createUser(db.db, { email: 'house@acme.example', name: 'House Keeper', role: 'admin', password: 'a password for housekeeping' }, { cost: TEST_PASSWORD_COST });
  if (user === 'exists') throw new Error('exists');
  userId = user.id;
  await db.db.insert(tenants).values({ id: 'house', name: 'House Ltd', homeCurrency: 'KES' });
});
afterAll(async () => {
  await db?.close();
});

describe('sign-in attempts counted in Postgres', () => {
  it('gives each of twelve parallel attempts its own number, for the account and the address alike', async () => {
    const counts = await Promise.all(Array.from({ length: 12 }, () => countLoginAttempt(db.db, ['email:par@acme.example', 'ip:192.0.2.1'])));
    for (const key of ['email:par@acme.example', 'ip:192.0.2.1']) {
      const numbers = counts.map((rows) => rows.find((r) => r.key === key)!.attempts).sort((a, b) => a - b);
      expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });

  it('starts a new window at 1 once the old one has passed, and keeps counting within it', async () => {
    const start = new Date('2026-03-02T08:00:00Z');
    const at = (min: number) => ({ now: new Date(start.getTime() + min * MIN), windowMs: 15 * MIN });
    expect(await countLoginAttempt(db.db, ['email:win@acme.example'], at(0))).toEqual([{ key: 'email:win@acme.example', attempts: 1, windowStart: start }]);
    expect((await countLoginAttempt(db.db, ['email:win@acme.example'], at(14)))[0]).toMatchObject({ attempts: 2, windowStart: start });
    expect((await countLoginAttempt(db.db, ['email:win@acme.example'], at(15)))[0]).toMatchObject({ attempts: 1, windowStart: new Date(start.getTime() + 15 * MIN) });
  });
});

describe('the sign-in throttle', () => {
  it('never asks anyone to wait longer than one window, even when a parallel attempt opened it a moment later', async () => {
    const throttle = new LoginThrottle({ perAccount: 1 });
    const app = new Hono<ConsoleEnv>();
    app.get('/:at', async (c) => {
      c.set('deps', { db: db.db } as ConsoleEnv['Variables']['deps']);
      return c.json(await throttle.attempt(c, 'late@acme.example', new Date(Number(c.req.param('at')))));
    });
    const t = Date.now();
    // The attempt that read the clock later reached the database first and opened the window.
    expect(await (await app.request(`/${t + 2_000}`)).json()).toEqual({ allowed: true });
    const refused = (await (await app.request(`/${t}`)).json()) as { allowed: false; retryAfterMs: number };
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(15 * MIN);
  });
});

describe('session limits', () => {
  it('ends a session after an hour without a request, and after 12 hours however busy', async () => {
    const s = await createSession(db.db, userId);
    const now = Date.now();
    await db.db.update(sessions).set({ lastSeenAt: ago(59 * MIN, now) }).where(eq(sessions.idHash, hashSessionId(s.id)));
    expect(await findSession(db.db, s.id, new Date(now))).toBeDefined();
    expect(await findSession(db.db, s.id, new Date(now + 2 * MIN))).toBeUndefined();
    await db.db.update(sessions).set({ lastSeenAt: new Date(now) }).where(eq(sessions.idHash, hashSessionId(s.id)));
    expect(await findSession(db.db, s.id, new Date(now))).toBeDefined();
    expect(await findSession(db.db, s.id, new Date(s.expiresAt.getTime() + 1))).toBeUndefined();
  });
});

describe('housekeeping', () => {
  it('purges expired and idle sessions, spent OAuth states, passed sign-in counts and week-old webhook ids, keeping the rest', async () => {
    await db.db.delete(sessions);
    await db.db.delete(loginAttempts);
    const live = await createSession(db.db, userId);
    const expired = await createSession(db.db, userId, -MIN);
    const idle = await createSession(db.db, userId);
    await db.db.update(sessions).set({ lastSeenAt: ago(61 * MIN) }).where(eq(sessions.idHash, hashSessionId(idle.id)));
    const state = (name: string, expiresAt: Date, usedAt: Date | null = null) => ({ state: name, tenantId: 'house', nonceHash: 'x', actor: 'user:house@acme.example', expiresAt, usedAt });
    await db.db.insert(oauthStates).values([
      state('fresh', new Date(Date.now() + 10 * MIN)),
      state('expired', ago(MIN)),
      state('used', new Date(Date.now() + 10 * MIN), ago(MIN)),
    ]);
    await db.db.insert(loginAttempts).values([
      { key: 'email:recent@acme.example', windowStart: ago(10 * MIN), attempts: 3 },
      { key: 'ip:192.0.2.77', windowStart: ago(2 * 24 * 60 * MIN), attempts: 20 },
    ]);
    await db.db.insert(webhookEvents).values([
      { eventId: 'old', realmIds: ['1'], receivedAt: ago(8 * 24 * 60 * MIN) },
      { eventId: 'recent', realmIds: ['1'], receivedAt: ago(24 * 60 * MIN) },
    ]);

    expect(await purgeExpired(db.db)).toEqual({ sessions: 2, oauthStates: 2, loginAttempts: 1, webhookEvents: 1, realmBudget: 0 });
    const left = await db.db.select({ id: sessions.idHash }).from(sessions);
    expect(left.map((r) => r.id)).toEqual([hashSessionId(live.id)]);
    expect(left.map((r) => r.id)).not.toContain(hashSessionId(expired.id));
    expect((await db.db.select().from(oauthStates)).map((r) => r.state)).toEqual(['fresh']);
    expect((await db.db.select().from(loginAttempts)).map((r) => r.key)).toEqual(['email:recent@acme.example']);
    expect((await db.db.select().from(webhookEvents)).map((r) => r.eventId)).toEqual(['recent']);
    expect(await purgeExpired(db.db)).toEqual({ sessions: 0, oauthStates: 0, loginAttempts: 0, webhookEvents: 0, realmBudget: 0 });
  });

  it('runs soon after start and then on its interval until stopped', async () => {
    await createSession(db.db, userId, -MIN);
    const passes: Purged[] = [];
    const keeper = startHousekeeping({ db: db.db }, { firstAfterMs: 10, everyMs: 50, onPass: (p) => passes.push(p) });
    const deadline = Date.now() + 10_000;
    while (passes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(passes[0]).toMatchObject({ sessions: 1 });
    await createSession(db.db, userId, -MIN);
    while (passes.length === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(passes[1]).toMatchObject({ sessions: 1 });
    await keeper.stop();
    await createSession(db.db, userId, -MIN);
    await new Promise((r) => setTimeout(r, 200));
    expect(passes).toHaveLength(2);
  });
});
