import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sessions, users, type UserRow } from '../schema.ts';

export type UserRole = UserRow['role'];
export const USER_ROLES = ['admin', 'finance'] as const satisfies readonly UserRole[];

/** A person as the console sees them: never the password hash. */
export type ConsoleUser = Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'tenantId'>;

const SCRYPT_N = 16_384;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_LEN = 32;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash` (base64), with a fresh random salt per password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LEN, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time comparison against a stored hash; any malformed hash simply fails. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 1 << 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;
/** A hash to verify against when the email is unknown, so a wrong email costs as long as a wrong password. */
function decoyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function publicUser(u: UserRow): ConsoleUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role, tenantId: u.tenantId };
}

export async function createUser(
  db: Db,
  input: { email: string; name: string; role: UserRole; password: string; tenantId?: string | null },
): Promise<ConsoleUser | 'exists'> {
  const passwordHash = await hashPassword(input.password);
  const rows = await db
    .insert(users)
    .values({ email: normalizeEmail(input.email), name: input.name.trim(), role: input.role, passwordHash, tenantId: input.tenantId ?? null })
    .onConflictDoNothing()
    .returning();
  return rows[0] ? publicUser(rows[0]) : 'exists';
}

/** The user with this email and password, if both are right and the account is enabled. */
export async function authenticate(db: Db, email: string, password: string): Promise<ConsoleUser | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  if (!row || row.disabledAt) {
    await verifyPassword(password, await decoyHash());
    return undefined;
  }
  return (await verifyPassword(password, row.passwordHash)) ? publicUser(row) : undefined;
}

/** The development sign-ins `npm start` prints (never created in production). */
export const DEV_USERS = [
  { email: 'admin@localhost', name: 'Development admin', role: 'admin' },
  { email: 'finance@localhost', name: 'Development finance clerk', role: 'finance' },
] as const satisfies ReadonlyArray<{ email: string; name: string; role: UserRole }>;

/**
 * Makes what `npm start` prints true on every start: both development users exist, are enabled and take `password`
 * (kept in the data folder). A start whose password file was lost resets their password instead of printing one
 * that would be refused. Returns the emails whose account was created or repaired.
 */
export async function ensureDevUsers(db: Db, password: string): Promise<string[]> {
  const changed: string[] = [];
  for (const dev of DEV_USERS) {
    const [row] = await db.select().from(users).where(eq(users.email, dev.email));
    if (!row) {
      if ((await createUser(db, { ...dev, password })) !== 'exists') changed.push(dev.email);
      continue;
    }
    if (row.disabledAt || !(await verifyPassword(password, row.passwordHash))) {
      await db.update(users).set({ passwordHash: await hashPassword(password), disabledAt: null }).where(eq(users.id, row.id));
      changed.push(dev.email);
    }
  }
  return changed;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** A new session: the raw id goes to the browser's cookie; only its SHA-256 is stored. */
export async function createSession(db: Db, userId: number, ttlMs = SESSION_TTL_MS): Promise<{ id: string; csrfToken: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insert(sessions).values({ idHash: hashSessionId(id), userId, csrfToken, expiresAt });
  return { id, csrfToken, expiresAt };
}

export interface ActiveSession {
  user: ConsoleUser;
  csrfToken: string;
  expiresAt: Date;
  lastSeenAt: Date;
}

export async function findSession(db: Db, id: string): Promise<ActiveSession | undefined> {
  const [row] = await db
    .select({ user: users, csrfToken: sessions.csrfToken, expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, hashSessionId(id)), gt(sessions.expiresAt, new Date()), isNull(users.disabledAt)));
  if (!row) return undefined;
  return { user: publicUser(row.user), csrfToken: row.csrfToken, expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt };
}

export async function touchSession(db: Db, id: string): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: new Date() }).where(eq(sessions.idHash, hashSessionId(id)));
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, hashSessionId(id)));
}

export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const rows = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.idHash });
  return rows.length;
}
