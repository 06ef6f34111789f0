/**
 * bench:batch — how far QuickBooks' batch endpoint lifts the per-realm ceiling. The product has no batch push path;
 * this measures the *client + simulator* path with a bench-only pusher built from the product's parts: qbo/client.ts
 * `batch()` and `query()`, qbo/mappers.ts `toQboPayload`, qbo/classify.ts and the per-realm limiter (its separate batch
 * budget). Three lanes run at the same time, each against its own simulator company with QuickBooks' limits (500
 * requests/min, 10 in flight, `--batch-per-minute` batch requests/min):
 *
 *   batch        per 30 bills: one duplicate lookup (`DocNumber IN (…)`), one /batch of ≤ 30 creates
 *   single       per bill: duplicate lookup + create — what the product's workflow sends today
 *   create-only  per bill: one create — the single-request ceiling itself (500/min)
 *
 * Per-item faults are handled one by one: a retryable item goes back to the queue (its next batch looks it up first,
 * so an item committed unseen is adopted, not created twice); a rejected item is blocked with its class. A whole
 * batch that failed in transport or with a 5xx is sent again unchanged with the same requestid, so QuickBooks replays
 * it instead of creating twice. Faults injected (default on): 1 bill in 50 dated in a closed period (6210), two
 * /batch answers lost after commit, two /batch 503s.
 *
 *   npm run bench:batch                               # 3 minutes per lane, 40 batch requests/min
 *   npm run bench:batch -- --batch-per-minute 120     # Intuit's 2025 batch limit
 */
import { storeRecordVersion } from '../db/queries/records.ts';
import type { AwraRecord } from '../domain/records.ts';
import { classifyQboResponse } from '../qbo/classify.ts';
import { createQboClient, qboQueryLiteral, queryRows } from '../qbo/client.ts';
import { qboDocNumber, toQboPayload, type ResolvedRef } from '../qbo/mappers.ts';
import { createRealmLimiter } from '../qbo/rate-limit.ts';
import type { QboBatchBody, QboBatchItemRequest } from '../qbo/types.ts';
import { credentialsOf, readRecord, resolveRefs } from './lib/direct.ts';
import { runScript, sleep } from './lib/proc.ts';
import { billRecord, type BenchRecord } from './lib/records.ts';
import { commandLine, fmt, header, parseArgs, result, section, table } from './lib/report.ts';
import { startStack, type Stack } from './lib/stack.ts';
import { connectTenant, syncVendors, type BenchTenant } from './lib/tenants.ts';

const CLOSING_DATE = '2026-10-31';

interface LaneResult {
  name: string;
  done: number[];
  synced: number;
  adopted: number;
  blocked: Record<string, number>;
  requeued: number;
  batchResends: number;
  requestsBefore: number;
  requestsAfter: number;
  throttled: number;
  replays: number;
  duplicates: number;
  syncedNotInQbo: number;
}

function isOurs(record: AwraRecord, e: Record<string, unknown>): boolean {
  return String(e.PrivateNote ?? '').includes(`(src ${record.sourceId} v`);
}

/** A Fault inside a batch item, classified exactly like a whole response carrying it (HTTP 400). */
function classifyItemFault(fault: unknown, intuitTid?: string) {
  return classifyQboResponse({ status: 400, body: { Fault: fault }, headers: intuitTid ? { intuit_tid: intuitTid } : {} });
}

