import { Hono } from 'hono';
import protos from '@temporalio/proto';

const proto = protos.temporal;
import { ping } from '../db/queries/health.ts';
import type { AppEnv } from './deps.ts';

interface Check {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

async function timed(fn: () => Promise<string | undefined>, timeoutMs = 3000): Promise<Check> {
  const start = performance.now();
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - start), ...(detail ? { detail } : {}) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - start), detail: (err as Error).message };
  }
}

/** A worker counts as up when it polled the task queue within this window. */
const POLLER_FRESH_MS = 90_000;

/** `GET /healthz`: 200 only when Postgres, Temporal and at least one worker answer. */
export function healthRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const { db, temporal, taskQueue } = c.get('deps');
    const [postgres, temporalCheck, worker] = await Promise.all([
      timed(async () => {
        await ping(db);
        return undefined;
      }),
      timed(async () => {
        await temporal.workflowService.getSystemInfo({});
        return undefined;
      }),
      timed(async () => {
        const res = await temporal.workflowService.describeTaskQueue({
          namespace: temporal.options.namespace,
          taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        const now = Date.now();
        const fresh = (res.pollers ?? []).filter((p) => {
          const t = p.lastAccessTime;
          const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
          return now - ms < POLLER_FRESH_MS;
        });
        if (fresh.length === 0) throw new Error(`no worker is polling task queue "${taskQueue}"`);
        return `${fresh.length} poller(s) on "${taskQueue}"`;
      }),
    ]);
    const ok = postgres.ok && temporalCheck.ok && worker.ok;
    return c.json({ status: ok ? 'ok' : 'unavailable', checks: { postgres, temporal: temporalCheck, worker } }, ok ? 200 : 503);
  });
  return app;
}
