import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, lt, ne, or } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { apiKeys, tenants, type ApiKey } from '../schema.ts';
import { isRole, ROLES, type Role } from '../../domain/permissions.ts';
import { textProblem, type TextRule } from '../../domain/text.ts';
import { writeAudit } from './audit.ts';

export type ApiRole = ApiKey['role'];

/** What may be shown of a key: everything but its hash. */
export type ApiKeyInfo = Omit<ApiKey, 'keyHash'>;

/** The rule for a key's name, shared by the API, the console and `npm run apikey`. */
export const KEY_NAME: TextRule = { label: 'The key name', max: 100, required: true };
const TENANT_ID: TextRule = { label: 'The tenant id', max: 63, required: true, keepSpaces: true };

/** `qsh_` and 8 more characters: enough to tell keys apart in a list, far too little to use one. */
export const KEY_PREFIX_LENGTH = 12;
/** `last_used_at` is rewritten at most this often per key. */
export const TOUCH_EVERY_MS = 5 * 60_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `qsh_${randomBytes(24).toString('base64url')}`;
}

export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

const info = {
  id: apiKeys.id,
  name: apiKeys.name,
  role: apiKeys.role,
  tenantId: apiKeys.tenantId,
  prefix: apiKeys.prefix,
  createdBy: apiKeys.createdBy,
  dev: apiKeys.dev,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

export async function findActiveApiKey(db: Db, key: string): Promise<ApiKey | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)));
  return row;
}

/**
 * Records that a key was used, unless the stored time is recent: most requests write nothing. The condition is
 * repeated in SQL so concurrent requests of one key write once.
 */
export async function touchLastUsed(db: Db, key: Pick<ApiKey, 'id' | 'lastUsedAt'>, now = new Date()): Promise<boolean> {
  if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < TOUCH_EVERY_MS) return false;
  const stale = new Date(now.getTime() - TOUCH_EVERY_MS);
  const rows = await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, key.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** Every key (revoked ones too, with `revokedAt`), oldest first; `tenantId` limits the list to that tenant's keys. */
export async function listApiKeys(db: Db, scope: { tenantId?: string } = {}): Promise<ApiKeyInfo[]> {
  return db
    .select(info)
    .from(apiKeys)
    .where(scope.tenantId === undefined ? undefined : eq(apiKeys.tenantId, scope.tenantId))
    .orderBy(asc(apiKeys.id));
}

export interface NewApiKey {
  name: string;
  role: string;
  /** Null: a key for every tenant. */
  tenantId: string | null;
  /** Who asks: `user:<email>`, `api-key:<name>`, `cli`… (stored and audited). */
  createdBy: string;
}

export type CreateApiKeyResult =
  | { ok: true; /** The key itself: shown once, never stored. */ key: string; apiKey: ApiKeyInfo }
  | { ok: false; code: 'invalid' | 'unknown_tenant'; message: string; fields: Partial<Record<'name' | 'role' | 'tenantId', string>> };

/**
 * Creates a key and its audit row in one transaction. Only the key's hash and its prefix are stored; the key is in
 * the answer and nowhere else. A tenant-scoped key needs an existing tenant.
 */
export async function createApiKey(db: Db, input: NewApiKey): Promise<CreateApiKeyResult> {
  const fields: Partial<Record<'name' | 'role' | 'tenantId', string>> = {};
  const nameProblem = textProblem(input.name, KEY_NAME);
  if (nameProblem) fields.name = nameProblem;
  if (!isRole(input.role)) fields.role = `The role must be one of ${ROLES.join(', ')}.`;
  const tenantProblem = input.tenantId === null ? undefined : textProblem(input.tenantId, TENANT_ID);
  if (tenantProblem) fields.tenantId = tenantProblem;
  if (Object.keys(fields).length > 0) return { ok: false, code: 'invalid', message: 'The API key is not valid; nothing was stored.', fields };
  const name = input.name.trim();
  const role = input.role as Role;
  const key = generateApiKey();
  const prefix = keyPrefix(key);
  return db.transaction(async (tx) => {
    if (input.tenantId !== null) {
      const [tenant] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, input.tenantId));
      if (!tenant) {
        const message = `No tenant "${input.tenantId}".`;
        return { ok: false as const, code: 'unknown_tenant' as const, message, fields: { tenantId: message } };
      }
    }
    const [row] = await tx
      .insert(apiKeys)
      .values({ name, keyHash: hashApiKey(key), role, tenantId: input.tenantId, prefix, createdBy: input.createdBy })
      .returning(info);
    await writeAudit(tx, { tenantId: row!.tenantId, actor: input.createdBy, action: 'apikey.create', target: prefix, detail: { id: row!.id, name, role } });
    return { ok: true as const, key, apiKey: row! };
  });
}

