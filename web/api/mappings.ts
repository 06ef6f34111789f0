import { Hono } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../db/queries/audit.ts';
import { deleteMapping, listMappings } from '../../db/queries/mappings.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { getMappingHealth } from '../../db/queries/mapping-health.ts';
import { textField } from '../../domain/text-schema.ts';
import { MAPPING_KINDS, type MappingKind } from '../../domain/vocabulary.ts';
import { setMapping } from '../../services/mappings.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from './auth.ts';
import { apiError, readJson } from './errors.ts';
import { actorOf, canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

const mappingBody = z.strictObject({
  qboId: textField({ label: 'The QuickBooks id', max: 50, required: true }),
  qboName: textField({ label: 'The QuickBooks name', max: 200 }).optional(),
});

// Path identifiers are judged as sent (not trimmed), so a request never addresses another key than the one it named.
const tenantParam = textField({ label: 'The tenant id', max: 63, required: true, keepSpaces: true });
const mappingParams = z.object({
  tenantId: tenantParam,
  kind: z.string(),
  sourceKey: textField({ label: 'The AWRA value', max: 200, required: true, keepSpaces: true }),
});
const healthQuery = z.object({ tenantId: tenantParam });

export function mappingsApi() {
  const app = new Hono<AppEnv>();

  app.get('/health', requirePermission('mappings.read'), async (c) => {
    const query = healthQuery.safeParse({ tenantId: c.req.query('tenantId') || undefined });
    if (!query.success) return apiError(c, 400, 'invalid_query', 'Give tenantId.', fieldErrors(query.error));
    const { tenantId } = query.data;
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const { value: kinds, asOf } = await c.get('reads').get(`mapping-health:${tenantId}`, () => getMappingHealth(c.get('deps').db, tenantId));
    return c.json({ tenantId, asOf: asOf.toISOString(), kinds });
  });

  app.get('/:tenantId', requirePermission('mappings.read'), async (c) => {
    const param = tenantParam.safeParse(c.req.param('tenantId'));
    if (!param.success) return apiError(c, 400, 'invalid_tenant', 'The tenant id is not valid.', fieldErrors(param.error));
    const tenantId = param.data;
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const kind = c.req.query('kind');
    if (kind && !(MAPPING_KINDS as readonly string[]).includes(kind)) return apiError(c, 400, 'invalid_kind', `kind must be one of ${MAPPING_KINDS.join(', ')}.`);
    const rows = await listMappings(c.get('deps').db, tenantId, kind as MappingKind | undefined);
    return c.json({ mappings: rows.map(({ tenantId: _t, ...m }) => m) });
  });

  /** Sets a mapping and resumes every record waiting on it (and only those). */
  app.put('/:tenantId/:kind/:sourceKey', requirePermission('mappings.set'), async (c) => {
    const params = mappingParams.safeParse(c.req.param());
    if (!params.success) return apiError(c, 400, 'invalid_mapping', 'The mapping is not valid; nothing was changed.', fieldErrors(params.error));
    const { tenantId, kind, sourceKey } = params.data;
    const principal = c.get('principal');
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    if (!(MAPPING_KINDS as readonly string[]).includes(kind)) {
      return apiError(c, 400, 'invalid_kind', `kind must be one of ${MAPPING_KINDS.join(', ')}.`, { kind: 'unknown mapping kind' });
    }
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = mappingBody.safeParse(body.value);
    if (!parsed.success) return apiError(c, 400, 'invalid_mapping', 'The mapping is not valid; nothing was changed.', fieldErrors(parsed.error));
    const deps = c.get('deps');
    if (!(await getTenant(deps.db, tenantId))) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const { resumed, delivery } = await setMapping(deps, principal, { tenantId, kind: kind as MappingKind, sourceKey, qboId: parsed.data.qboId, qboName: parsed.data.qboName ?? null, detail: parsed.data });
    return c.json({ tenantId, kind, sourceKey, qboId: parsed.data.qboId, resumed, delivery });
  });

  app.delete('/:tenantId/:kind/:sourceKey', requirePermission('mappings.set'), async (c) => {
    const params = mappingParams.safeParse(c.req.param());
    if (!params.success) return apiError(c, 400, 'invalid_mapping', 'The mapping is not valid; nothing was changed.', fieldErrors(params.error));
    const { tenantId, kind, sourceKey } = params.data;
    const principal = c.get('principal');
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const deps = c.get('deps');
    const removed = await deps.db.transaction(async (tx) => {
      const found = await deleteMapping(tx, tenantId, kind, sourceKey);
      if (found) await writeAudit(tx, { tenantId, actor: actorOf(principal), action: 'mapping.clear', target: `${kind}:${sourceKey}` });
      return found;
    });
    if (!removed) return apiError(c, 404, 'not_found', `No ${kind} mapping for "${sourceKey}".`);
    return c.body(null, 204);
  });

  return app;
}
