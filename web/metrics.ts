import { Hono } from 'hono';
import { projectionMetrics } from '../runtime/metrics.ts';
import type { AppEnv } from './deps.ts';

/**
 * `GET /metrics` (Prometheus text): records by state, attempts by class, retries and connections from the projection,
 * followed by the worker's own metrics (QuickBooks latency, retries, token refreshes, Temporal SDK core) when
 * WORKER_METRICS_URL is set. Serve it on a private network: it names tenants.
 */
export function metricsRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const deps = c.get('deps');
    const own = await projectionMetrics(deps.db);
    let worker = '';
    if (deps.workerMetricsUrl) {
      worker = await fetch(deps.workerMetricsUrl, { signal: AbortSignal.timeout(3000) })
        .then((r) => (r.ok ? r.text() : `# worker metrics unavailable: HTTP ${r.status}\n`))
        .catch((err: Error) => `# worker metrics unavailable: ${err.message}\n`);
    }
    return c.body(`${own}\n${worker}`, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return app;
}
