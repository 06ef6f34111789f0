import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import { LoginThrottle } from './auth.ts';
import type { ConsoleEnv } from './env.ts';
import { consoleHeaders } from './http.tsx';
import { BulkJobs } from './jobs.ts';
import { apiKeyRoutes } from './routes/api-keys.tsx';
import { auditRoutes } from './routes/audit.tsx';
import { closeRoutes } from './routes/close.tsx';
import { connectionRoutes } from './routes/connections.tsx';
import { helpRoutes } from './routes/help.tsx';
import { mappingRoutes } from './routes/mappings.tsx';
import { notificationRoutes } from './routes/notifications.tsx';
import { overviewRoutes } from './routes/overview.tsx';
import { queueRoutes } from './routes/queue.tsx';
import { recordRoutes } from './routes/records.tsx';
import { sessionRoutes } from './routes/session.tsx';

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

function asset(path: string, type: string): Asset {
  const body = readFileSync(path);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** htmx and the stylesheet, served by the app itself (no CDN), revalidated by ETag. */
function staticRoutes() {
  // A Map, so only these names answer: a plain object would also "find" constructor, __proto__ and the like.
  const assets = new Map<string, Asset>([
    ['htmx.min.js', asset(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8')],
    ['console.css', asset(new URL('../static/console.css', import.meta.url).pathname, 'text/css; charset=utf-8')],
    ['favicon.svg', asset(new URL('../static/favicon.svg', import.meta.url).pathname, 'image/svg+xml')],
  ]);
  const app = new Hono<ConsoleEnv>();
  app.get('/:name', consoleHeaders, (c) => {
    const a = assets.get(c.req.param('name'));
    if (!a) return c.notFound();
    c.header('ETag', a.etag);
    c.header('Cache-Control', 'no-cache');
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304);
    c.header('Content-Type', a.type);
    return c.body(a.body as Uint8Array<ArrayBuffer>);
  });
  return app;
}

/**
 * The finance console: one sub-app per resource, each guarded by the session, CSRF and header middleware of
 * ./auth.ts and ./http.tsx. Mounted at "/" by createApp; /healthz, /api/v1 and the webhooks stay outside it.
 */
export function consoleApp() {
  const app = new Hono<ConsoleEnv>();
  const jobs = new BulkJobs();
  const throttle = new LoginThrottle();
  app.route('/static', staticRoutes());
  app.route('/', sessionRoutes(throttle));
  app.route('/', overviewRoutes());
  app.route('/', closeRoutes());
  app.route('/queue', queueRoutes(jobs));
  app.route('/records', recordRoutes());
  app.route('/mappings', mappingRoutes());
  app.route('/connections', connectionRoutes());
  app.route('/audit', auditRoutes());
  app.route('/api-keys', apiKeyRoutes());
  app.route('/notifications', notificationRoutes());
  app.route('/help', helpRoutes());
  return app;
}
