import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { PROJECT_ROOT } from '../../scripts/temporal-cli.ts';
import { createSupervisor, type SupervisedChild } from '../../scripts/supervisor.ts';
import { awra } from '../fixtures/awra.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/** A lowered QuickBooks budget, the same in the simulator and in the workers' configuration. */
const IN_FLIGHT = 3;
const PER_MINUTE = 60;
/**
 * Two requests each (duplicate lookup + create; the workers send one record at a time, `QBO_BATCH_WRITES=off`, as
 * batched writes are test/e2e/batch-push.test.ts's subject): more than one minute's budget, so the window is reached.
 */
const BILLS = 36;

const supervisor = createSupervisor();
const logDir = mkdtempSync(join(tmpdir(), 'qsh-budget-'));
let h: Harness;
let t: ConnectedTenant;
let workers: SupervisedChild[] = [];

/** The product's worker entry (worker/main.ts) as its own process, on the harness's task queue, database and keys. */
function startWorker(n: number): SupervisedChild {
  return supervisor.start({
    name: `worker#${n}`,
    command: process.execPath,
    args: ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')],
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: h.db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TOKEN_ENCRYPTION_KEYS: h.tokenKeys,
      PAYLOAD_ENCRYPTION_KEYS: h.payloadKeys,
      QBO_MAX_IN_FLIGHT: String(IN_FLIGHT),
      QBO_REQUESTS_PER_MINUTE: String(PER_MINUTE),
      QBO_BATCH_WRITES: 'off',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      WORKER_METRICS_PORT: '0',
    },
    output: { file: join(logDir, `worker-${n}.log`) },
    graceMs: 15_000,
  });
}

beforeAll(async () => {
  h = await createHarness({ simulator: { concurrencyLimit: IN_FLIGHT, perMinuteLimit: PER_MINUTE } });
  // The task queue belongs to the two worker processes alone.
  h.worker.shutdown();
  workers = [startWorker(1), startWorker(2)];
  await Promise.all(workers.map((w) => w.waitForLine(/worker started/, 180_000)));
  t = await connectedTenant(h, 'budget');
  // QuickBooks-like latency, so that requests overlap and the in-flight budget is exercised.
  h.sim.sim.injectFault({ realmId: t.realmId, kind: 'latency', latencyMs: 150 });
}, 300_000);

afterAll(async () => {
  await supervisor.stopAll();
  await h?.close();
  rmSync(logDir, { recursive: true, force: true });
});

describe('two worker processes share one QuickBooks budget per realm', () => {
  it('syncs more bills than one minute of the realm budget allows without a single 429 or a request over the in-flight limit', async () => {
    const vendor = await submit(h, awra.vendor('budget', 'ven-1', 'Two Workers Supplies Ltd'));
    await waitFor(h, vendor, 'synced', () => true, 120_000);
    const ids: string[] = [];
    for (let n = 1; n <= BILLS; n++) ids.push(await submit(h, awra.bill('budget', `bill-${n}`, `BW-${1000 + n}`, 'ven-1')));
    for (const id of ids) await waitFor(h, id, 'synced', () => true, 300_000);

    const stats = h.sim.sim.stats(t.realmId);
    expect(stats.requests).toBeGreaterThan(PER_MINUTE);
    expect(stats.throttled).toBe(0);
    expect(stats.peakConcurrency).toBeLessThanOrEqual(IN_FLIGHT);

    const bills = h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill' });
    expect(bills).toHaveLength(BILLS);
    expect(new Set(bills.map((b) => b.DocNumber)).size).toBe(BILLS);

    // Both processes drew from the shared budget (one holder per limiter, i.e. per process).
    const holders = (await h.db.db.execute(sql`select count(distinct holder)::int as n from qbo_realm_requests where realm_id = ${t.realmId}`)) as unknown as { n: number }[];
    expect(holders[0]!.n).toBe(2);
    for (const w of workers) expect(w.running()).toBe(true);
  }, 420_000);
});
