import { Hono } from 'hono';
import { z } from 'zod';
import { writeAudit } from '../../db/queries/audit.ts';
import { deleteMapping, listMappings, upsertMapping } from '../../db/queries/mappings.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import { getMappingHealth } from '../../db/queries/mapping-health.ts';
import { MAPPING_KINDS, type MappingKind } from '../../domain/vocabulary.ts';
import { startResumeWaiting } from '../../runtime/resume.ts';
import type { AppEnv } from '../deps.ts';
import { actorOf, canActForTenant, requireRole } from './auth.ts';
import { apiError, fieldErrors, readJson } from './errors.ts';

const mappingBody = z.strictObject({
  qboId: z.string().trim().min(1, 'is required').max(50),
  qboName: z.string().trim().max(200).optional(),
});

export function mappingsApi() {
  const app = new Hono<AppEnv>();

  app.get('/health', async (c) => {
    const tenantId = c.req.query('tenantId') ?? '';
    if (!tenantId) return apiError(c, 400, 'invalid_query', 'Give tenantId.', { tenantId: 'is required' });
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const { value: kinds, asOf } = await c.get('reads').get(`mapping-health:${tenantId}`, () => getMappingHealth(c.get('deps').db, tenantId));
    return c.json({ tenantId, asOf: asOf.toISOString(), kinds });
  });

  app.get('/:tenantId', async (c) => {
    const tenantId = c.req.param('tenantId');
    if (!canActForTenant(c.get('principal'), tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const kind = c.req.query('kind');
    if (kind && !(MAPPING_KINDS as readonly string[]).includes(kind)) return apiError(c, 400, 'invalid_kind', `kind must be one of ${MAPPING_KINDS.join(', ')}.`);
    const rows = await listMappings(c.get('deps').db, tenantId, kind as MappingKind | undefined);
    return c.json({ mappings: rows.map(({ tenantId: _t, ...m }) => m) });
  });

  /** Sets a mapping and resumes every record waiting on it (and only those). */
  app.put('/:tenantId/:kind/:sourceKey', requireRole('admin'), async (c) => {
    const { tenantId, kind, sourceKey } = c.req.param();
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
    await upsertMapping(deps.db, { tenantId, kind: kind as MappingKind, sourceKey, qboId: parsed.data.qboId, qboName: parsed.data.qboName ?? null, updatedBy: actorOf(principal) });
    await writeAudit(deps.db, { tenantId, actor: actorOf(principal), action: 'mapping.set', target: `${kind}:${sourceKey}`, detail: parsed.data });
    // Told in the background by a workflow: 10,000 waiting records took minutes to signal inside the request.
    const resumed = await startResumeWaiting(deps.db, deps.temporal, deps.taskQueue, tenantId, kind, sourceKey);
    return c.json({ tenantId, kind, sourceKey, qboId: parsed.data.qboId, resumed });
  });

  app.delete('/:tenantId/:kind/:sourceKey', requireRole('admin'), async (c) => {
    const { tenantId, kind, sourceKey } = c.req.param();
    const principal = c.get('principal');
    if (!canActForTenant(principal, tenantId)) return apiError(c, 404, 'not_found', `No tenant "${tenantId}".`);
    const deps = c.get('deps');
    const removed = await deleteMapping(deps.db, tenantId, kind, sourceKey);
    if (!removed) return apiError(c, 404, 'not_found', `No ${kind} mapping for "${sourceKey}".`);
    await writeAudit(deps.db, { tenantId, actor: actorOf(principal), action: 'mapping.clear', target: `${kind}:${sourceKey}` });
    return c.body(null, 204);
  });

  return app;
}
