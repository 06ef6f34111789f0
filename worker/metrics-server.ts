import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The worker's /metrics: its own QuickBooks measurements plus the Temporal SDK core's metrics (polled from the
 * core's Prometheus exporter on a private port), so one scrape sees both.
 */
export function startMetricsServer(opts: { port: number; host?: string; registry: Registry; coreMetricsUrl?: string }): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    let core = '';
    if (opts.coreMetricsUrl) {
      core = await fetch(opts.coreMetricsUrl, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text())
        .catch(() => '');
    }
    res.writeHead(200, { 'content-type': opts.registry.contentType });
    res.end(`${await opts.registry.metrics()}\n${core}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}