runScript(async () => {
  const args = parseArgs({ seconds: 180, batchPerMinute: 40, faults: true, batchLanes: 4, singleConcurrency: 10, db: 'embedded' });
  header('bench:batch — QuickBooks batch endpoint vs one request per record (client + simulator path)', commandLine('bench:batch'));
  if (args.seconds % 60 !== 0) throw new Error('--seconds must be whole minutes (60, 120, 180…): the budgets are per rolling minute.');
  const limits = { concurrencyLimit: 10, perMinuteLimit: 500, batchPerMinuteLimit: args.batchPerMinute };
  const stack = await startStack({ name: 'batch', db: args.db as 'embedded' | 'server', simulator: limits });
  const lanes = ['batch', 'single', 'create-only'] as const;
  const tenants: Record<string, BenchTenant> = {};
  for (const lane of lanes) tenants[lane] = await connectTenant(stack, `bt-${lane}`, { closingDate: CLOSING_DATE });
  await syncVendors(stack, Object.values(tenants));
  // Pushes below bypass the worker, so stop it: only this script talks to QuickBooks during the measurement.
  await stack.worker.stop();
  console.log('setup done; waiting 61 s so the set-up requests leave the rolling minute…');
  await sleep(61_000);

  // Enough bills that no lane runs dry: the batch budget × 30 items, with headroom.
  const pool = Math.ceil(((args.batchPerMinute * 30 * args.seconds) / 60) * 1.3) + 300;
  const creds = await credentialsOf(stack, Object.values(tenants).map((t) => t.tenantId));
  const recordsOf: Record<string, BenchRecord[]> = {};
  for (const lane of lanes) {
    const t = tenants[lane]!;
    const n = lane === 'batch' ? pool : Math.ceil((500 * args.seconds) / 60) + 100;
    recordsOf[lane] = Array.from({ length: n }, (_, i) =>
      billRecord(t.tenantId, i + 1, t.vendorId, args.faults && (i + 1) % 50 === 0 ? { txnDate: '2026-10-15' } : {}),
    );
    console.log(`storing ${n} bills for the ${lane} lane…`);
    for (const r of recordsOf[lane]!) await storeRecordVersion(stack.db.db, r as unknown as AwraRecord, 'bench-batch');
  }
  if (args.faults) {
    const realm = tenants.batch!.realmId;
    stack.sim.sim.injectFault({ realmId: realm, path: '/batch', method: 'POST', kind: 'drop_after_commit', ratio: 0.04, count: 2 });
    stack.sim.sim.injectFault({ realmId: realm, path: '/batch', method: 'POST', kind: 'http5xx', status: 503, ratio: 0.04, count: 2 });
  }

  const t0 = Date.now();
  const stopAt = t0 + args.seconds * 1_000;
  const laneOf = (name: (typeof lanes)[number]): Lane => {
    const tenant = tenants[name]!;
    return { stack, name, tenant, records: recordsOf[name]!, creds: creds.get(tenant.tenantId)!, batchPerMinute: args.batchPerMinute, stopAt };
  };
  const results = await Promise.all([
    runBatchLane(laneOf('batch'), args.batchLanes),
    runSingleLane(laneOf('single'), { concurrency: args.singleConcurrency, lookup: true }),
    runSingleLane(laneOf('create-only'), { concurrency: args.singleConcurrency, lookup: false }),
  ]);

  // A rolling-minute budget is spent in bursts (a whole minute's worth as soon as the window allows), so rates are
  // taken over whole minutes from the start: k bursts in k minutes; work finishing after the deadline is not counted.
  const minutes = args.seconds / 60;
  const rate = (r: LaneResult) => r.done.filter((t) => t <= stopAt).length / minutes;
  const single = results.find((r) => r.name === 'single')!;
  const createOnly = results.find((r) => r.name === 'create-only')!;
  section(`figures (${minutes} whole minutes per lane, all three lanes at the same time)`);
  for (const r of results) {
    const blocked = Object.entries(r.blocked).map(([k, v]) => `${k} ${v}`).join(', ') || '0';
    table([
      [`${r.name}: records/min`, fmt(rate(r), 1), r.name === 'batch' ? `ceiling ${args.batchPerMinute} batches × 30 = ${args.batchPerMinute * 30}/min` : r.name === 'single' ? 'ceiling 500 / 2 = 250/min' : 'ceiling 500/min'],
      [`${r.name}: synced / adopted / blocked`, `${r.synced} / ${r.adopted} / ${blocked}`],
      [`${r.name}: requests (per min), throttled, replays`, `${r.requestsAfter - r.requestsBefore} (${fmt((r.requestsAfter - r.requestsBefore) / minutes, 0)}), ${r.throttled}, ${r.replays}`],
      ...(r.name === 'batch' ? ([[`batch: items re-queued / whole batches re-sent`, `${r.requeued} / ${r.batchResends}`]] as Array<[string, string]>) : []),
      [`${r.name}: duplicates in QuickBooks / synced but missing`, `${r.duplicates} / ${r.syncedNotInQbo}`],
    ]);
  }
  const batch = results.find((r) => r.name === 'batch')!;
  section('ratios');
  table([
    ['batch / single (product path)', fmt(rate(batch) / rate(single), 2)],
    ['batch / create-only (single-request ceiling)', fmt(rate(batch) / rate(createOnly), 2)],
  ]);
  result('batch', {
    seconds: args.seconds,
    batchPerMinute: args.batchPerMinute,
    faults: args.faults,
    lanes: Object.fromEntries(
      results.map((r) => [r.name, { recordsPerMin: rate(r), synced: r.synced, adopted: r.adopted, blocked: r.blocked, requests: r.requestsAfter - r.requestsBefore, throttled: r.throttled, replays: r.replays, duplicates: r.duplicates, requeued: r.requeued, batchResends: r.batchResends }]),
    ),
    ratioBatchToSingle: rate(batch) / rate(single),
    ratioBatchToCreateOnly: rate(batch) / rate(createOnly),
  });
});

