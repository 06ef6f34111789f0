/**
 * drill:temporal-restart — restart the Temporal dev server (same --db-filename, same port) in the middle of a run.
 * Intake keeps answering 202 while it is down (`delivery: "pending"`): the outbox delivers those records once
 * Temporal is back, and nothing is sent again.
 *
 *   npm run drill:temporal-restart
 *   npm run drill:temporal-restart -- --hard --down-seconds 20     # SIGKILL instead of SIGTERM, longer outage
 */
import { runDrill } from '../lib/drill.ts';
import { runScript } from '../lib/proc.ts';
import { historyFacts, timeoutSummary } from '../lib/run.ts';
import { ms, parseArgs } from '../lib/report.ts';

runScript(async () => {
  const args = parseArgs({ records: 600, tenants: 6, downSeconds: 10, hard: false, at: 0.3 });
  let stoppedAt = 0;
  let upAt = 0;
  await runDrill({
    script: 'drill:temporal-restart',
    title: 'drill:temporal-restart — restart the Temporal server mid-run',
    tenants: args.tenants,
    records: args.records,
    faultAt: args.at,
    async fault(ctx) {
      stoppedAt = ctx.elapsed();
      ctx.log(`stopping the Temporal dev server (${args.hard ? 'SIGKILL' : 'SIGTERM'}); down for ${args.downSeconds} s`);
      await ctx.stack.temporal.restart({ hard: args.hard, downMs: args.downSeconds * 1_000 });
      upAt = ctx.elapsed();
      ctx.log(`Temporal dev server answering again on ${ctx.stack.temporal.address} (same SQLite file)`);
    },
    async extra(ctx) {
      const h = await historyFacts(ctx.stack, ctx.ids);
      return {
        rows: [
          ['Temporal down from / up again at', `${ms(stoppedAt)} / ${ms(upAt)}`, args.hard ? 'SIGKILL' : 'SIGTERM'],
          ['activity attempts lost (timed out, then retried)', timeoutSummary(h)],
          ['worker process', ctx.stack.worker.child.process.exitCode === null ? 'still the same process (reconnected by itself)' : `exited (${ctx.stack.worker.child.process.exitCode})`],
        ],
        data: { downAtMs: stoppedAt, upAtMs: upAt, hard: args.hard, activityTimeouts: h.activityTimeouts, timeoutTypes: h.timeoutTypes, timedOutMaxDelayMs: h.timedOutMaxDelayMs, workerStarts: ctx.stack.worker.starts },
      };
    },
  });
});
