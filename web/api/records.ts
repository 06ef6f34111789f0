import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getSync, getSyncChain } from '../../db/queries/syncs.ts';
import { awraRecordSchema } from '../../domain/records.ts';
import { parseSyncWorkflowId } from '../../domain/workflow-id.ts';
import { latestRecordVersion } from '../../db/queries/records.ts';
import type { AppEnv } from '../deps.ts';
import { submitRecord } from '../intake.ts';
import { actorOf, canActForTenant, requireRole } from './auth.ts';
import { apiError, fieldErrors, readJson } from './errors.ts';

export function temporalWorkflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function recordsApi() {
  const app = new Hono<AppEnv>();

  app.post(
    '/',
    requireRole('awra', 'admin'),
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
      return c.json({ workflowId: result.workflowId, outcome: result.outcome, latestVersion: result.latestVersion }, 202);
    },
  );

  app.get('/:workflowId', async (c) => {
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
        externalRef: null, events: [], temporalUrl,
      });
    }
    const { events, attempts } = await getSyncChain(db, workflowId);
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
      assignee: row.assignee,
      escalatedTo: row.escalatedTo,
      blockedSince: row.blockedSince,
      slaDueAt: row.slaDueAt,
      amountMinor: row.amountMinor,
      currency: row.currency,
      txnDate: row.txnDate,
      updatedAt: row.updatedAt,
      events: events.map(({ id: _id, workflowId: _w, tenantId: _t, ...e }) => e),
      temporalUrl,
    });
  });

  return app;
}
