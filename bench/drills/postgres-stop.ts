/**
 * drill:postgres-stop — stop the machine's PostgreSQL (127.0.0.1:5432) for 30 s in the middle of a run. The drill
 * uses a database of its own (created and dropped), and starts PostgreSQL again at the end no matter what (also on
 * Ctrl-C or an error).
 *
 *   npm run drill:postgres-stop
 *   npm run drill:postgres-stop -- --down-seconds 60
 */
import { execFileSync } from 'node:child_process';
import { runDrill } from '../lib/drill.ts';
import { onCleanup, runScript, sleep } from '../lib/proc.ts';
import { historyFacts } from '../lib/run.ts';
import { fmt, ms, parseArgs } from '../lib/report.ts';

const CLUSTER = ['15', 'main'];

function pgctl(action: 'start' | 'stop' | 'status'): string {
  try {
    return execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', ...CLUSTER, action], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    const e = err as { status?: number; stderr?: Buffer; stdout?: Buffer };
    // status exits 3 when the server is down.
    if (action === 'status') return `down (${e.status})`;
    throw new Error(`pg_ctlcluster ${action} failed: ${e.stderr?.toString() ?? ''}`);
  }
}

function ensureRunning(): void {
  if (/online|server is running/i.test(pgctl('status'))) return;
  pgctl('start');
}

runScript(async () => {
  const args = parseArgs({ records: 600, tenants: 6, downSeconds: 30, at: 0.3 });
  // Registered before anything else, so it runs last: PostgreSQL is up again whatever happened.
  onCleanup('start PostgreSQL again', () => ensureRunning());
  ensureRunning();
  let stoppedAt = 0;
  let upAt = 0;
  let workerExitedDuringOutage = false;
  await runDrill({
    script: 'drill:postgres-stop',
    title: 'drill:postgres-stop — PostgreSQL down for 30 s mid-run',
    tenants: args.tenants,
    records: args.records,
    stack: { db: 'server' },
    faultAt: args.at,
    async fault(ctx) {
      const worker = ctx.stack.worker.child;
      pgctl('stop');
      // Registered now, so it runs before the stack's own cleanup (dropping the drill's database needs the server).
      const unregister = onCleanup('start PostgreSQL before dropping the drill database', () => ensureRunning());
      stoppedAt = ctx.elapsed();
      ctx.log(`PostgreSQL stopped; starting it again in ${args.downSeconds} s`);
      await sleep(args.downSeconds * 1_000);
      pgctl('start');
      unregister();
      upAt = ctx.elapsed();
      ctx.log('PostgreSQL started');
      if (worker.process.exitCode !== null || worker.process.signalCode !== null) {
        workerExitedDuringOutage = true;
        ctx.log('the worker process exited during the outage; starting a new one (as a supervisor would)');
        await ctx.stack.worker.restart();
      }
    },
    async extra(ctx) {
      const h = await historyFacts(ctx.stack, ctx.ids);
      return {
        rows: [
          ['PostgreSQL down from / up again at', `${ms(stoppedAt)} / ${ms(upAt)}`],
          ['worker survived the outage', workerExitedDuringOutage ? 'NO — it exited and was restarted' : 'yes (same process)'],
          ['activity attempts lost to StartToClose', fmt(h.activityTimeouts, 0)],
          ['activity attempts retried (any cause)', fmt(h.activityRetries, 0)],
        ],
        data: { downAtMs: stoppedAt, upAtMs: upAt, workerExited: workerExitedDuringOutage, activityTimeouts: h.activityTimeouts, activityRetries: h.activityRetries },
      };
    },
  });
});