/** A key named by its id or by its prefix (`qsh_` + 8 characters, as lists show it). */
export type ApiKeyRef = { id: number } | { prefix: string };

export type RevokeResult =
  | { status: 'revoked' | 'already_revoked'; apiKey: ApiKeyInfo }
  | { status: 'not_found' }
  | { status: 'ambiguous'; matches: ApiKeyInfo[] };

/**
 * Revokes one key; revoking a revoked key again changes nothing and says so. `tenantId` limits it to that tenant's
 * keys (a tenant-scoped admin); others answer `not_found`. A prefix shared by two live keys is refused as ambiguous.
 */
export async function revokeApiKey(db: Db, ref: ApiKeyRef, opts: { by: string; tenantId?: string }): Promise<RevokeResult> {
  const byRef = 'id' in ref ? eq(apiKeys.id, ref.id) : eq(apiKeys.prefix, ref.prefix);
  const scope = opts.tenantId === undefined ? undefined : eq(apiKeys.tenantId, opts.tenantId);
  return db.transaction(async (tx) => {
    const rows = await tx.select(info).from(apiKeys).where(and(byRef, scope)).orderBy(asc(apiKeys.id));
    const live = rows.filter((r) => r.revokedAt === null);
    if (live.length > 1) return { status: 'ambiguous' as const, matches: live };
    if (live.length === 0) return rows.length > 0 ? { status: 'already_revoked' as const, apiKey: rows.at(-1)! } : { status: 'not_found' as const };
    const revoked = await revokeRow(tx, live[0]!, opts.by);
    return revoked ? { status: 'revoked' as const, apiKey: revoked } : { status: 'already_revoked' as const, apiKey: live[0]! };
  });
}

async function revokeRow(tx: DbOrTx, key: ApiKeyInfo, by: string): Promise<ApiKeyInfo | undefined> {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, key.id), isNull(apiKeys.revokedAt)))
    .returning(info);
  if (row) await writeAudit(tx, { tenantId: row.tenantId, actor: by, action: 'apikey.revoke', target: row.prefix ?? `#${row.id}`, detail: { id: row.id, name: row.name, role: row.role } });
  return row;
}

export type DevKeyResult =
  | { status: 'ok'; apiKey: ApiKeyInfo; created: boolean; /** Earlier development keys this call revoked. */ revoked: ApiKeyInfo[] }
  | { status: 'revoked'; apiKey: ApiKeyInfo };

/**
 * Registers the development key (`dev`, named "development", admin for every tenant) and revokes every other live
 * development key, so a start with another DEV_API_KEY leaves the previous one unusable. A key that was revoked
 * stays revoked: the answer says so and the caller must choose another.
 */
export async function ensureDevApiKey(db: Db, key: string, opts: { by?: string } = {}): Promise<DevKeyResult> {
  const by = opts.by ?? 'npm start';
  return db.transaction(async (tx) => {
    const [existing] = await tx.select(info).from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key)));
    if (existing?.revokedAt) return { status: 'revoked' as const, apiKey: existing };
    let current: ApiKeyInfo;
    if (existing) {
      current = existing.dev ? existing : (await tx.update(apiKeys).set({ dev: true }).where(eq(apiKeys.id, existing.id)).returning(info))[0]!;
    } else {
      current = (
        await tx
          .insert(apiKeys)
          .values({ name: 'development', keyHash: hashApiKey(key), role: 'admin', tenantId: null, prefix: keyPrefix(key), createdBy: by, dev: true })
          .returning(info)
      )[0]!;
      await writeAudit(tx, { tenantId: null, actor: by, action: 'apikey.create', target: current.prefix, detail: { id: current.id, name: current.name, role: current.role, dev: true } });
    }
    const others = await tx
      .select(info)
      .from(apiKeys)
      .where(and(eq(apiKeys.dev, true), isNull(apiKeys.revokedAt), ne(apiKeys.id, current.id)))
      .orderBy(asc(apiKeys.id));
    const revoked: ApiKeyInfo[] = [];
    for (const other of others) {
      const row = await revokeRow(tx, other, by);
      if (row) revoked.push(row);
    }
    return { status: 'ok' as const, apiKey: current, created: !existing, revoked };
  });
}

/** Registers a key if its hash is not known yet (test and benchmark stacks; `npm start` uses `ensureDevApiKey`). */
export async function ensureApiKey(db: Db, input: { name: string; key: string; role: ApiRole; tenantId?: string | null }): Promise<void> {
  await db
    .insert(apiKeys)
    .values({ name: input.name, keyHash: hashApiKey(input.key), role: input.role, tenantId: input.tenantId ?? null, prefix: keyPrefix(input.key) })
    .onConflictDoNothing();
}
