import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { projectionFigures } from '../db/queries/metrics.ts';
import { projectionMetrics } from '../runtime/metrics.ts';
import type { AppEnv } from './deps.ts';

/**
 * The projection's figures are full-table counts (0.1–0.4 s at 100,000 records), so they are reused like the
 * console's read models, for READ_MODEL_MAX_AGE_MS but never less than this: with the cache off (0) two Prometheus
 * replicas, or a dashboard polling in a loop, would each cost the database those counts on every request. It stays
 * below the shortest usual scrape interval (10–15 s), so each scrape still sees figures computed after the last one.
 */
export const METRICS_MIN_AGE_MS = 5_000;

const unauthenticated = (message: string) => ({ error: { code: 'unauthenticated', message } });

/**
 * `GET /metrics` (Prometheus text): records by state, attempts by class, retries and connections from the projection,
 * followed by the worker's own metrics (QuickBooks latency, retries, token refreshes, Temporal SDK core) when
 * WORKER_METRICS_URL is set. It names tenants, so it answers only `Authorization: Bearer <METRICS_TOKEN>` (compared in
 * constant time), and without a configured token it is not served at all (404).
 */
export function metricsRoutes(opts: { token?: string | undefined }) {
  const app = new Hono<AppEnv>();
  const { token } = opts;
  if (!token) {
    app.get('/', (c) =>
      c.json({ error: { code: 'not_found', message: '/metrics is off: set METRICS_TOKEN and send it as "Authorization: Bearer <token>".' } }, 404),
    );
    return app;
  }
  app.use(
    '*',
    bearerAuth({
      token,
      realm: 'metrics',
      noAuthenticationHeader: { message: unauthenticated('Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".') },
      invalidAuthenticationHeader: { message: unauthenticated('Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".') },
      invalidToken: { message: unauthenticated('This is not the metrics token.') },
    }),
  );
  app.get('/', async (c) => {
    const deps = c.get('deps');
    const maxAgeMs = Math.max(deps.readModelMaxAgeMs ?? 0, METRICS_MIN_AGE_MS);
    // maxStaleMs = maxAgeMs: a scrape never gets figures older than that, only shares a computation with others.
    const own = await c.get('reads').get('metrics:projection', async () => projectionMetrics(await projectionFigures(deps.db)), { maxAgeMs, maxStaleMs: maxAgeMs });
    let worker = '';
    if (deps.workerMetricsUrl) {
      worker = await fetch(deps.workerMetricsUrl, { signal: AbortSignal.timeout(3000) })
        .then((r) => (r.ok ? r.text() : `# worker metrics unavailable: HTTP ${r.status}\n`))
        .catch((err: Error) => `# worker metrics unavailable: ${err.message}\n`);
    }
    return c.body(`# projection figures as of ${own.asOf.toISOString()}\n${own.value}\n${worker}`, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return app;
}
