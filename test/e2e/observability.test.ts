import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createApp } from '../../web/app.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { connectedTenant, submit, waitFor } from '../support/tenant.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await connectedTenant(h, 'obs');
});
afterAll(async () => {
  await h?.close();
});

describe('metrics', () => {
  it('exposes records by state, attempts by class and the worker’s QuickBooks latency in Prometheus format', async () => {
    await waitFor(h, await submit(h, awra.vendor('obs', 'ven-1', 'Metrics Vendor Ltd')), 'synced');
    const metricsToken = 'metrics-token-for-observability-test';
    const app = createApp({ ...h.deps, metricsToken });
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/qsh_records\{tenant="obs",state="synced",failure_class="none"\} 1/);
    expect(text).toMatch(/qsh_attempts\{class="accepted"\} \d+/);
    expect(text).toMatch(/qsh_push_attempts_total\{class="accepted"\} \d+/);
    expect(text).toMatch(/qsh_qbo_request_duration_seconds_count\{method="POST",outcome="2xx"\} \d+/);
  });
});

describe('replay command', () => {
  const env = () => ({ ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default', LOG_LEVEL: 'error', PAYLOAD_ENCRYPTION_KEYS: h.payloadKeys });

  it('replays a live workflow against the current code and says so', async () => {
    const id = await submit(h, awra.vendor('obs', 'ven-2', 'Replay Vendor Ltd'));
    await waitFor(h, id, 'synced');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', id], { cwd: root, env: env() });
    expect(stdout).toContain(`OK: the current code replays ${id}`);
  });

  it('fails in plain words on a history whose decisions the current code would not make', async () => {
    const id = await submit(h, awra.vendor('obs', 'ven-3', 'Drift Vendor Ltd'));
    await waitFor(h, id, 'synced');
    const dir = await mkdtemp(join(tmpdir(), 'qsh-replay-'));
    const file = join(dir, 'history.json');
    await run(process.execPath, ['--import', 'tsx', 'scripts/history-export.ts', id, 'ignored', '--out', file], { cwd: root, env: env() });
    // A deliberately non-deterministic change: the recorded history scheduled a different activity.
    const json = JSON.parse(await readFile(file, 'utf8'));
    const scheduled = json.events.find((e: any) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    await writeFile(file, JSON.stringify(json));
    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', '--history', file], { cwd: root, env: env() }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('DETERMINISM BREAK');
  });
});
