import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { listNotifications } from '../../db/queries/notifications.ts';
import { getTenant } from '../../db/queries/tenants.ts';
import type { NotificationRow } from '../../db/schema.ts';
import { actorOf, canActForTenant } from '../../domain/principal.ts';
import { fieldErrors, textField } from '../../domain/text-schema.ts';
import { routesView, saveRoutes } from '../../services/notification-routes.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from './auth.ts';
import { apiError, readJson } from './errors.ts';

const tenantId = textField({ label: 'The tenant id', max: 63, required: true, keepSpaces: true });
const listQuery = z.object({
  tenantId,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** One ledger row as the API lists it: optional fields only when they hold something. */
export function notificationJson(n: NotificationRow) {
  return {
    id: n.id,
    channel: n.channel,
    recipient: n.recipient,
    subject: n.subject,
    trigger: n.trigger,
    ...(n.workflowId ? { workflowId: n.workflowId } : {}),
    status: n.status,
    attempts: n.attempts,
    ...(n.sentAt ? { sentAt: n.sentAt } : {}),
    createdAt: n.createdAt,
    ...(n.lastError ? { lastError: n.lastError } : {}),
  };
}

/** The tenant a request names (path or query), if the principal may act for it and it exists; else the answer. */
async function tenantOf(c: Context<AppEnv>, raw: string | undefined): Promise<{ ok: true; tenantId: string } | { ok: false; response: Response }> {
  const parsed = tenantId.safeParse(raw);
  if (!parsed.success) return { ok: false, response: apiError(c, 400, 'invalid_tenant', 'Give a valid tenantId.', { tenantId: fieldErrors(parsed.error)['(body)'] ?? 'invalid' }) };
  if (!canActForTenant(c.get('principal'), parsed.data) || !(await getTenant(c.get('deps').db, parsed.data))) {
    return { ok: false, response: apiError(c, 404, 'not_found', `No tenant "${parsed.data}".`) };
  }
  return { ok: true, tenantId: parsed.data };
}

/**
 * `/api/v1/notifications` (admin): every message sent or attempted for a tenant, newest first, and the tenant's
 * routing — who is told of what, its escalation contacts and webhook endpoints (secrets are write-only).
 */
export function notificationsApi() {
  const app = new Hono<AppEnv>();

  app.get('/', requirePermission('notifications.ledger'), async (c) => {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) return apiError(c, 400, 'invalid_query', 'Give tenantId, and limit (1-500) and offset as whole numbers if at all.', fieldErrors(parsed.error));
    const t = await tenantOf(c, parsed.data.tenantId);
    if (!t.ok) return t.response;
    const rows = await listNotifications(c.get('deps').db, t.tenantId, { limit: parsed.data.limit, offset: parsed.data.offset });
    return c.json({ tenantId: t.tenantId, notifications: rows.map(notificationJson) });
  });

  app.get('/routes/:tenantId', requirePermission('notifications.routes'), async (c) => {
    const t = await tenantOf(c, c.req.param('tenantId'));
    if (!t.ok) return t.response;
    return c.json(await routesView(c.get('deps').db, t.tenantId));
  });

  app.put('/routes/:tenantId', requirePermission('notifications.routes'), async (c) => {
    const t = await tenantOf(c, c.req.param('tenantId'));
    if (!t.ok) return t.response;
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const deps = c.get('deps');
    const saved = await saveRoutes(deps, t.tenantId, body.value, actorOf(c.get('principal')));
    if (!saved.ok) return apiError(c, 400, 'invalid_routes', 'The routing is not valid; nothing was changed.', saved.fields);
    return c.json(await routesView(deps.db, t.tenantId));
  });

  return app;
}
