/**
 * drill:worker-kill — two worker processes (worker/main.ts, sharing each realm's QuickBooks budget through Postgres)
 * sync 1,000 bills over 10 realms against QuickBooks' limits; `kill -9` one of them in the middle, start a new one
 * after a few seconds, and check that every record still ends synced or blocked, once, with its attempts recorded, and
 * that QuickBooks never answered 429 (the dead process's slots come back when their leases run out, not earlier).
 *
 *   npm run drill:worker-kill
 *   npm run drill:worker-kill -- --records 300 --tenants 5     # quicker
 *   npm run drill:worker-kill -- --workers 1                   # the single worker, killed and restarted
 *   npm run drill:worker-kill -- --restart false               # the survivor finishes alone
 *   npm run drill:worker-kill -- --db server                   # the machine's PostgreSQL instead of PGlite
 */
import { runDrill } from '../lib/drill.ts';
import { runScript, sleep } from '../lib/proc.ts';
import { historyFacts, timeoutSummary } from '../lib/run.ts';
import { ms, parseArgs } from '../lib/report.ts';

runScript(async () => {
  const args = parseArgs({ records: 1_000, tenants: 10, downSeconds: 5, at: 0.3, workers: 2, restart: true, db: 'embedded' });
  if (!Number.isInteger(args.workers) || args.workers < 1) throw new Error('--workers must be a whole number ≥ 1');
  let killedAt = 0;
  let restartedAt = 0;
  let killedPid = 0;
  const throttledBefore = new Map<string, number>();
  const throttledSince = (ctx: Parameters<NonNullable<Parameters<typeof runDrill>[0]['before']>>[0]) =>
    ctx.tenants.reduce((sum, t) => sum + ctx.stack.sim.sim.stats(t.realmId).throttled - (throttledBefore.get(t.realmId) ?? 0), 0);
  await runDrill({
    script: 'drill:worker-kill',
    title: `drill:worker-kill — kill -9 ${args.workers > 1 ? `one of ${args.workers} workers` : 'the worker'} mid-run${args.restart ? ', start a new one' : ''}`,
    tenants: args.tenants,
    records: args.records,
    faultAt: args.at,
    stack: { workers: args.workers, db: args.db as 'embedded' | 'server' },
    async before(ctx) {
      for (const t of ctx.tenants) {
        throttledBefore.set(t.realmId, ctx.stack.sim.sim.stats(t.realmId).throttled);
        ctx.stack.simTraffic.resetPeak(t.realmId);
      }
      ctx.log(`${ctx.stack.workers.length} worker process(es): pids ${ctx.stack.workers.map((w) => w.pid).join(', ')}`);
    },
    async fault(ctx) {
      const victim = ctx.stack.workers[0]!;
      killedPid = victim.pid;
      victim.crash();
      await victim.child.exited;
      killedAt = ctx.elapsed();
      const others = ctx.stack.workers.slice(1).map((w) => w.pid);
      ctx.log(`worker pid ${killedPid} killed with SIGKILL${others.length ? `; pid ${others.join(', ')} keeps running` : ''}`);
      if (!args.restart) return;
      ctx.log(`starting a new worker in ${args.downSeconds} s`);
      await sleep(args.downSeconds * 1_000);
      await victim.restart();
      restartedAt = ctx.elapsed();
      ctx.log(`new worker pid ${victim.pid} polling (bundling took ${ms(restartedAt - killedAt - args.downSeconds * 1_000)})`);
    },
    async extra(ctx) {
      const h = await historyFacts(ctx.stack, ctx.ids);
      const throttled = throttledSince(ctx);
      const peakInFlight = Math.max(0, ...ctx.tenants.map((t) => ctx.stack.simTraffic.peakInFlight(t.realmId)));
      return {
        rows: [
          ['worker processes', String(args.workers), `pid ${killedPid} killed`],
          ['worker killed at / new one polling at', `${ms(killedAt)} / ${args.restart ? ms(restartedAt) : 'not restarted'}`],
          ['activity attempts lost with the worker', timeoutSummary(h), 'retried once their heartbeat (20 s) or StartToClose (2 min) timeout passed'],
          ['throttle answers (simulator 429s, all realms)', String(throttled), 'target 0'],
          ['peak requests in flight, busiest realm', String(peakInFlight), 'limit 10'],
        ],
        data: {
          workers: args.workers,
          killedAtMs: killedAt,
          restartedAtMs: args.restart ? restartedAt : null,
          throttled,
          peakInFlight,
          activityTimeouts: h.activityTimeouts,
          timeoutTypes: h.timeoutTypes,
          timedOutMaxDelayMs: h.timedOutMaxDelayMs,
        },
        ...(throttled > 0 ? { fail: `QuickBooks answered 429 ${throttled} time(s)` } : {}),
      };
    },
  });
});
