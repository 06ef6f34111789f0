import { Hono } from 'hono';
import { z } from 'zod';
import { createApiKey, KEY_NAME, listApiKeys, revokeApiKey, type ApiKeyInfo } from '../../db/queries/api-keys.ts';
import { ROLES } from '../../domain/permissions.ts';
import { textField } from '../../domain/text-schema.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from './auth.ts';
import { apiError, readJson } from './errors.ts';
import { actorOf, canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

const newKey = z.strictObject({
  name: textField(KEY_NAME),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
  tenantId: textField({ label: 'The tenant id', max: 63, required: true, keepSpaces: true }).nullable().optional(),
});

/** A key id as the path sends it: digits that fit a bigserial; anything else names no key. */
const KEY_ID = /^[1-9][0-9]{0,14}$/;

export function apiKeyJson(k: ApiKeyInfo) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    tenantId: k.tenantId,
    createdBy: k.createdBy,
    dev: k.dev,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

/**
 * `/api/v1/api-keys` (admin): list, create (the key is in the 201 answer and nowhere else) and revoke. A
 * tenant-scoped admin key sees and manages only its tenant's keys and cannot create a key for every tenant.
 */
export function apiKeysApi() {
  const app = new Hono<AppEnv>();

  app.get('/', requirePermission('apikeys.manage'), async (c) => {
    const p = c.get('principal');
    const keys = await listApiKeys(c.get('deps').db, p.tenantId === null ? {} : { tenantId: p.tenantId });
    return c.json({ apiKeys: keys.map(apiKeyJson) });
  });

  app.post('/', requirePermission('apikeys.manage'), async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = newKey.safeParse(body.value);
    if (!parsed.success) return apiError(c, 400, 'invalid_api_key', 'The API key is not valid; nothing was stored.', fieldErrors(parsed.error));
    const p = c.get('principal');
    const tenantId = parsed.data.tenantId ?? null;
    if (tenantId === null && p.tenantId !== null) {
      return apiError(c, 403, 'forbidden', `A key for every tenant needs an all-tenant admin key; give tenantId "${p.tenantId}".`);
    }
    if (tenantId !== null && !canActForTenant(p, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const created = await createApiKey(c.get('deps').db, { name: parsed.data.name, role: parsed.data.role, tenantId, createdBy: actorOf(p) });
    if (!created.ok) {
      return created.code === 'unknown_tenant'
        ? apiError(c, 404, 'not_found', created.message, created.fields)
        : apiError(c, 400, 'invalid_api_key', created.message, created.fields);
    }
    const k = created.apiKey;
    // The one answer that holds the key: no cache may keep it.
    c.header('Cache-Control', 'no-store');
    return c.json({ id: k.id, key: created.key, prefix: k.prefix, name: k.name, role: k.role, tenantId: k.tenantId }, 201);
  });

  app.delete('/:id', requirePermission('apikeys.manage'), async (c) => {
    const id = c.req.param('id');
    const p = c.get('principal');
    const notFound = () => apiError(c, 404, 'not_found', `No API key ${id}.`);
    if (!KEY_ID.test(id)) return notFound();
    const out = await revokeApiKey(c.get('deps').db, { id: Number(id) }, { by: actorOf(p), ...(p.tenantId === null ? {} : { tenantId: p.tenantId }) });
    if (out.status === 'not_found' || out.status === 'ambiguous') return notFound();
    return c.body(null, 204);
  });

  return app;
}
