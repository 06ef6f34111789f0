import type { MiddlewareHandler } from 'hono';
import { findActiveApiKey } from '../../db/queries/api-keys.ts';
import type { AppEnv, Principal } from '../deps.ts';
import { apiError } from './errors.ts';

/** `Authorization: Bearer <api key>`; only a hash of the key is looked up. */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return apiError(c, 401, 'unauthenticated', 'Send an API key as "Authorization: Bearer <key>".');
  const key = await findActiveApiKey(c.get('deps').db, match[1]!);
  if (!key) return apiError(c, 401, 'unauthenticated', 'This API key is not valid or has been revoked.');
  c.set('principal', { kind: 'api_key', id: key.id, name: key.name, role: key.role, tenantId: key.tenantId });
  await next();
};

export function canActForTenant(p: Principal, tenantId: string): boolean {
  return p.tenantId === null || p.tenantId === tenantId;
}

export function requireRole(...roles: Principal['role'][]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!roles.includes(p.role)) {
      return apiError(c, 403, 'forbidden', `This needs the ${roles.join(' or ')} role; the key "${p.name}" is ${p.role}.`);
    }
    await next();
  };
}

export function actorOf(p: Principal): string {
  return p.kind === 'user' ? `user:${p.name}` : `api-key:${p.name}`;
}
