import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseOutage, isUnstorableContent, sqlStateOf } from '../db/errors.ts';
import { actionsApi } from './api/actions.ts';
import { apiKeysApi } from './api/api-keys.ts';
import { closeReadinessApi } from './api/close-readiness.ts';
import { connectionsApi } from './api/connections.ts';
import { mappingsApi } from './api/mappings.ts';
import { notificationsApi } from './api/notifications.ts';
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
import { codecRoutes } from './codec.ts';
import { createReadCache } from './read-cache.ts';
import { InvalidTextError, wellFormedRequest } from './well-formed.ts';

const NOT_INVALIDATING = /^\/(api\/v1\/records(:batch)?|webhooks(\/.*)?|codec(\/.*)?)$/;

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most a request body may hold, by path: small everywhere (forms, JSON commands), larger where records and
 * notifications arrive. Routes with a larger body add an entry here; their own bodyLimit may then be stricter.
 */
const BODY_LIMITS: ReadonlyArray<[RegExp, number]> = [
  [/^\/api\/v1\/records:batch$/, 8 * MiB],
  [/^\/api\/v1\/records$/, 1 * MiB],
  [/^\/webhooks\/qbo$/, 1 * MiB],
  // The Temporal UI's codec endpoint (web/codec.ts) decodes a page of history payloads at a time.
  [/^\/codec\/(decode|encode)$/, 4 * MiB],
];
const DEFAULT_BODY_LIMIT = 64 * KiB;

function sizeOf(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

/** Hono's bodyLimit per path: refuses a larger body from its Content-Length, or stops reading once it is exceeded. */
function bodyLimits(): MiddlewareHandler<AppEnv> {
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        const message = `This request's body is larger than the ${sizeOf(maxSize)} this address accepts; nothing was changed.`;
        return isJsonPath(c.req.path) ? apiError(c, 413, 'too_large', message) : consoleProblem(c, 413, 'Request too large', message);
      },
    });
  const limits = BODY_LIMITS.map(([path, size]) => [path, limit(size)] as const);
  const fallback = limit(DEFAULT_BODY_LIMIT);
  return (c, next) => (limits.find(([path]) => path.test(c.req.path))?.[1] ?? fallback)(c, next);
}

/** Requests answered in JSON (the API, webhooks, the codec); everything else is the console's. */
function isJsonPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/webhooks/') || path.startsWith('/codec/');
}

/** The console's error page (or #flash message for htmx) for a request that failed. */
function consoleProblem(c: Context<AppEnv>, status: 400 | 413 | 500 | 503, title: string, message: string) {
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
    // Whoever changed something here sees its effect on their next page, not an answer from before it. Only a
    // change someone signed in or holding an API key made counts (a principal was set): anonymous requests must not
    // be able to make everyone's next page wait for a full computation. Intake and webhooks are left out too: AWRA
    // posts all day, and what a new version changes shows once its workflow ran; the codec only reads.
    const write = c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 400;
    if (write && c.get('principal') && !NOT_INVALIDATING.test(c.req.path)) reads.invalidate();
  });
  // Before anything reads a body (wellFormedRequest reads console forms).
  app.use('*', bodyLimits());
  app.use('*', wellFormedRequest);

  app.route('/healthz', healthRoutes());
  app.route('/webhooks', webhookRoutes());
  app.route('/metrics', metricsRoutes({ token: deps.metricsToken }));
  app.route('/', oauthCallbackRoutes());
  app.route('/codec', codecRoutes());

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
  api.route('/api-keys', apiKeysApi());
  api.route('/notifications', notificationsApi());
  app.route('/api/v1', api);
  app.route('/', consoleApp());
  // Hono answers an unmatched path of a mounted sub-app with the parent's notFound, so the API's shape is set here.
  app.notFound((c) => (isJsonPath(c.req.path) ? apiError(c, 404, 'not_found', `No API route ${c.req.method} ${c.req.path}.`) : c.text('404 Not Found', 404)));

  // The one place a failed request is answered. Text that cannot be stored is the sender's to fix (400); a database
  // that is not there is worth retrying in a moment (503 + Retry-After); anything else is ours (500).
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const asJson = isJsonPath(c.req.path);
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
