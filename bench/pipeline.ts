/**
 * bench:pipeline — the product's own ceiling with QuickBooks' limits out of the way: many realms (default 50), a
 * simulator with effectively unlimited rate limits, records through the real API, Temporal, the worker process and
 * Postgres. Prints records/s end to end, p50/p95 intake→synced, worker RSS, CPU per process, Temporal history events
 * per clean sync, and — on the same simulator and database — a plain sequential "read record, POST to QuickBooks"
 * loop as the reference.
 *
 *   npm run bench:pipeline                                  # 50 realms, 2,000 bills
 *   npm run bench:pipeline -- --realms 50 --records 1000    # quicker
 *   npm run bench:pipeline -- --db server                   # PostgreSQL at 127.0.0.1:5432 instead of PGlite
 */
import { and, eq, inArray } from 'drizzle-orm';
import { storeRecordVersion } from '../db/queries/records.ts';
import { syncs } from '../db/schema.ts';
import type { AwraRecord } from '../domain/records.ts';
import { createQboClient } from '../qbo/client.ts';
import { toQboPayload } from '../qbo/mappers.ts';
import { credentialsOf, readRecord, resolveRefs } from './lib/direct.ts';
import { cpuSecondsOf, runScript, sleep } from './lib/proc.ts';
import { billRecord, workflowIdOf } from './lib/records.ts';
import { commandLine, fmt, header, ms, parseArgs, result, section, table } from './lib/report.ts';
import { historyFacts, reconcile, slowest, spreadBills, submitAll, timeoutSummary, waitForSettled } from './lib/run.ts';
import { startStack } from './lib/stack.ts';
import { summarize } from './lib/stats.ts';
import { connectTenants } from './lib/tenants.ts';

const UNLIMITED = { concurrencyLimit: 1_000_000, perMinuteLimit: 1_000_000_000, batchPerMinuteLimit: 1_000_000_000 };

