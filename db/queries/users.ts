import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { and, eq, gt, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sessions, users, type UserRow } from '../schema.ts';

export type UserRole = UserRow['role'];
export const USER_ROLES = ['admin', 'finance'] as const satisfies readonly UserRole[];

/** A person as the console sees them: never the password hash. */
export type ConsoleUser = Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'tenantId'>;

/** scrypt's cost parameters: N (CPU and memory, a power of two), r (block size), p (parallelism). */
export interface PasswordCost {
  N: number;
  r: number;
  p: number;
}

/**
 * What new passwords are hashed with: N = 2^17, r = 8, p = 1 (OWASP's scrypt recommendation), about 128 MiB and a
 * second of one core here, 0.3–0.5 s on a server. A stored hash with lower parameters is verified as it is and
 * rehashed with these at its next successful sign-in.
 */
export const PASSWORD_COST: PasswordCost = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LEN = 32;

/** scrypt needs 128·N·r bytes; twice that leaves room (Node refuses anything above `maxmem`). */
function maxmemFor(cost: Pick<PasswordCost, 'N' | 'r'>): number {
  return 2 * 128 * cost.N * cost.r;
}

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * `scrypt$N$r$p$salt$hash` (base64), with a fresh random salt per password. `cost` other than PASSWORD_COST is for
 * tests that create many users; the product never passes one.
 */
export async function hashPassword(password: string, cost: PasswordCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LEN, { N: cost.N, r: cost.r, p: cost.p, maxmem: maxmemFor(cost) });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The parameters of a stored hash, or undefined when it is not one of ours (or asks for absurd resources). */
function parseHash(stored: string): { cost: PasswordCost; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || N > 2 ** 20 || r > 32 || p > 16) return undefined;
  const key = Buffer.from(parts[5]!, 'base64');
  if (key.length === 0) return undefined;
  return { cost: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64'), key };
}

/** Constant-time comparison against a stored hash, at the parameters it was made with; a malformed hash simply fails. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const { cost, salt, key } = parsed;
  const actual = await scryptAsync(password, salt, key.length, { ...cost, maxmem: maxmemFor(cost) });
  return timingSafeEqual(actual, key);
}

/** True when the stored hash is weaker than `cost` in any parameter (or not ours at all). */
export function needsRehash(stored: string, cost: PasswordCost = PASSWORD_COST): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p || parsed.key.length < KEY_LEN;
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
  opts: { cost?: PasswordCost } = {},
): Promise<ConsoleUser | 'exists'> {
  const passwordHash = await hashPassword(input.password, opts.cost);
  const rows = await db
    .insert(users)
    .values({ email: normalizeEmail(input.email), name: input.name.trim(), role: input.role, passwordHash, tenantId: input.tenantId ?? null })
    .onConflictDoNothing()
    .returning();
  return rows[0] ? publicUser(rows[0]) : 'exists';
}

/**
 * The user with this email and password, if both are right and the account is enabled. A right password stored
 * under weaker parameters than PASSWORD_COST is rehashed now (only if nobody changed it meanwhile): the plain
 * password exists only here.
 */
export async function authenticate(db: Db, email: string, password: string): Promise<ConsoleUser | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  if (!row || row.disabledAt) {
    await verifyPassword(password, await decoyHash());
    return undefined;
  }
  if (!(await verifyPassword(password, row.passwordHash))) return undefined;
  if (needsRehash(row.passwordHash)) {
    const passwordHash = await hashPassword(password);
    await db.update(users).set({ passwordHash }).where(and(eq(users.id, row.id), eq(users.passwordHash, row.passwordHash)));
  }
  return publicUser(row);
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
    if (row.disabledAt || needsRehash(row.passwordHash) || !(await verifyPassword(password, row.passwordHash))) {
      await db.update(users).set({ passwordHash: await hashPassword(password), disabledAt: null }).where(eq(users.id, row.id));
      changed.push(dev.email);
    }
  }
  return changed;
}

/** A session ends 12 hours after sign-in however busy it is (`expires_at`)… */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/**
 * …and after an hour without a request (`last_seen_at`, which the console refreshes at most every few minutes, so the
 * effective idle limit is this minus that interval).
 */
export const SESSION_IDLE_MS = 60 * 60 * 1000;

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

/** The session with this id, unless it passed its absolute or idle limit or its user was disabled. */
export async function findSession(db: Db, id: string, now = new Date()): Promise<ActiveSession | undefined> {
  const [row] = await db
    .select({ user: users, csrfToken: sessions.csrfToken, expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.idHash, hashSessionId(id)),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS)),
        isNull(users.disabledAt),
      ),
    );
  if (!row) return undefined;
  return { user: publicUser(row.user), csrfToken: row.csrfToken, expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt };
}

export async function touchSession(db: Db, id: string, now = new Date()): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, hashSessionId(id)));
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, hashSessionId(id)));
}

/** Sessions past their absolute or idle limit (findSession refuses them already; this only frees the rows). */
export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS))))
    .returning({ id: sessions.idHash });
  return rows.length;
}
