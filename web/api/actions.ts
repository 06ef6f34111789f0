import { Hono } from 'hono';
import { RECORD_ACTION_PERMISSIONS } from '../../domain/permissions.ts';
import { RECORD_ACTIONS, runRecordAction } from '../../services/record-actions.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from './auth.ts';
import { apiError } from './errors.ts';

/**
 * `POST /records/{workflowId}/actions/{action}`: one route per action, each declaring the permission it needs; an
 * unknown action finds no route (404). The action itself is services/record-actions.ts, which the console runs too.
 */
export function actionsApi() {
  const app = new Hono<AppEnv>();
  for (const action of RECORD_ACTIONS) {
    app.post(`/:workflowId/actions/${action}`, requirePermission(RECORD_ACTION_PERMISSIONS[action]), async (c) => {
      const body = (c.req.header('content-type') ?? '').includes('application/json') ? await c.req.json().catch(() => undefined) : {};
      if (body === undefined) return apiError(c, 400, 'invalid_json', 'The request body is not valid JSON.');
      const out = await runRecordAction(c.get('deps'), c.get('principal'), c.req.param('workflowId'), action, body);
      if (!out.ok) return apiError(c, out.status, out.code, out.message, out.fields);
      return c.json({ workflowId: c.req.param('workflowId'), state: out.state, failureClass: out.failureClass });
    });
  }
  return app;
}
