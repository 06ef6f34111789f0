import { Hono } from 'hono';
import { z } from 'zod';
import { decodeGroupKey, queueGroup, type QueueGroup, type QueueRecord } from '../../db/queries/queue.ts';
import { cachedQueueGroups } from '../read-models.ts';
import { formatMoney } from '../../domain/money.ts';
import { textField } from '../../domain/text-schema.ts';
import { FAILURE_CLASSES, OWNERS, RECORD_TYPES } from '../../domain/vocabulary.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from './auth.ts';
import { apiError } from './errors.ts';
import { canActForTenant } from '../../domain/principal.ts';
import { fieldErrors } from '../../domain/text-schema.ts';

const filters = z.strictObject({
  tenantId: textField({ label: 'The tenant id', max: 63, required: true, keepSpaces: true }).optional(),
  owner: z.enum(OWNERS).optional(),
  failureClass: z.enum(FAILURE_CLASSES).optional(),
  recordType: z.enum(RECORD_TYPES).optional(),
  group: textField({ label: 'The group', max: 2000, required: true, keepSpaces: true }).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function recordJson(r: QueueRecord) {
  return {
    workflowId: r.workflowId,
    tenantId: r.tenantId,
    recordType: r.recordType,
    sourceId: r.sourceId,
    number: r.number,
    failureClass: r.failureClass,
    owner: r.owner,
    assignee: r.assignee,
    escalatedTo: r.escalatedTo,
    actionNeeded: r.actionNeeded,
    detail: r.detail,
    currency: r.currency,
    amountMinor: r.amountMinor,
    retryCount: r.retryCount,
    blockedSince: iso(r.blockedSince),
    slaDueAt: iso(r.slaDueAt),
  };
}

function groupJson(g: QueueGroup) {
  return {
    key: g.key,
    tenantId: g.tenantId,
    rootCause: { cause: g.cause, kind: g.refKind, key: g.refKey, code: g.code },
    failureClass: g.failureClass,
    owners: g.owners,
    title: g.title,
    headline: g.headline,
    message: g.sample,
    records: g.records,
    byRecordType: Object.fromEntries(g.breakdown.map((b) => [b.recordType, b.records])),
    amounts: g.amounts.map((a) => ({ ...a, formatted: formatMoney(a.amountMinor, a.currency) })),
    oldestBlockedSince: iso(g.oldestBlockedSince),
    nextSlaDueAt: iso(g.nextSlaDueAt),
    recordList: g.preview.map(recordJson),
  };
}

/**
 * `GET /api/v1/queue`: every blocked record grouped by root cause, largest group first (filters: tenantId, owner,
 * failureClass, recordType; `group=<key>` pages through one group's records).
 */
export function queueApi() {
  const app = new Hono<AppEnv>();
  app.get('/', requirePermission('queue.read'), async (c) => {
    const parsed = filters.safeParse(c.req.query());
    if (!parsed.success) return apiError(c, 400, 'invalid_filter', 'The queue filters are not valid.', fieldErrors(parsed.error));
    const f = parsed.data;
    const principal = c.get('principal');
    if (f.tenantId && !canActForTenant(principal, f.tenantId)) return apiError(c, 404, 'not_found', `No tenant "${f.tenantId}".`);
    const tenantId = f.tenantId ?? principal.tenantId ?? undefined;
    const { db } = c.get('deps');
    const offset = (f.page - 1) * f.pageSize;

    if (f.group) {
      const rc = decodeGroupKey(f.group);
      if (!rc || !canActForTenant(principal, rc.tenantId)) return apiError(c, 404, 'not_found', 'No such group of blocked records.');
      const found = await queueGroup(db, {}, rc, { limit: f.pageSize, offset });
      if (!found) return c.json({ page: f.page, pageSize: f.pageSize, group: null });
      return c.json({ page: f.page, pageSize: f.pageSize, total: found.total, group: groupJson(found.group) });
    }

    const { value: data, asOf } = await cachedQueueGroups(c.get('reads'), db, { tenantId, owner: f.owner, failureClass: f.failureClass, recordType: f.recordType }, { limit: f.pageSize, offset, previewSize: 20 });
    return c.json({
      asOf: asOf.toISOString(),
      page: f.page,
      pageSize: f.pageSize,
      totalGroups: data.totalGroups,
      totalRecords: data.totalRecords,
      groups: data.groups.map(groupJson),
    });
  });
  return app;
}
