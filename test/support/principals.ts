import { createApiKey, type ApiKeyInfo } from '../../db/queries/api-keys.ts';
import type { Role } from '../../domain/permissions.ts';
import type { Harness } from './harness.ts';

/** API keys of any role and tenant scope, made the way `npm run apikey` and the API make them. */

export interface TestKey {
  key: string;
  apiKey: ApiKeyInfo;
}

let seq = 0;

/** A new key for `role`; `tenantId` null is a key for every tenant. */
export async function keyFor(h: Harness, role: Role, tenantId: string | null, name?: string): Promise<TestKey> {
  seq += 1;
  const created = await createApiKey(h.db.db, { name: name ?? `${role}-${tenantId ?? 'all'}-${seq}`, role, tenantId, createdBy: 'test' });
  if (!created.ok) throw new Error(`could not create a ${role} key: ${created.message} ${JSON.stringify(created.fields)}`);
  return { key: created.key, apiKey: created.apiKey };
}

/** `h.api` with another key (or none: `null`). */
export function apiAs(h: Harness, key: string | null) {
  return (method: string, path: string, body?: unknown) =>
    h.api(method, path, body, key === null ? { authorization: '' } : { authorization: `Bearer ${key}` });
}
