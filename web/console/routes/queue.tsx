import { Hono } from 'hono';
import { z } from 'zod';
import { visibleTenants } from '../../../db/queries/console.ts';
import { decodeGroupKey, groupWorkflowIds, queueGroup, type QueueFilter } from '../../../db/queries/queue.ts';
import { cachedQueueGroups } from '../../read-models.ts';
import { KIND_ENTITY } from '../../../db/queries/refs.ts';
import { rootCauseTitle } from '../../../domain/queue.ts';
import { FAILURE_CLASSES, OWNERS, RECORD_TYPES } from '../../../domain/vocabulary.ts';
import { runRecordAction } from '../../../services/record-actions.ts';
import { requirePermission, signedIn } from '../auth.ts';
import { canSeeTenant, effectiveTenant, type ConsoleEnv } from '../env.ts';
import { formFields, refuse, respond } from '../http.tsx';
import type { BulkJobs } from '../jobs.ts';
import { BulkJobProgress, QueueGroupPage, QueueGroupResults, QueuePageView, QueueResults, type QueueFilterValues } from '../views/queue.tsx';

const PAGE_SIZE = 100;
const BULK_CONCURRENCY = 4;

/** GET filters: an unknown value (a stale bookmark, a typo) is dropped rather than failing the whole page. */
const filterSchema = z.object({
  tenantId: z.string().max(63).optional().catch(undefined),
  owner: z.enum(OWNERS).optional().catch(undefined),
  failureClass: z.enum(FAILURE_CLASSES).optional().catch(undefined),
  recordType: z.enum(RECORD_TYPES).optional().catch(undefined),
  assignee: z.literal('me').optional().catch(undefined),
  group: z.string().max(2000).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

/** `/queue`: blocked records grouped by root cause, the group view, and the bulk retry with its progress. */
export function queueRoutes(jobs: BulkJobs) {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);

  app.get('/', async (c) => {
    const { db } = c.get('deps');
    const user = c.get('user');
    const q = filterSchema.parse(c.req.query());
    const tenants = await visibleTenants(db, user.tenantId);
    const filters: QueueFilterValues = {
      tenantId: effectiveTenant(user, q.tenantId),
      owner: q.owner,
      failureClass: q.failureClass,
      recordType: q.recordType,
      assignee: q.assignee,
    };
    const dbFilter: QueueFilter = {
      tenantId: filters.tenantId,
      owner: q.owner,
      failureClass: q.failureClass,
      recordType: q.recordType,
      ...(q.assignee === 'me' ? { assignee: user.email } : {}),
    };
    const common = { now: new Date(), user, csrf: c.get('csrfToken'), tenants, filters, page: q.page, pageSize: PAGE_SIZE, entityFor: KIND_ENTITY };

    if (q.group) {
      const rc = decodeGroupKey(q.group);
      if (!rc || !canSeeTenant(user, rc.tenantId)) return refuse(c, 404, 'Not found', 'This group of blocked records does not exist (any more).');
      const found = await queueGroup(db, {}, rc, { limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE });
      if (!found) {
        return respond(c, {
          title: 'Action queue',
          nav: 'queue',
          page: () => <QueuePageView {...common} data={{ groups: [], totalGroups: 0, totalRecords: 0 }} />,
          fragment: () => <QueueResults {...common} data={{ groups: [], totalGroups: 0, totalRecords: 0 }} />,
        });
      }
      const props = { ...common, group: found.group, total: found.total };
      return respond(c, { title: found.group.title, nav: 'queue', page: () => <QueueGroupPage {...props} />, fragment: () => <QueueGroupResults {...props} /> });
    }

    const { value: data, asOf } = await cachedQueueGroups(c.get('reads'), db, dbFilter, { limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE });
    const props = { ...common, data, asOf };
    return respond(c, { title: 'Action queue', nav: 'queue', page: () => <QueuePageView {...props} />, fragment: () => <QueueResults {...props} /> });
  });

  app.post('/retry', requirePermission('bulk-retry'), async (c) => {
    const deps = c.get('deps');
    const user = c.get('user');
    const form = await formFields(c);
    const rc = form.group ? decodeGroupKey(form.group) : undefined;
    if (!rc || !canSeeTenant(user, rc.tenantId)) return refuse(c, 404, 'Not found', 'This group of blocked records does not exist (any more).');
    if (rc.cause === 'drift') {
      return refuse(c, 409, 'Not possible', 'Records changed in QuickBooks after their sync need a decision each (keep QuickBooks\' version or push AWRA\'s again), not a retry.');
    }
    if (rc.failureClass === 'duplicate_risk') {
      return refuse(c, 409, 'Not possible', 'Records that may already exist in QuickBooks need a decision each (link or create anyway), not a retry.');
    }
    const items = await groupWorkflowIds(deps.db, {}, rc);
    const principal = c.get('principal');
    const job = jobs.start({
      ownerId: user.id,
      title: `Retry: ${rootCauseTitle(rc)}`,
      items,
      concurrency: BULK_CONCURRENCY,
      run: async (item) => {
        try {
          const out = await runRecordAction(deps, principal, item.workflowId, 'retry', {});
          return out.ok ? { ok: true } : { ok: false, message: out.message };
        } catch (err) {
          deps.logger.error({ err, workflowId: item.workflowId }, 'bulk retry of a record failed');
          throw err;
        }
      },
    });
    if (!c.get('fragment')) return c.redirect(`/queue/jobs/${job.id}`, 303);
    return respond(c, { title: 'Bulk retry', nav: 'queue', page: () => <BulkJobProgress job={job} />, fragment: () => <BulkJobProgress job={job} /> });
  });

  app.get('/jobs/:id', (c) => {
    const job = jobs.get(c.req.param('id'), c.get('user').id);
    if (!job) return refuse(c, 404, 'Not found', 'This bulk action is not known here (it may have finished long ago, or the console restarted).');
    return respond(c, { title: 'Bulk retry', nav: 'queue', page: () => <BulkJobProgress job={job} />, fragment: () => <BulkJobProgress job={job} /> });
  });

  return app;
}
