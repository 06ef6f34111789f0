import type { MiddlewareHandler } from 'hono';
import { findActiveApiKey, touchLastUsed } from '../../db/queries/api-keys.ts';
import { can, refusal, type Permission } from '../../domain/permissions.ts';
import { keyPrincipal } from '../../domain/principal.ts';
import type { AppEnv } from '../deps.ts';
import { apiError } from './errors.ts';

/**
 * `Authorization: Bearer <api key>`; only a hash of the key is looked up. `last_used_at` is written only when the
 * stored one is older than a few minutes, so a busy key does not cost a write per request.
 */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return apiError(c, 401, 'unauthenticated', 'Send an API key as "Authorization: Bearer <key>".');
  const { db } = c.get('deps');
  const key = await findActiveApiKey(db, match[1]!);
  if (!key) return apiError(c, 401, 'unauthenticated', 'This API key is not valid or has been revoked.');
  await touchLastUsed(db, key);
  c.set('principal', keyPrincipal(key));
  await next();
};

const declared = new WeakMap<MiddlewareHandler<AppEnv>, Permission>();

/**
 * Refuses (403 `forbidden`) a principal whose role the permission table (domain/permissions.ts) does not allow.
 * Every API route declares one, reading routes too; `declaredPermission` reads it back from the route list, so a
 * test can hold every route to the table.
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    const p = c.get('principal');
    if (!can(p.role, permission)) return apiError(c, 403, 'forbidden', refusal(permission, p.role, `the API key "${p.name}"`));
    await next();
  };
  declared.set(check, permission);
  return check;
}

/** The permission a route handler from `app.routes` enforces, when it is a `requirePermission` middleware. */
export function declaredPermission(handler: unknown): Permission | undefined {
  return typeof handler === 'function' ? declared.get(handler as MiddlewareHandler<AppEnv>) : undefined;
}
