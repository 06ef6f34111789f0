import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseOutage, isUnstorableContent, sqlStateOf } from '../db/errors.ts';
import { actionsApi } from './api/actions.ts';
import { closeReadinessApi } from './api/close-readiness.ts';
import { connectionsApi } from './api/connections.ts';
import { mappingsApi } from './api/mappings.ts';
import { queueApi } from './api/queue.ts';
import { recordsApi, recordsBatchApi } from './api/records.ts';
import { tenantsApi } from './api/tenants.ts';
import { requireApiKey } from './api/auth.ts';
import { apiError } from './api/errors.ts';
import { consoleApp } from './console/index.ts';
import type { ConsoleEnv } from './console/env.ts';
import { refuse } from './console/http.tsx';
import type { AppDeps, AppEnv } from './deps.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { oauthCallbackRoutes } from './oauth.ts';
import { webhookRoutes } from './webhooks.ts';
import { createReadCache } from './read-cache.ts';
import { InvalidTextError, wellFormedRequest } from './well-formed.ts';

const NOT_INVALIDATING = /^\/(api\/v1\/records(:batch)?|webhooks(\/.*)?)$/;

/** The console's error page (or #flash message for htmx) for a request that failed. */
function consoleProblem(c: Context<AppEnv>, status: 400 | 500 | 503, title: string, message: string) {
  return refuse(c as unknown as Context<ConsoleEnv>, status, title, message);
}

/** The web app: JSON API under /api/v1 and health; the console joins it later. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const reads = createReadCache({
    maxAgeMs: deps.readModelMaxAgeMs ?? 0,
    onError: (key, err) => deps.logger.warn({ err, key }, 'refreshing a read model failed; the previous answer is served'),
  });
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('reads', reads);
    await next();
    // Whoever changed something here sees its effect on their next page, not an answer from before it. Intake
    // and webhooks are left out: AWRA posts all day, and what a new version changes shows once its workflow ran.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 400 && !NOT_INVALIDATING.test(c.req.path)) reads.invalidate();
  });
  app.use('*', wellFormedRequest);

  app.route('/healthz', healthRoutes());
  app.route('/webhooks', webhookRoutes());
  app.route('/metrics', metricsRoutes());
  app.route('/', oauthCallbackRoutes());

  const api = new Hono<AppEnv>();
  api.use('*', requireApiKey);
  api.route('/', recordsBatchApi());
  api.route('/records', recordsApi());
  api.route('/records', actionsApi());
  api.route('/tenants', tenantsApi());
  api.route('/mappings', mappingsApi());
  api.route('/queue', queueApi());
  api.route('/close-readiness', closeReadinessApi());
  api.route('/', connectionsApi());
  api.notFound((c) => apiError(c, 404, 'not_found', `No API route ${c.req.method} ${c.req.path}.`));
  app.route('/api/v1', api);
  app.route('/', consoleApp());

  // The one place a failed request is answered. Text that cannot be stored is the sender's to fix (400); a database
  // that is not there is worth retrying in a moment (503 + Retry-After); anything else is ours (500).
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const asJson = c.req.path.startsWith('/api/') || c.req.path.startsWith('/webhooks/');
    if (err instanceof InvalidTextError) {
      return asJson
        ? apiError(c, 400, 'invalid_text', err.message, err.fields)
        : consoleProblem(c, 400, 'Request not understood', `${err.message} Nothing was changed.`);
    }
    if (isUnstorableContent(err)) {
      deps.logger.warn({ err, sqlState: sqlStateOf(err), path: c.req.path, method: c.req.method }, 'request refused: Postgres cannot store its text');
      const message = 'Some text in this request cannot be stored (a control character or a broken character). Remove it and try again.';
      return asJson ? apiError(c, 400, 'invalid_text', message) : consoleProblem(c, 400, 'Text not accepted', message);
    }
    if (isDatabaseOutage(err)) {
      deps.logger.error({ err, path: c.req.path, method: c.req.method }, 'request failed: the database is unreachable');
      c.header('Retry-After', '5');
      const message = 'The database is not reachable right now; try again in a few seconds.';
      return asJson ? apiError(c, 503, 'database_unavailable', message) : consoleProblem(c, 503, 'Temporarily unavailable', message);
    }
    deps.logger.error({ err, path: c.req.path, method: c.req.method }, 'request failed');
    if (asJson) return apiError(c, 500, 'internal', 'Something went wrong on our side; nothing was changed by this request if it failed before a 2xx.');
    return consoleProblem(c, 500, 'Something went wrong', 'Something went wrong on our side.');
  });
  return app;
}
