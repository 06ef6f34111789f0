import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { apiKeys, type ApiKey } from '../schema.ts';

export type ApiRole = ApiKey['role'];

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `qsh_${randomBytes(24).toString('base64url')}`;
}

export async function findActiveApiKey(db: Db, key: string): Promise<ApiKey | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)));
  return row;
}

/** Registers a key if its hash is not known yet (used for the development key on every start). */
export async function ensureApiKey(db: Db, input: { name: string; key: string; role: ApiRole; tenantId?: string | null }): Promise<void> {
  await db
    .insert(apiKeys)
    .values({ name: input.name, keyHash: hashApiKey(input.key), role: input.role, tenantId: input.tenantId ?? null })
    .onConflictDoNothing();
}