runScript(async () => {
  const args = parseArgs({ realms: 50, records: 2_000, db: 'embedded', baseline: 0, histories: 20, timeoutMin: 30, intakeConcurrency: 16 });
  header('bench:pipeline — pipeline ceiling without provider limits', commandLine('bench:pipeline'));
  const stack = await startStack({ name: 'pipeline', db: args.db as 'embedded' | 'server', simulator: UNLIMITED });
  console.log(`connecting ${args.realms} tenants and syncing one vendor each…`);
  const tenants = await connectTenants(stack, 'pipe', args.realms);
  const tenantIds = tenants.map((t) => t.tenantId);
  await sleep(2_000);

  const records = spreadBills(tenants, args.records, (t, i) => billRecord(t.tenantId, i, t.vendorId));
  const ids = records.map(workflowIdOf);
  const pids: Record<string, number> = { worker: stack.worker.pid, temporal: stack.temporal.server.child.pid!, 'bench (API, simulator)': process.pid, ...(stack.db.pid ? { pglite: stack.db.pid } : {}) };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid) ?? 0]));
  let rssPeak = 0;
  const rssSampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, stack.worker.rss()?.rssMiB ?? 0);
  }, 500);
  const rssBefore = stack.worker.rss();

  const t0 = Date.now();
  const intake = await submitAll(stack, records, { concurrency: args.intakeConcurrency });
  console.log(`intake: ${records.length} bills accepted in ${ms(intake.finishedAt - intake.startedAt)} (${fmt((records.length * 1000) / (intake.finishedAt - intake.startedAt), 1)}/s)`);
  const settled = await waitForSettled(stack, tenantIds, ids, { timeoutMs: args.timeoutMin * 60_000, pollMs: 1_000 });
  clearInterval(rssSampler);
  const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid) ?? 0]));
  const rssAfter = stack.worker.rss();

  const rows = await stack.db.db
    .select({ workflowId: syncs.workflowId, updatedAt: syncs.updatedAt, retryCount: syncs.retryCount })
    .from(syncs)
    .where(and(inArray(syncs.tenantId, tenantIds), eq(syncs.state, 'synced'), eq(syncs.recordType, 'bill')));
  const lat = rows.filter((r) => intake.submittedAt.has(r.workflowId)).map((r) => r.updatedAt.getTime() - intake.submittedAt.get(r.workflowId)!);
  const last = Math.max(...rows.map((r) => r.updatedAt.getTime()));
  const wallS = (last - t0) / 1000;
  const perSec = rows.length / wallS;
  const latS = summarize(lat);

  // Temporal history of a few clean syncs (no retries), and activity attempts lost to timeouts across all.
  const clean = rows.filter((r) => r.retryCount === 0).slice(0, args.histories).map((r) => r.workflowId);
  const cleanFacts = await historyFacts(stack, clean);
  const eventsPerSync = summarize([...cleanFacts.events.values()]);
  const allFacts = await historyFacts(stack, ids);
  const rec = await reconcile(stack, tenants);

  // Reference: a plain sequential loop on the same simulator and database — read the record, map it, POST it.
  const baselineN = args.baseline || Math.min(args.records, 1_000);
  const creds = await credentialsOf(stack, tenantIds);
  const base = spreadBills(tenants, baselineN, (t, i) => billRecord(t.tenantId, i, t.vendorId, { prefix: 'SQ' }));
  for (const r of base) await storeRecordVersion(stack.db.db, r as unknown as AwraRecord, 'bench-baseline');
  const client = createQboClient({ baseUrl: stack.sim.url });
  let baseOk = 0;
  const b0 = Date.now();
  for (const r of base) {
    const record = await readRecord(stack.db.db, r);
    const refs = await resolveRefs(stack.db.db, record);
    const payload = toQboPayload(record, refs, { homeCurrency: 'KES', multicurrency: false });
    const c = creds.get(r.tenantId)!;
    const resp = await client.create({ realmId: c.realmId, accessToken: c.accessToken }, payload.entity, payload.body, { requestId: `base-${r.tenantId}-${r.sourceId}` });
    if (resp.ok) baseOk += 1;
  }
  const baseS = (Date.now() - b0) / 1000;
  const basePerSec = baseOk / baseS;

  section('figures');
  const cpuRows = Object.keys(pids).map((k) => [`CPU s (${k})`, fmt(cpu1[k]! - cpu0[k]!, 1), `${fmt(((cpu1[k]! - cpu0[k]!) / wallS) * 100, 0)} % of one core`] as [string, string, string]);
  table([
    ['realms / records', `${args.realms} / ${fmt(records.length, 0)} bills`],
    ['Postgres', args.db === 'server' ? 'PostgreSQL 15 at 127.0.0.1:5432' : 'embedded PGlite (own process)'],
    ['settled', settled.settled ? 'yes' : `NO (timed out after ${ms(settled.elapsedMs)})`],
    ['synced', fmt(rows.length, 0)],
    ['intake rate', `${fmt((records.length * 1000) / (intake.finishedAt - intake.startedAt), 1)} records/s`, 'POST /api/v1/records, 16 at a time'],
    ['throughput (first POST → last synced)', `${fmt(perSec, 2)} records/s`, `${fmt(perSec * 60, 0)}/min over ${fmt(wallS, 1)} s`],
    ['latency intake → synced p50 / p95', `${ms(latS.p50)} / ${ms(latS.p95)}`, `max ${ms(latS.max)}`],
    ['worker RSS before / peak / after', `${fmt(rssBefore?.rssMiB ?? NaN, 0)} / ${fmt(rssPeak, 0)} / ${fmt(rssAfter?.rssMiB ?? NaN, 0)} MiB`],
    ...cpuRows,
    ['Temporal events per clean sync', `median ${fmt(eventsPerSync.p50, 0)}, min ${fmt(eventsPerSync.min, 0)}, max ${fmt(eventsPerSync.max, 0)}`, `${cleanFacts.events.size} histories; target ≤ 12`],
    ['activity attempts timed out, then retried', timeoutSummary(allFacts), `${allFacts.timedOut.length} record(s)`],
    ['reference loop (sequential read + POST)', `${fmt(basePerSec, 1)} records/s`, `${baseOk}/${base.length} created in ${fmt(baseS, 1)} s`],
    ['ratio pipeline / reference', fmt(perSec / basePerSec, 3)],
    ['duplicates / lost', `${rec.duplicates} / ${rec.lost}`],
  ]);
  section('slowest records');
  for (const line of await slowest(stack, ids, intake.submittedAt, 2)) console.log(`  ${line}`);
  result('pipeline', {
    realms: args.realms,
    records: records.length,
    db: args.db,
    synced: rows.length,
    recordsPerSec: perSec,
    wallS,
    intakePerSec: (records.length * 1000) / (intake.finishedAt - intake.startedAt),
    latencyP50Ms: latS.p50,
    latencyP95Ms: latS.p95,
    workerRssPeakMiB: rssPeak,
    workerRssAfterMiB: rssAfter?.rssMiB,
    cpuSeconds: Object.fromEntries(Object.keys(pids).map((k) => [k, cpu1[k]! - cpu0[k]!])),
    eventsPerCleanSync: { median: eventsPerSync.p50, min: eventsPerSync.min, max: eventsPerSync.max, n: cleanFacts.events.size },
    activityTimeouts: allFacts.activityTimeouts,
    referencePerSec: basePerSec,
    ratioToReference: perSec / basePerSec,
    duplicates: rec.duplicates,
    lost: rec.lost,
  });
});
