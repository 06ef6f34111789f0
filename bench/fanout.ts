/**
 * bench:fanout — N bills (default 10,000) of one tenant all held by one missing account mapping; then an admin sets
 * it through the real API (`PUT /api/v1/mappings/{tenant}/account/6300`). Prints how long the PUT took, how long
 * until every workflow had woken up and left `blocked` (Temporal visibility: SyncState), and the sync rate after.
 *
 * With QuickBooks' limits (the default) the syncing that follows is bound by 500 requests/min for the realm (two
 * requests per bill: duplicate lookup and create), so 10,000 bills need ~40 min to *sync*; the bench waits for
 * "resumed" and measures the sync rate for `--observe-seconds`, unless `--wait-synced`. `--unlimited` lifts the
 * provider limits (simulator and the worker's limiter) to see the pipeline's own time to drain.
 *
 *   npm run bench:fanout                                   # 10,000 bills, QuickBooks' limits
 *   npm run bench:fanout -- --records 1000 --wait-synced   # quick, waits until all synced (~5 min)
 *   npm run bench:fanout -- --records 2000 --unlimited --wait-synced
 */
import { and, eq, sql } from 'drizzle-orm';
import { syncs } from '../db/schema.ts';
import { runScript, sleep } from './lib/proc.ts';
import { billRecord, workflowIdOf } from './lib/records.ts';
import { commandLine, fmt, header, ms, parseArgs, result, section, table } from './lib/report.ts';
import { reconcile, resumeTimes, submitAll, waitForSettled } from './lib/run.ts';
import { summarize } from './lib/stats.ts';
import { startStack } from './lib/stack.ts';
import { connectTenants } from './lib/tenants.ts';

const MISSING_ACCOUNT = '6300';

