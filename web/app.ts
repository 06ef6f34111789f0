import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
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
import type { AppDeps, AppEnv } from './deps.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { oauthCallbackRoutes } from './oauth.ts';
import { webhookRoutes } from './webhooks.ts';
import { createReadCache } from './read-cache.ts';

const NOT_INVALIDATING = /^\/(api\/v1\/records(:batch)?|webhooks(\/.*)?)$/;

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

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    deps.logger.error({ err, path: c.req.path, method: c.req.method }, 'request failed');
    if (c.req.path.startsWith('/api/')) return apiError(c, 500, 'internal', 'Something went wrong on our side; nothing was changed by this request if it failed before a 2xx.');
    return c.text('Something went wrong on our side.', 500);
  });
  return app;
}
