/**
 * The shape every fault drill shares: start the product, connect tenants, submit bills through the API while a
 * fault is injected once a share of them has settled, wait until every record is synced or blocked, then reconcile
 * the projection against QuickBooks' ledger in the simulator and print the outcome.
 */
import { spreadBills, reconcile, reconciliationRows, submitAll, waitForSettled, type Reconciliation, type StateCount } from './run.ts';
import { billRecord, workflowIdOf } from './records.ts';
import { commandLine, fmt, header, ms, result, section, table } from './report.ts';
import { startStack, type Stack, type StackOptions } from './stack.ts';
import { connectTenants, type BenchTenant } from './tenants.ts';

export interface DrillContext {
  stack: Stack;
  tenants: BenchTenant[];
  /** Workflow ids of the drill's records. */
  ids: string[];
  /** Elapsed ms since the first POST. */
  elapsed(): number;
  log(line: string): void;
}

export interface DrillSpec {
  /** npm script name, e.g. drill:worker-kill. */
  script: string;
  title: string;
  tenants: number;
  records: number;
  stack?: Omit<StackOptions, 'name'>;
  /** Runs after set-up, before the first record (e.g. start a provider storm). */
  before?(ctx: DrillContext): Promise<void>;
  /** Fired once when this share of the records has settled (0..1). */
  faultAt?: number;
  fault?(ctx: DrillContext): Promise<void>;
  /** Called on every poll (e.g. throttle bursts, or expiries at several points of the run). */
  onTick?(ctx: DrillContext, p: { settled: number; counts: StateCount[] }): Promise<void>;
  /** Runs once everything settled, before reconciling (e.g. clear faults). */
  after?(ctx: DrillContext): Promise<void>;
  /** Extra rows and RESULT fields for this drill. */
  extra?(ctx: DrillContext, rec: Reconciliation): Promise<{ rows: Array<[string, string] | [string, string, string]>; data: Record<string, unknown>; /** Why the drill fails besides loss and duplicates. */ fail?: string }>;
  settleTimeoutMin?: number;
}

export async function runDrill(spec: DrillSpec): Promise<void> {
  header(spec.title, commandLine(spec.script));
  const name = spec.script.replace('drill:', '');
  const stack = await startStack({ name, ...spec.stack });
  const tenants = await connectTenants(stack, name.slice(0, 4).replace(/[^a-z]/g, 'x'), spec.tenants);
  let t0 = Date.now();
  const ctx: DrillContext = { stack, tenants, ids: [], elapsed: () => Date.now() - t0, log: (line) => console.log(`  [${(ctx.elapsed() / 1000).toFixed(0).padStart(4)} s] ${line}`) };
  await spec.before?.(ctx);

  const records = spreadBills(tenants, spec.records, (t, i) => billRecord(t.tenantId, i, t.vendorId));
  const ids = records.map(workflowIdOf);
  ctx.ids.push(...ids);
  t0 = Date.now();
  const intake = submitAll(stack, records, { concurrency: 8 });
  let faultFired = false;
  let faultRunning: Promise<void> | undefined;
  const settled = await waitForSettled(
    stack,
    tenants.map((t) => t.tenantId),
    ids,
    {
      timeoutMs: (spec.settleTimeoutMin ?? 20) * 60_000,
      pollMs: 1_000,
      onTick: async (p) => {
        if (spec.fault && !faultFired && p.settled >= (spec.faultAt ?? 0.3) * records.length) {
          faultFired = true;
          ctx.log(`${p.settled}/${records.length} settled: injecting the fault`);
          // The fault runs beside the polling, so progress stays visible while it lasts.
          faultRunning = spec.fault(ctx);
        }
        await spec.onTick?.(ctx, p);
      },
    },
  );
  await faultRunning;
  const intakeStats = await intake;
  const wallMs = settled.elapsedMs;
  await spec.after?.(ctx);
  const rec = await reconcile(stack, tenants);
  const extra = (await spec.extra?.(ctx, rec)) ?? { rows: [], data: {} };

  section('outcome');
  table([
    ['tenants (realms)', String(tenants.length)],
    ['settled', settled.settled ? 'yes' : `NO — stopped waiting after ${ms(wallMs)}`],
    ['wall time (first POST → all settled)', ms(wallMs)],
    ['intake answers re-sent (503 / unreachable)', fmt(intakeStats.resent, 0)],
    ['accepted with delivery pending (delivered by the outbox, not re-sent)', fmt(intakeStats.pending, 0)],
    ...reconciliationRows(rec),
    ...extra.rows,
  ]);
  const verdict = rec.duplicates === 0 && rec.lost === 0 && rec.syncedNotInQbo === 0 && settled.settled && !extra.fail;
  console.log('');
  console.log(verdict ? 'VERDICT: every record synced or correctly blocked, no duplicates in QuickBooks.' : `VERDICT: FAILED — ${extra.fail ?? 'see lost / duplicates above'}.`);
  result(name, {
    records: rec.records,
    synced: rec.synced,
    blocked: rec.blocked,
    duplicates: rec.duplicates,
    lost: rec.lost,
    syncedNotInQbo: rec.syncedNotInQbo,
    inQboNotSynced: rec.inQboNotSynced,
    retryCountSum: rec.retryCountSum,
    attempts: rec.attempts,
    attemptsByClass: rec.attemptsByClass,
    attemptsMissing: rec.attemptsMissing,
    wallMs,
    settled: settled.settled,
    intakeResent: intakeStats.resent,
    ...extra.data,
    ...(extra.fail ? { fail: extra.fail } : {}),
  });
  if (!verdict) process.exitCode = 2;
}
