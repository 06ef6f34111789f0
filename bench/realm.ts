/**
 * bench:realm — one realm against QuickBooks' limit. N bills for one tenant through the real product (API intake,
 * Temporal workflows, one or more worker processes — worker/main.ts, which shares each realm's budget through
 * Postgres by default — and the per-realm limiter) while the simulator enforces QuickBooks' 500 requests per rolling
 * minute and 10 in flight. Prints the requests QuickBooks saw in each whole minute against the 500/min envelope,
 * records synced per minute, the throttle answers the simulator gave, and records that failed because of throttling.
 *
 * Steady minutes: every request the simulator answered (bench/lib/traffic.ts notes its arrival) is put in a whole
 * minute aligned on the run's first request. Minute 1 is the opening burst (an empty rolling window lets a whole
 * minute's budget through at once) and the minute holding the last request is the drain (partial); both are left
 * out, and the steady figures are the means of the minutes in between. A `/batch` counts as one request (QuickBooks
 * counts it so against the 500/min) and is also counted on its own (its own, smaller budget).
 *
 * At ~2 requests per bill a realm does ~250 bills a minute, so N bills give about N / 250 minutes of traffic and
 * N / 250 − 2 whole steady minutes: 600 bills give only one (the quick mode), the default 1,200 give three.
 *
 *   npm run bench:realm                                   # 1,200 bills (~5 min of traffic, 3 steady minutes)
 *   npm run bench:realm -- --records 600                  # quick mode (~2.5 min of traffic, 1 steady minute)
 *   npm run bench:realm -- --records 600 --workers 2      # two worker processes sharing the realm's budget
 *   npm run bench:realm -- --latency-ms 400               # every QuickBooks call of the realm takes 400 ms
 *   npm run bench:realm -- --records 3000 --batch-per-minute 40   # the /batch budget (simulator and worker)
 *   npm run bench:realm -- --realm-budget process         # each worker process with its own budget (QBO_REALM_BUDGET)
 *   npm run bench:realm -- --batch-writes false           # the workers' QBO_BATCH_WRITES (unset: the product's default)
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { syncAttempts, syncs } from '../db/schema.ts';
import { runScript, sleep } from './lib/proc.ts';
import { billRecord, workflowIdOf } from './lib/records.ts';
import { commandLine, fmt, header, ms, parseArgs, result, section, table } from './lib/report.ts';
import { historyFacts, reconcile, slowest, submitAll, timeoutSummary, waitForSettled } from './lib/run.ts';
import { startStack } from './lib/stack.ts';
import { connectTenants } from './lib/tenants.ts';
import { sameMinutes, wholeMinutes } from './lib/traffic.ts';

const ENVELOPE_PER_MIN = 500;
const IN_FLIGHT_LIMIT = 10;

runScript(async () => {
  const args = parseArgs({ records: 1_200, workers: 1, latencyMs: 0, batchPerMinute: 0, batchWrites: '', realmBudget: '', db: 'embedded', timeoutMin: 40, quietSeconds: 61 });
  if (!Number.isInteger(args.workers) || args.workers < 1) throw new Error('--workers must be a whole number ≥ 1');
  if (args.batchPerMinute < 0 || args.batchPerMinute > 500) throw new Error('--batch-per-minute must be between 1 and 500 (0: the defaults)');
  header('bench:realm — one realm against QuickBooks\' 500 requests/min, 10 concurrent', commandLine('bench:realm'));
  const workerEnv: Record<string, string> = {
    ...(args.batchPerMinute > 0 ? { QBO_BATCH_PER_MINUTE: String(args.batchPerMinute) } : {}),
    ...(args.realmBudget ? { QBO_REALM_BUDGET: args.realmBudget } : {}),
    ...(args.batchWrites ? { QBO_BATCH_WRITES: args.batchWrites } : {}),
  };
  const stack = await startStack({
    name: 'realm',
    db: args.db as 'embedded' | 'server',
    workers: args.workers,
    workerEnv,
    simulator: {
      concurrencyLimit: IN_FLIGHT_LIMIT,
      perMinuteLimit: ENVELOPE_PER_MIN,
      ...(args.batchPerMinute > 0 ? { batchPerMinuteLimit: args.batchPerMinute } : {}),
    },
  });
  for (const w of stack.workers) console.log(`worker pid ${w.pid}: ${w.startedLine.trim().slice(0, 400)}`);
  const [tenant] = await connectTenants(stack, 'realm', 1);
  const t = tenant!;
  if (args.latencyMs > 0) {
    // QuickBooks-like latency on every data-API call of the realm, for the whole run: a latency fault with no count,
    // ratio, method or path matches every request; the simulator holds the request's in-flight slot meanwhile.
    stack.sim.sim.injectFault({ realmId: t.realmId, kind: 'latency', latencyMs: args.latencyMs });
    console.log(`latency: every QuickBooks call of realm ${t.realmId} answered after ${args.latencyMs} ms`);
  }
  // Let the connect-time reference load and the vendor's sync leave the simulator's rolling window.
  console.log(`setup done; waiting ${args.quietSeconds} s so the set-up requests leave the rolling minute…`);
  await sleep(args.quietSeconds * 1_000);

  const records = Array.from({ length: args.records }, (_, i) => billRecord(t.tenantId, i + 1, t.vendorId));
  const ids = records.map(workflowIdOf);
  const before = stack.sim.sim.stats(t.realmId);
  const t0 = Date.now();
  stack.simTraffic.resetPeak(t.realmId);

  const intake = await submitAll(stack, records, { concurrency: 16 });
  console.log(`intake: ${records.length} bills accepted in ${ms(intake.finishedAt - intake.startedAt)}`);
  const settled = await waitForSettled(stack, [t.tenantId], ids, { timeoutMs: args.timeoutMin * 60_000, pollMs: 2_000 });
  const tEnd = Date.now();
  const after = stack.sim.sim.stats(t.realmId);
  const peakInFlight = stack.simTraffic.peakInFlight(t.realmId);

  // When each bill became synced in the projection (its last write).
  const done = await stack.db.db
    .select({ updatedAt: syncs.updatedAt })
    .from(syncs)
    .where(and(inArray(syncs.workflowId, ids), eq(syncs.state, 'synced')));
  const doneTimes = done.map((r) => r.updatedAt.getTime()).sort((a, b) => a - b);
  const lastSynced = doneTimes.at(-1) ?? tEnd;

  // What QuickBooks saw from the first POST on: every request of the realm, by arrival.
  const seen = stack.simTraffic.since(t0, t.realmId);
  const answered = seen.filter((r) => r.status !== 429);
  const requests = answered.length;
  const batchRequests = answered.filter((r) => r.batch).length;
  const throttled = after.throttled - before.throttled;
  const minutes = wholeMinutes(answered.map((r) => r.at));
  const batchMinutes = sameMinutes(answered.filter((r) => r.batch).map((r) => r.at), minutes);
  const syncedMinutes = sameMinutes(doneTimes, minutes);
  const steadyMinutes = minutes.steady.length;
  const steadyReqPerMin = minutes.steadyMean;
  const steadyRecPerMin = syncedMinutes.steadyMean;
  const requestsPerRecord = requests / records.length;
  const wallMin = (lastSynced - t0) / 60_000;
  const overallRecPerMin = doneTimes.length / wallMin;
  const overallReqPerMin = requests / ((tEnd - t0) / 60_000);
  // Bills needed for two steady minutes: the burst minute, two steady ones and a little drain, at the pace seen.
  const recordsPerBusyMinute = Math.max(...syncedMinutes.counts, 1);
  const recordsForTwoSteady = Math.ceil(3.3 * recordsPerBusyMinute);

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
  // Reading every history takes minutes on a loaded machine; a run that did not settle skips it.
  const hist = settled.settled ? await historyFacts(stack, ids) : undefined;

  section('each whole minute, aligned on the first request after the first POST');
  const role = (k: number) => (k === 0 ? 'burst (left out)' : k === minutes.counts.length - 1 ? 'drain, partial (left out)' : 'steady');
  table(
    minutes.counts.map((n, k): [string, string, string] => [
      `minute ${k + 1}`,
      `${fmt(n, 0)} requests (${fmt(batchMinutes.counts[k]!, 0)} /batch), ${fmt(syncedMinutes.counts[k]!, 0)} bills synced`,
      role(k),
    ]),
  );
  if (steadyMinutes < 2) {
    console.log(
      `  NOTE: only ${steadyMinutes} whole steady minute(s) — too few for a steady rate; at this pace about ${fmt(recordsForTwoSteady, 0)} bills (--records) give two.`,
    );
  }

  section('figures');
  table([
    ['records (bills)', fmt(bills, 0)],
    ['worker processes', `${args.workers}`, stack.workers.length > 1 ? 'worker/main.ts each, one task queue' : 'worker/main.ts'],
    ['latency per QuickBooks call (simulator)', args.latencyMs > 0 ? `${args.latencyMs} ms` : 'none'],
    ['settled', settled.settled ? 'yes' : `NO (timed out after ${ms(settled.elapsedMs)})`],
    ['synced', fmt(doneTimes.length, 0)],
    ['wall time (first POST → last synced)', ms(lastSynced - t0)],
    ['requests to QuickBooks', fmt(requests, 0), `${fmt(requestsPerRecord, 3)} per record; a /batch counts as one`],
    ['  of which /batch', fmt(batchRequests, 0), args.batchPerMinute > 0 ? `budget ${args.batchPerMinute}/min` : 'budget 40/min (default)'],
    ['whole steady minutes', fmt(steadyMinutes, 0), 'whole minutes from the first request, less the first (burst) and the last (drain)'],
    [
      'requests/min (steady)',
      fmt(steadyReqPerMin, 1),
      `ratio to the 500/min envelope ${fmt(steadyReqPerMin / ENVELOPE_PER_MIN, 3)} (target ≥ 0.95); each whole minute: ${minutes.counts.join(', ')}`,
    ],
    ['records/min (steady)', fmt(steadyRecPerMin, 1), `each whole minute: ${syncedMinutes.counts.join(', ')}`],
    ['records/min (whole run)', fmt(overallRecPerMin, 1), 'includes the opening burst and the drain'],
    ['requests/min (whole run)', fmt(overallReqPerMin, 1)],
    ['throttle answers (simulator 429s)', fmt(throttled, 0), 'target 0'],
    ['attempts classified throttled', fmt(attemptsThrottled[0]?.n ?? 0, 0)],
    ['records blocked by throttling', fmt(blockedThrottled[0]?.n ?? 0, 0), 'target 0'],
    ['peak requests in flight (this run)', fmt(peakInFlight, 0), `limit ${IN_FLIGHT_LIMIT}; as the simulator's HTTP server saw them`],
    ['peak concurrency (simulator meter)', fmt(after.peakConcurrency, 0), 'since the simulator started, set-up included'],
    ['duplicates / lost', `${rec.duplicates} / ${rec.lost}`],
    ['activity attempts timed out, then retried', hist ? timeoutSummary(hist) : 'not read (the run did not settle)', hist ? `${hist.timedOut.length} record(s)` : ''],
  ]);
  section('slowest records');
  for (const line of await slowest(stack, ids, intake.submittedAt, 3)) console.log(`  ${line}`);
  result('realm', {
    records: bills,
    workers: args.workers,
    latencyMs: args.latencyMs,
    batchPerMinute: args.batchPerMinute > 0 ? args.batchPerMinute : null,
    ...(args.batchWrites ? { batchWrites: args.batchWrites } : {}),
    synced: doneTimes.length,
    wallMs: lastSynced - t0,
    requests,
    batchRequests,
    requestsPerRecord,
    steadyMinutes,
    steadyRequestsPerMin: steadyReqPerMin,
    steadyRequestsRatio: steadyReqPerMin / ENVELOPE_PER_MIN,
    steadyRecordsPerMin: steadyRecPerMin,
    overallRecordsPerMin: overallRecPerMin,
    requestsPerMinute: minutes.counts,
    batchRequestsPerMinute: batchMinutes.counts,
    recordsPerMinute: syncedMinutes.counts,
    throttled,
    attemptsThrottled: attemptsThrottled[0]?.n ?? 0,
    blockedThrottled: blockedThrottled[0]?.n ?? 0,
    peakInFlight,
    peakConcurrency: after.peakConcurrency,
    duplicates: rec.duplicates,
    lost: rec.lost,
    activityTimeouts: hist ? hist.activityTimeouts : null,
    settled: settled.settled,
  });
});