/** A lane: its own simulator company, its bills, and when it stops. */
interface Lane {
  stack: Stack;
  name: string;
  tenant: BenchTenant;
  records: BenchRecord[];
  creds: { realmId: string; accessToken: string };
  /** The limiter's batch budget (the single lanes send no batch). */
  batchPerMinute: number;
  stopAt: number;
}

/** A lane's QuickBooks client (the product's limiter), its counters and what it synced. */
function openLane({ stack, name, tenant: t, creds, batchPerMinute }: Lane) {
  const before = stack.sim.sim.stats(t.realmId);
  const r: LaneResult = { name, done: [], synced: 0, adopted: 0, blocked: {}, requeued: 0, batchResends: 0, requestsBefore: before.requests, requestsAfter: 0, throttled: 0, replays: 0, duplicates: 0, syncedNotInQbo: 0 };
  /** DocNumber → the QuickBooks id this lane holds for it. */
  const syncedIds = new Map<string, string>();
  return {
    r,
    client: createQboClient({ baseUrl: stack.sim.url, limiter: createRealmLimiter({ batchPerMinute }) }),
    ctx: { realmId: creds.realmId, accessToken: creds.accessToken },
    synced(record: AwraRecord, qboId: string | undefined, how: 'created' | 'adopted') {
      if (how === 'adopted') r.adopted += 1;
      r.synced += 1;
      r.done.push(Date.now());
      if (qboId) syncedIds.set(qboDocNumber(record.number), qboId);
    },
    blocked(failureClass: string) {
      r.blocked[failureClass] = (r.blocked[failureClass] ?? 0) + 1;
    },
    /** The lane's figures, with QuickBooks' ledger checked for duplicates and for what the lane says it synced. */
    finish(): LaneResult {
      const s = stack.sim.sim.stats(t.realmId);
      r.requestsAfter = s.requests;
      r.throttled = s.throttled;
      r.replays = s.replays;
      const byDoc = new Map<string, string[]>();
      for (const e of stack.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill' })) byDoc.set(String(e.DocNumber), [...(byDoc.get(String(e.DocNumber)) ?? []), String(e.Id)]);
      for (const ids of byDoc.values()) if (ids.length > 1) r.duplicates += ids.length - 1;
      for (const [doc, id] of syncedIds) if (!(byDoc.get(doc) ?? []).includes(id)) r.syncedNotInQbo += 1;
      return r;
    },
  };
}

async function prepare(stack: Stack, r: BenchRecord): Promise<{ record: AwraRecord; refs: Map<string, ResolvedRef> }> {
  const record = await readRecord(stack.db.db, r);
  return { record, refs: await resolveRefs(stack.db.db, record) };
}

/** One request per bill: duplicate lookup (if `lookup`) then create, with the product's limiter, `concurrency` at a time. */
async function runSingleLane(input: Lane, { concurrency, lookup }: { concurrency: number; lookup: boolean }): Promise<LaneResult> {
  const { stack, tenant: t, records, stopAt } = input;
  const lane = openLane(input);
  const { client, ctx } = lane;
  let next = 0;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const rec = records[next++];
      if (!rec) return;
      const { record, refs } = await prepare(stack, rec);
      if (lookup) {
        const q = await client.query(ctx, `select * from Bill where DocNumber = ${qboQueryLiteral(qboDocNumber(record.number))}`);
        const rows = queryRows(q, 'Bill') as unknown as Record<string, unknown>[];
        const ours = rows.find((e) => isOurs(record, e));
        if (ours) {
          lane.synced(record, String(ours.Id), 'adopted');
          continue;
        }
      }
      const payload = toQboPayload(record, refs, { homeCurrency: 'KES', multicurrency: false });
      const resp = await client.create(ctx, payload.entity, payload.body, { requestId: `sg-${t.tenantId}-${record.sourceId}`.slice(0, 50) });
      const c = classifyQboResponse(resp);
      if (c.class === 'accepted') {
        const bill = (resp.body as { Bill?: { Id: string } }).Bill;
        lane.synced(record, bill && String(bill.Id), 'created');
      } else {
        lane.blocked(c.class);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return lane.finish();
}

/** The bench-only batch pusher (see the module comment), `senders` batches in flight at a time. */
async function runBatchLane(input: Lane, senders: number): Promise<LaneResult> {
  const { stack, tenant: t, records, stopAt } = input;
  const lane = openLane(input);
  const { r, client, ctx } = lane;
  const queue = [...records];
  let batchSeq = 0;

  const oneBatch = async (items: BenchRecord[]) => {
    const prepared = await Promise.all(items.map((i) => prepare(stack, i)));
    // Duplicate lookup for the whole batch: adopt what an earlier (unseen) commit created.
    const docs = prepared.map((p) => qboDocNumber(p.record.number));
    const q = await client.query(ctx, `select * from Bill where DocNumber in (${docs.map(qboQueryLiteral).join(', ')})`);
    if (!q.ok) {
      queue.unshift(...items);
      r.requeued += items.length;
      await sleep(1_000);
      return;
    }
    const rows = queryRows(q, 'Bill') as unknown as Record<string, unknown>[];
    const toSend: Array<{ rec: BenchRecord; record: AwraRecord; refs: Map<string, ResolvedRef> }> = [];
    prepared.forEach((p, i) => {
      const ours = rows.find((e) => String(e.DocNumber) === qboDocNumber(p.record.number) && isOurs(p.record, e));
      if (ours) {
        lane.synced(p.record, String(ours.Id), 'adopted');
      } else if (rows.some((e) => String(e.DocNumber) === qboDocNumber(p.record.number))) {
        lane.blocked('duplicate_risk');
      } else {
        toSend.push({ rec: items[i]!, ...p });
      }
    });
    if (toSend.length === 0) return;
    const batchItems: QboBatchItemRequest[] = toSend.map((s, i) => {
      const payload = toQboPayload(s.record, s.refs, { homeCurrency: 'KES', multicurrency: false });
      return { bId: `b${i}`, operation: 'create', [payload.entity]: payload.body };
    });
    // One requestid per batch composition: a re-send of the same batch replays; a different batch gets a new one.
    const requestId = `bb-${t.tenantId}-${++batchSeq}`.slice(0, 36);
    for (let attempt = 1; ; attempt++) {
      const resp = await client.batch(ctx, batchItems, { requestId });
      const c = classifyQboResponse(resp);
      if (resp.ok) {
        const answers = new Map(((resp.body as QboBatchBody).BatchItemResponse ?? []).map((a) => [a.bId, a]));
        toSend.forEach((s, i) => {
          const a = answers.get(`b${i}`);
          const bill = a?.Bill as { Id?: string } | undefined;
          if (bill?.Id) {
            lane.synced(s.record, String(bill.Id), 'created');
            return;
          }
          const ic = a?.Fault ? classifyItemFault(a.Fault, resp.intuitTid) : { class: 'outcome_uncertain' as const, retryable: true };
          if (ic.retryable) {
            queue.push(s.rec);
            r.requeued += 1;
          } else {
            lane.blocked(ic.class);
          }
        });
        return;
      }
      if (c.retryable && attempt < 8) {
        // Same items, same requestid: QuickBooks replays a batch it already committed.
        r.batchResends += 1;
        await sleep(Math.min(8_000, 500 * 2 ** (attempt - 1)));
        continue;
      }
      // Given up on this composition: the items go back and are looked up again before any new batch.
      queue.push(...toSend.map((s) => s.rec));
      r.requeued += toSend.length;
      return;
    }
  };

  const sender = async () => {
    while (Date.now() < stopAt && queue.length > 0) await oneBatch(queue.splice(0, 30));
  };
  await Promise.all(Array.from({ length: senders }, sender));
  return lane.finish();
}
