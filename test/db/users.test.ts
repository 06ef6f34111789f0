import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { sessions, users } from '../../db/schema.ts';
import { authenticate, createSession, createUser, ensureDevUsers, findSession, hashPassword, hashSessionId, needsRehash, verifyPassword } from '../../db/queries/users.ts';
import { TEST_PASSWORD_COST } from '../support/console.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.close();
});

describe('console users and sessions', () => {
  it('hashes passwords with scrypt and a fresh salt each time, and verifies only the right one', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[^$]+\$[^$]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', a)).toBe(false);
    expect(await verifyPassword('anything', 'plain-text')).toBe(false);
  });

  it('verifies a hash made with older, cheaper parameters and rehashes it at the current cost on a right password only', async () => {
    const weak = await hashPassword('an older password', { N: 2 ** 14, r: 8, p: 1 });
    expect(weak).toMatch(/^scrypt\$16384\$/);
    expect(needsRehash(weak)).toBe(true);
    expect(await verifyPassword('an older password', weak)).toBe(true);
    const user = await createUser(db.db, { email: 'old@acme.example', name: 'Old Hash', role: 'finance', password: 'unused' }, { cost: TEST_PASSWORD_COST });
    if (user === 'exists') throw new Error('exists');
    await db.db.update(users).set({ passwordHash: weak }).where(eq(users.id, user.id));
    const stored = async () => (await db.db.select().from(users).where(eq(users.id, user.id)))[0]!.passwordHash;

    expect(await authenticate(db.db, 'old@acme.example', 'not it')).toBeUndefined();
    expect(await stored()).toBe(weak);
    expect(await authenticate(db.db, 'old@acme.example', 'an older password')).toMatchObject({ email: 'old@acme.example' });
    const upgraded = await stored();
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(needsRehash(upgraded)).toBe(false);
    expect(await verifyPassword('an older password', upgraded)).toBe(true);
  });

  it('keeps the printed development sign-ins true: creates both users, then repairs a password that no longer matches', async () => {
    expect(await ensureDevUsers(db.db, 'printed password one')).toEqual(['admin@localhost', 'finance@localhost']);
    expect(await authenticate(db.db, 'admin@localhost', 'printed password one')).toMatchObject({ role: 'admin', tenantId: null });
    expect(await authenticate(db.db, 'finance@localhost', 'printed password one')).toMatchObject({ role: 'finance', tenantId: null });
    expect(await ensureDevUsers(db.db, 'printed password one')).toEqual([]);
    // The password file was lost: the next start prints a new one, and it must work.
    await db.db.update(users).set({ disabledAt: new Date() }).where(eq(users.email, 'finance@localhost'));
    expect(await ensureDevUsers(db.db, 'printed password two')).toEqual(['admin@localhost', 'finance@localhost']);
    expect(await authenticate(db.db, 'admin@localhost', 'printed password one')).toBeUndefined();
    expect(await authenticate(db.db, 'finance@localhost', 'printed password two')).toMatchObject({ role: 'finance' });
    const stored = await db.db.select().from(users).where(eq(users.email, 'admin@localhost'));
    expect(stored[0]!.passwordHash).not.toContain('printed password two');
  });

  it('refuses a second user with the same email, in any letter case', async () => {
    expect(await createUser(db.db, { email: 'Amina@Acme.example', name: 'Amina', role: 'finance', password: 'a long enough password' }, { cost: TEST_PASSWORD_COST })).not.toBe('exists');
    expect(await createUser(db.db, { email: 'amina@acme.example', name: 'Amina again', role: 'admin', password: 'another password!!' }, { cost: TEST_PASSWORD_COST })).toBe('exists');
    expect(await authenticate(db.db, ' AMINA@acme.example ', 'a long enough password')).toMatchObject({ email: 'amina@acme.example', role: 'finance' });
  });

  it('stores only the SHA-256 of a session id and forgets expired or disabled sessions', async () => {
    const user = await createUser(db.db, { email: 'kip@acme.example', name: 'Kip', role: 'admin', password: 'kip has a password' }, { cost: TEST_PASSWORD_COST });
    if (user === 'exists') throw new Error('exists');
    const live = await createSession(db.db, user.id);
    const [row] = await db.db.select().from(sessions).where(eq(sessions.idHash, hashSessionId(live.id)));
    expect(row).toMatchObject({ userId: user.id, csrfToken: live.csrfToken });
    expect(await findSession(db.db, live.id)).toMatchObject({ user: { email: 'kip@acme.example' }, csrfToken: live.csrfToken });

    const expired = await createSession(db.db, user.id, -1000);
    expect(await findSession(db.db, expired.id)).toBeUndefined();

    await db.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expect(await findSession(db.db, live.id)).toBeUndefined();
    expect(await authenticate(db.db, 'kip@acme.example', 'kip has a password')).toBeUndefined();
  });
});
