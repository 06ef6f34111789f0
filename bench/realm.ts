/**
 * bench:realm — one realm against QuickBooks' limit. N bills for one tenant through the real product (API intake,
 * Temporal workflows, worker process, per-realm limiter) while the simulator enforces QuickBooks' 500 requests per
 * rolling minute and 10 in flight. Prints requests/min and records/min against the 500/min envelope, the throttle
 * answers the simulator gave, and records that failed because of throttling.
 *
 *   npm run bench:realm                      # 2,000 bills (~13 min at 500 requests/min)
 *   npm run bench:realm -- --records 600     # quick mode (~3 min)
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { syncAttempts, syncs } from '../db/schema.ts';
import { runScript, sleep } from './lib/proc.ts';
import { billRecord, workflowIdOf } from './lib/records.ts';
import { commandLine, fmt, header, ms, parseArgs, result, section, table } from './lib/report.ts';
import { historyFacts, reconcile, slowest, submitAll, timeoutSummary, waitForSettled } from './lib/run.ts';
import { startStack } from './lib/stack.ts';
import { connectTenants } from './lib/tenants.ts';

const ENVELOPE_PER_MIN = 500;

runScript(async () => {
  const args = parseArgs({ records: 2_000, db: 'embedded', timeoutMin: 40, quietSeconds: 61 });
  header('bench:realm — one realm against QuickBooks\' 500 requests/min, 10 concurrent', commandLine('bench:realm'));
  const stack = await startStack({
    name: 'realm',
    db: args.db as 'embedded' | 'server',
    simulator: { concurrencyLimit: 10, perMinuteLimit: ENVELOPE_PER_MIN },
  });
  const [tenant] = await connectTenants(stack, 'realm', 1);
  const t = tenant!;
  // Let the connect-time reference load and the vendor's sync leave the simulator's rolling window.
  console.log(`setup done; waiting ${args.quietSeconds} s so the set-up requests leave the rolling minute…`);
  await sleep(args.quietSeconds * 1_000);

  const records = Array.from({ length: args.records }, (_, i) => billRecord(t.tenantId, i + 1, t.vendorId));
  const ids = records.map(workflowIdOf);
  const before = stack.sim.sim.stats(t.realmId);
  const samples: Array<{ at: number; requests: number; synced: number }> = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    void stack.db.db
      .select({ n: sql<number>`count(*)::int` })
      .from(syncs)
      .where(and(eq(syncs.tenantId, t.tenantId), eq(syncs.state, 'synced'), sql`${syncs.recordType} = 'bill'`))
      .then(([row]) => samples.push({ at: Date.now(), requests: stack.sim.sim.stats(t.realmId).requests - before.requests, synced: row?.n ?? 0 }))
      .catch(() => undefined);
  }, 1_000);

  const intake = await submitAll(stack, records, { concurrency: 16 });
  console.log(`intake: ${records.length} bills accepted in ${ms(intake.finishedAt - intake.startedAt)}`);
  const settled = await waitForSettled(stack, [t.tenantId], ids, { timeoutMs: args.timeoutMin * 60_000, pollMs: 2_000 });
  clearInterval(sampler);
  const tEnd = Date.now();
  const after = stack.sim.sim.stats(t.realmId);

  // When each bill became synced in the projection (its last write).
  const done = await stack.db.db
    .select({ updatedAt: syncs.updatedAt })
    .from(syncs)
    .where(and(inArray(syncs.workflowId, ids), eq(syncs.state, 'synced')));
  const doneTimes = done.map((r) => r.updatedAt.getTime()).sort((a, b) => a - b);
  const lastSynced = doneTimes.at(-1) ?? tEnd;
  const requests = after.requests - before.requests;
  const throttled = after.throttled - before.throttled;

  // Steady state: from one minute after the start (the rolling window no longer holds the initial burst) to the end.
  const steadyFrom = t0 + 60_000;
  const at = (time: number) => samples.reduce((best, s) => (Math.abs(s.at - time) < Math.abs(best.at - time) ? s : best), samples[0]!);
  const s1 = at(steadyFrom);
  const s2 = at(lastSynced);
  const steadyMin = (s2.at - s1.at) / 60_000;
  const steadyReqPerMin = steadyMin > 0 ? (s2.requests - s1.requests) / steadyMin : Number.NaN;
  const steadyRecPerMin = steadyMin > 0 ? (s2.synced - s1.synced) / steadyMin : Number.NaN;
  const wallMin = (lastSynced - t0) / 60_000;
  // Requests in each whole minute from the first POST: the clearest view of a rolling-minute limit.
  const perMinute: number[] = [];
  for (let k = 1; t0 + k * 60_000 <= lastSynced; k++) perMinute.push(at(t0 + k * 60_000).requests - at(t0 + (k - 1) * 60_000).requests);
  const overallRecPerMin = doneTimes.length / wallMin;
  const overallReqPerMin = requests / ((tEnd - t0) / 60_000);

  const attemptsThrottled = await stack.db.db
    .select({ n: sql<number>`count(*)::int` })
    .from(syncAttempts)
    .where(and(eq(syncAttempts.tenantId, t.tenantId), eq(syncAttempts.class, 'throttled')));
  const blockedThrottled = await stack.db.db
    .select({ n: sql<number>`count(*)::int` })
    .from(syncs)
    .where(and(eq(syncs.tenantId, t.tenantId), eq(syncs.failureClass, 'throttled'), eq(syncs.state, 'blocked')));
  const rec = await reconcile(stack, [t]);
  const bills = records.length;
  const hist = await historyFacts(stack, ids);

  section('figures');
  table([
    ['records (bills)', fmt(bills, 0)],
    ['settled', settled.settled ? 'yes' : `NO (timed out after ${ms(settled.elapsedMs)})`],
    ['synced', fmt(doneTimes.length, 0)],
    ['wall time (first POST → last synced)', ms(lastSynced - t0)],
    ['requests to QuickBooks', fmt(requests, 0), `${fmt(requests / bills, 2)} per record`],
    ['steady window', `${fmt(steadyMin, 2)} min`, 'from t0 + 60 s to the last synced record'],
    ['requests/min (steady)', fmt(steadyReqPerMin, 1), `ratio to the 500/min envelope ${fmt(steadyReqPerMin / ENVELOPE_PER_MIN, 3)} (target ≥ 0.95)`],
    ['records/min (steady)', fmt(steadyRecPerMin, 1), `ratio to the envelope ${fmt(steadyRecPerMin / ENVELOPE_PER_MIN, 3)}; ceiling 500 / ${fmt(requests / bills, 2)} = ${fmt(ENVELOPE_PER_MIN / (requests / bills), 1)}`],
    ['requests in each whole minute', perMinute.join(', '), 'from the first POST; the simulator refuses the 501st in any rolling minute'],
    ['records/min (whole run)', fmt(overallRecPerMin, 1), 'includes the first minute, when the empty rolling window lets 500 requests through at once'],
    ['requests/min (whole run)', fmt(overallReqPerMin, 1)],
    ['throttle answers (simulator 429s)', fmt(throttled, 0), 'target 0'],
    ['attempts classified throttled', fmt(attemptsThrottled[0]?.n ?? 0, 0)],
    ['records blocked by throttling', fmt(blockedThrottled[0]?.n ?? 0, 0), 'target 0'],
    ['peak concurrency seen by QuickBooks', fmt(after.peakConcurrency, 0), 'limit 10'],
    ['duplicates / lost', `${rec.duplicates} / ${rec.lost}`],
    ['activity attempts timed out, then retried', timeoutSummary(hist), `${hist.timedOut.length} record(s)`],
  ]);
  section('slowest records');
  for (const line of await slowest(stack, ids, intake.submittedAt, 3)) console.log(`  ${line}`);
  result('realm', {
    records: bills,
    synced: doneTimes.length,
    wallMs: lastSynced - t0,
    requests,
    requestsPerRecord: requests / bills,
    steadyRequestsPerMin: steadyReqPerMin,
    steadyRequestsRatio: steadyReqPerMin / ENVELOPE_PER_MIN,
    steadyRecordsPerMin: steadyRecPerMin,
    steadyRecordsRatio: steadyRecPerMin / ENVELOPE_PER_MIN,
    overallRecordsPerMin: overallRecPerMin,
    requestsPerWholeMinute: perMinute,
    throttled,
    attemptsThrottled: attemptsThrottled[0]?.n ?? 0,
    blockedThrottled: blockedThrottled[0]?.n ?? 0,
    peakConcurrency: after.peakConcurrency,
    duplicates: rec.duplicates,
    lost: rec.lost,
    activityTimeouts: hist.activityTimeouts,
  });
});
