/**
 * drill:worker-kill — `kill -9` the worker process in the middle of 1,000 syncs (10 realms, QuickBooks' limits),
 * start a new one, and check that every record still ends synced or blocked, once, with its attempts recorded.
 *
 *   npm run drill:worker-kill
 *   npm run drill:worker-kill -- --records 300 --tenants 5     # quicker
 */
import { runDrill } from '../lib/drill.ts';
import { runScript, sleep } from '../lib/proc.ts';
import { historyFacts, timeoutSummary } from '../lib/run.ts';
import { ms, parseArgs } from '../lib/report.ts';

runScript(async () => {
  const args = parseArgs({ records: 1_000, tenants: 10, downSeconds: 5, at: 0.3 });
  let killedAt = 0;
  let restartedAt = 0;
  await runDrill({
    script: 'drill:worker-kill',
    title: 'drill:worker-kill — kill -9 the worker mid-run, start a new one',
    tenants: args.tenants,
    records: args.records,
    faultAt: args.at,
    async fault(ctx) {
      const pid = ctx.stack.worker.pid;
      ctx.stack.worker.crash();
      await ctx.stack.worker.child.exited;
      killedAt = ctx.elapsed();
      ctx.log(`worker pid ${pid} killed with SIGKILL; starting a new one in ${args.downSeconds} s`);
      await sleep(args.downSeconds * 1_000);
      await ctx.stack.worker.restart();
      restartedAt = ctx.elapsed();
      ctx.log(`new worker pid ${ctx.stack.worker.pid} polling (bundling took ${ms(restartedAt - killedAt - args.downSeconds * 1_000)})`);
    },
    async extra(ctx) {
      const h = await historyFacts(ctx.stack, ctx.ids);
      return {
        rows: [
          ['worker killed at / polling again at', `${ms(killedAt)} / ${ms(restartedAt)}`],
          ['activity attempts lost with the worker', timeoutSummary(h), 'retried once their heartbeat (20 s) or StartToClose (2 min) timeout passed'],
        ],
        data: { killedAtMs: killedAt, restartedAtMs: restartedAt, activityTimeouts: h.activityTimeouts, timeoutTypes: h.timeoutTypes, timedOutMaxDelayMs: h.timedOutMaxDelayMs },
      };
    },
  });
});