runScript(async () => {
  const args = parseArgs({ records: 10_000, db: 'embedded', unlimited: false, waitSynced: false, observeSeconds: 120, timeoutMin: 60, intakeConcurrency: 16 });
  header('bench:fanout — one missing mapping holding many records', commandLine('bench:fanout'));
  const unlimited = args.unlimited;
  const stack = await startStack({
    name: 'fanout',
    db: args.db as 'embedded' | 'server',
    simulator: unlimited ? { concurrencyLimit: 1_000_000, perMinuteLimit: 1_000_000_000 } : { concurrencyLimit: 10, perMinuteLimit: 500 },
    ...(unlimited ? { workerLimits: { concurrency: 1_000, perMinute: 1_000_000_000, batchPerMinute: 1_000_000_000 } } : {}),
  });
  const [tenant] = await connectTenants(stack, 'fan', 1);
  const t = tenant!;

  // Every bill books to account 6300, which has no mapping yet.
  const records = Array.from({ length: args.records }, (_, i) => billRecord(t.tenantId, i + 1, t.vendorId, { expenseAccount: MISSING_ACCOUNT }));
  const ids = records.map(workflowIdOf);
  const intake = await submitAll(stack, records, { concurrency: args.intakeConcurrency });
  console.log(`intake: ${records.length} bills accepted in ${ms(intake.finishedAt - intake.startedAt)}; waiting until all are blocked on the mapping…`);
  const blocked = await waitForSettled(stack, [t.tenantId], ids, { timeoutMs: args.timeoutMin * 60_000, pollMs: 2_000 });
  const [heldRow] = await stack.db.db
    .select({ n: sql<number>`count(*)::int` })
    .from(syncs)
    .where(and(eq(syncs.tenantId, t.tenantId), eq(syncs.state, 'blocked'), eq(syncs.failureClass, 'mapping')));
  const held = heldRow?.n ?? 0;
  console.log(`${held} bills blocked on account ${MISSING_ACCOUNT} after ${ms(blocked.elapsedMs)}; setting the mapping…`);

  // The admin sets the mapping through the API.
  const utilities = t.qboId('Account', 'Utilities');
  const tPut = Date.now();
  const put = await stack.api('PUT', `/api/v1/mappings/${t.tenantId}/account/${MISSING_ACCOUNT}`, { qboId: utilities, qboName: 'Utilities' });
  const putMs = Date.now() - tPut;
  if (put.status !== 200) throw new Error(`PUT mapping: HTTP ${put.status} ${JSON.stringify(put.json)}`);
  console.log(`PUT answered 200 after ${ms(putMs)}: resumed ${put.json.resumed}`);
  // The PUT only starts the fan-out (workflows/resume-waiting.ts); wait until it has told every record.
  let fanOutMs = Number.NaN;
  for (const deadline = Date.now() + args.timeoutMin * 60_000; Date.now() < deadline; await sleep(1_000)) {
    // Visibility lags a little behind: done means one has completed and none runs.
    const count = async (status: string) => {
      let n = 0;
      for await (const _ of stack.client.workflow.list({ query: `WorkflowType = 'resumeWaitingOnMapping' AND ExecutionStatus = '${status}'` })) n += 1;
      return n;
    };
    if ((await count('Completed')) > 0 && (await count('Running')) === 0) {
      fanOutMs = Date.now() - tPut;
      break;
    }
  }
  console.log(`resume-waiting workflow finished ${ms(fanOutMs)} after the PUT`);

  const syncedCount = async () =>
    (await stack.db.db
      .select({ n: sql<number>`count(*)::int` })
      .from(syncs)
      .where(and(eq(syncs.tenantId, t.tenantId), eq(syncs.state, 'synced'), eq(syncs.recordType, 'bill'))))[0]?.n ?? 0;

  let allSyncedMs = Number.NaN;
  let rateWindow = { from: 0, to: 0, n0: 0, n1: 0 };
  if (args.waitSynced) {
    const settled = await waitForSettled(stack, [t.tenantId], ids, { timeoutMs: args.timeoutMin * 60_000, pollMs: 2_000 });
    const [last] = await stack.db.db
      .select({ at: sql<Date>`max(${syncs.updatedAt})` })
      .from(syncs)
      .where(and(eq(syncs.tenantId, t.tenantId), eq(syncs.recordType, 'bill')));
    allSyncedMs = settled.settled ? new Date(last!.at).getTime() - tPut : Number.NaN;
    rateWindow = { from: tPut, to: tPut + allSyncedMs, n0: 0, n1: await syncedCount() };
  } else {
    // Watch from the PUT on; with QuickBooks' rolling minute the first minute bursts, so this is only indicative.
    const until = tPut + putMs + args.observeSeconds * 1_000;
    while (Date.now() < until && (await syncedCount()) < args.records) await sleep(2_000);
    rateWindow = { from: tPut, to: Date.now(), n0: 0, n1: await syncedCount() };
  }
  let ratePerMin = ((rateWindow.n1 - rateWindow.n0) * 60_000) / (rateWindow.to - rateWindow.from);
  const remaining = args.records - rateWindow.n1;
  if (!args.waitSynced && remaining === 0) {
    // Everything synced within the observation window: that is the measured time.
    const [last] = await stack.db.db.select({ at: sql<Date>`max(${syncs.updatedAt})` }).from(syncs).where(and(eq(syncs.tenantId, t.tenantId), eq(syncs.recordType, 'bill')));
    allSyncedMs = new Date(last!.at).getTime() - tPut;
    rateWindow = { from: tPut, to: tPut + allSyncedMs, n0: 0, n1: args.records };
    ratePerMin = (args.records * 60_000) / allSyncedMs;
  }
  // What QuickBooks allows at best: every bill still needs its requests (lookup + create) at 500 per minute.
  const floorMin = unlimited ? Number.NaN : (args.records * 2) / 500;
  // Measured only when everything synced; otherwise the early rate says little (pushes queue behind thousands of
  // re-validations on the task queue), so only QuickBooks' floor is given.
  const allSyncedMin = Number.isFinite(allSyncedMs) ? allSyncedMs / 60_000 : Number.NaN;
  const stats = stack.sim.sim.stats(t.realmId);
  const rec = args.waitSynced ? await reconcile(stack, [t]) : undefined;
  console.log('reading the histories to see when each workflow got the signal and woke up…');
  const times = await resumeTimes(stack, ids, 'mappingChanged', tPut);
  const sig = summarize(times.signalled);
  const res = summarize(times.resumed);
  const resumedMs = times.missing === 0 ? res.max : Number.NaN;

  section('figures');
  table([
    ['records held by the missing mapping', fmt(held, 0)],
    ['provider limits', unlimited ? 'lifted (simulator and worker limiter)' : 'QuickBooks: 500 requests/min, 10 concurrent per realm'],
    ['intake + reaching blocked', ms(intake.finishedAt - intake.startedAt + blocked.elapsedMs), `intake ${ms(intake.finishedAt - intake.startedAt)}`],
    ['PUT → resume-waiting workflow done', ms(fanOutMs), 'every waiting workflow has its signal (polled each second)'],
    ['PUT /mappings response time', ms(putMs), `answered resumed=${put.json.resumed}; a resume-waiting workflow signals them in the background`],
    ['PUT → signal delivered p50 / max', `${ms(sig.p50)} / ${ms(sig.max)}`],
    ['PUT → resumed p50 / p95 / all', `${ms(res.p50)} / ${ms(res.p95)} / ${ms(res.max)}`, `woke up and scheduled re-validation; target < 60 s for all${times.missing ? `; ${times.missing} never resumed` : ''}`],
    ['synced after the PUT', `${fmt(rateWindow.n1 - rateWindow.n0, 0)} in ${ms(rateWindow.to - rateWindow.from)}`, `${fmt(ratePerMin, 0)} records/min`],
    remaining === 0
      ? ['PUT → all synced', `${fmt(allSyncedMin, 1)} min`, 'measured']
      : ['PUT → all synced', 'not measured', `${remaining} still to sync when the bench stopped (--wait-synced waits); QuickBooks' floor at 2 requests per bill and 500/min: ${fmt(floorMin, 1)} min`],
    ['QuickBooks requests / throttled', `${fmt(stats.requests, 0)} / ${fmt(stats.throttled, 0)}`],
    ...(rec ? ([['duplicates / lost', `${rec.duplicates} / ${rec.lost}`]] as Array<[string, string]>) : []),
  ]);
  result('fanout', {
    records: args.records,
    held,
    unlimited,
    putMs,
    resumedByPut: put.json.resumed,
    fanOutMs: Number.isFinite(fanOutMs) ? fanOutMs : null,
    resumedMs,
    resumedP50Ms: res.p50,
    resumedP95Ms: res.p95,
    signalledMaxMs: sig.max,
    neverResumed: times.missing,
    syncRatePerMin: ratePerMin,
    allSyncedMin: Number.isFinite(allSyncedMin) ? allSyncedMin : null,
    remainingWhenStopped: remaining,
    allSyncedMeasured: remaining === 0,
    requests: stats.requests,
    throttled: stats.throttled,
    ...(rec ? { duplicates: rec.duplicates, lost: rec.lost } : {}),
  });
});
