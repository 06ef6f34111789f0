import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { notificationsForRecord } from '../../db/queries/notifications.ts';
import { getSync, getSyncChain } from '../../db/queries/syncs.ts';
import { awraRecordSchema } from '../../domain/records.ts';
import { parseSyncWorkflowId } from '../../domain/workflow-id.ts';
import { latestRecordVersion } from '../../db/queries/records.ts';
import type { AppEnv } from '../deps.ts';
import { notificationJson } from './notifications.ts';
import { submitRecord } from '../../services/intake.ts';
import { requirePermission } from './auth.ts';
import { apiError, readJson } from './errors.ts';
import { actorOf, canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

export function temporalWorkflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

const MAX_BATCH = 500;

/**
 * `POST /api/v1/records:batch` `{ records: [...] }` (≤ 500): each record is validated, stored and started on its
 * own, exactly as the single endpoint would; the answer lists each item's outcome by index. A rejected item stores
 * nothing; the others are not held back by it.
 */
export function recordsBatchApi() {
  const app = new Hono<AppEnv>();
  app.post(
    '/:batch{records:batch}',
    requirePermission('records.submit'),
    bodyLimit({ maxSize: 8 * 1024 * 1024, onError: (c) => apiError(c, 413, 'too_large', 'A batch may be at most 8 MiB of JSON.') }),
    async (c) => {
      const body = await readJson(c);
      if (!body.ok) return body.response;
      const list = (body.value as { records?: unknown } | null)?.records;
      if (!Array.isArray(list)) return apiError(c, 400, 'invalid_batch', 'Send { "records": [ … ] }.', { records: 'must be an array' });
      if (list.length === 0 || list.length > MAX_BATCH) {
        return apiError(c, 400, 'invalid_batch', `A batch holds 1 to ${MAX_BATCH} records; this one has ${list.length}.`, { records: `1 to ${MAX_BATCH} records` });
      }
      const principal = c.get('principal');
      const deps = c.get('deps');
      const results = [];
      for (const [index, item] of list.entries()) {
        const parsed = awraRecordSchema.safeParse(item);
        if (!parsed.success) {
          results.push({ index, ok: false, error: { code: 'invalid_record', message: 'The record does not match the AWRA record format; nothing was stored.', fields: fieldErrors(parsed.error) } });
          continue;
        }
        if (!canActForTenant(principal, parsed.data.tenantId)) {
          results.push({ index, ok: false, error: { code: 'forbidden', message: `This API key may not submit records for tenant "${parsed.data.tenantId}".` } });
          continue;
        }
        const r = await submitRecord(deps, parsed.data, actorOf(principal));
        results.push(
          r.ok
            ? { index, ok: true, workflowId: r.workflowId, outcome: r.outcome, latestVersion: r.latestVersion, delivery: r.delivery }
            : { index, ok: false, error: { code: r.code, message: r.message, ...(r.fields ? { fields: r.fields } : {}) } },
        );
      }
      const accepted = results.filter((r) => r.ok).length;
      return c.json({ accepted, rejected: results.length - accepted, results }, 200);
    },
  );
  return app;
}

export function recordsApi() {
  const app = new Hono<AppEnv>();

  app.post(
    '/',
    requirePermission('records.submit'),
    bodyLimit({ maxSize: 1024 * 1024, onError: (c) => apiError(c, 413, 'too_large', 'A record may be at most 1 MiB of JSON.') }),
    async (c) => {
      const body = await readJson(c);
      if (!body.ok) return body.response;
      const parsed = awraRecordSchema.safeParse(body.value);
      if (!parsed.success) {
        return apiError(c, 400, 'invalid_record', 'The record does not match the AWRA record format; nothing was stored.', fieldErrors(parsed.error));
      }
      const principal = c.get('principal');
      if (!canActForTenant(principal, parsed.data.tenantId)) {
        return apiError(c, 403, 'forbidden', `This API key may not submit records for tenant "${parsed.data.tenantId}".`);
      }
      const deps = c.get('deps');
      const result = await submitRecord(deps, parsed.data, actorOf(principal));
      if (!result.ok) return apiError(c, result.status, result.code, result.message, result.fields);
      return c.json({ workflowId: result.workflowId, outcome: result.outcome, latestVersion: result.latestVersion, delivery: result.delivery }, 202);
    },
  );

  app.get('/:workflowId', requirePermission('records.read'), async (c) => {
    const workflowId = c.req.param('workflowId');
    const ref = parseSyncWorkflowId(workflowId);
    const principal = c.get('principal');
    if (!ref || !canActForTenant(principal, ref.tenantId)) {
      return apiError(c, 404, 'not_found', `No record sync "${workflowId}".`);
    }
    const { db, temporalUiUrl, temporal } = c.get('deps');
    const row = await getSync(db, ref.tenantId, workflowId);
    const temporalUrl = temporalWorkflowUrl(temporalUiUrl, temporal.options.namespace, workflowId);
    if (!row) {
      const version = await latestRecordVersion(db, ref);
      if (version === undefined) return apiError(c, 404, 'not_found', `No record sync "${workflowId}".`);
      return c.json({
        workflowId, ...ref, version, state: 'queued', failureClass: null, owner: 'system',
        actionNeeded: null, retryCount: 0, readiness: [], mappings: [], duplicateCandidates: [], attempts: [],
        externalRef: null, drift: null, events: [], notifications: [], temporalUrl,
      });
    }
    const [{ events, attempts }, told] = await Promise.all([getSyncChain(db, workflowId), notificationsForRecord(db, workflowId)]);
    return c.json({
      workflowId: row.workflowId,
      tenantId: row.tenantId,
      recordType: row.recordType,
      sourceId: row.sourceId,
      number: row.number,
      version: row.version,
      state: row.state,
      failureClass: row.failureClass,
      owner: row.owner,
      actionNeeded: row.actionNeeded,
      retryCount: row.retryCount,
      readiness: row.readiness,
      mappings: row.mappings,
      duplicateCandidates: row.duplicateCandidates,
      attempts: attempts.map(({ id: _id, workflowId: _w, tenantId: _t, ...a }) => a),
      externalRef: row.externalRef,
      drift: row.drift ?? null,
      assignee: row.assignee,
      escalatedTo: row.escalatedTo,
      blockedSince: row.blockedSince,
      slaDueAt: row.slaDueAt,
      amountMinor: row.amountMinor,
      currency: row.currency,
      txnDate: row.txnDate,
      updatedAt: row.updatedAt,
      events: events.map(({ id: _id, workflowId: _w, tenantId: _t, ...e }) => e),
      // Who was told about the record, and each delivery attempt (the notifications ledger, beside the workflow's events).
      notifications: told.map((n) => ({
        ...notificationJson(n),
        deliveries: n.deliveries.map((d) => ({ attempt: d.attempt, at: d.at, ok: d.ok, ...(d.statusCode !== null ? { statusCode: d.statusCode } : {}), ...(d.detail ? { detail: d.detail } : {}) })),
      })),
      temporalUrl,
    });
  });

  return app;
}
