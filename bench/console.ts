/**
 * bench:console — the console and the JSON API under load. Seeds the projection with SQL (default 100,000 records
 * over 5 tenants, 10,000 of them blocked across the failure classes, with their source versions, timeline events
 * over 14 days and push attempts), starts the real web app (web/main.ts) on a free port, signs in through /login, then
 * measures each page and endpoint: one request at a time (server time without queueing) and `--concurrency` at a
 * time for `--seconds` (latency under load, requests/s).
 *
 *   npm run bench:console
 *   npm run bench:console -- --records 20000 --seconds 10    # quicker
 *   npm run bench:console -- --db server                     # PostgreSQL at 127.0.0.1:5432 instead of PGlite
 *   npm run bench:console -- --read-cache-ms 0               # every request computes its figures (no read cache)
 */
import { createUser } from '../db/queries/users.ts';
import { runScript } from './lib/proc.ts';
import { commandLine, fmt, header, ms, parseArgs, result, section, table } from './lib/report.ts';
import { startStack, type Stack } from './lib/stack.ts';
import { summarize, type Summary } from './lib/stats.ts';

const CLASSES: Array<[string, number]> = [
  // failure class, share of the blocked records (in twentieths)
  ['mapping', 10],
  ['source_data', 4],
  ['duplicate_risk', 2],
  ['authorization', 1],
  ['provider_rejection', 2],
  ['transient', 1],
];

async function seed(stack: Stack, tenants: string[], n: number): Promise<void> {
  const sql = stack.db.sql;
  const T = tenants.length;
  const tenantArr = `array[${tenants.map((t) => `'${t}'`).join(',')}]`;
  // Which failure class a blocked record (every 10th) gets, from its position.
  const classCase = (() => {
    let acc = 0;
    const parts = CLASSES.map(([cls, share]) => {
      acc += share;
      return `when ((i / 10) % 20) < ${acc} then '${cls}'`;
    });
    return `case ${parts.join(' ')} end`;
  })();
  await sql.unsafe(`
    create temporary table seed_rows as
    select i,
           (${tenantArr})[1 + (i % ${T})] as tenant_id,
           case when i % 5 = 0 then 'invoice' else 'bill' end as record_type,
           'seed-' || i as source_id,
           case when i % 5 = 0 then 'INV-' else 'BIL-' end || lpad(i::text, 7, '0') as number,
           case when i % 10 = 0 then 'blocked' else 'synced' end as state,
           case when i % 10 = 0 then ${classCase} end as failure_class,
           now() - ((i % 20160) * interval '1 minute') as at
      from generate_series(1, ${n}) as i`);
  await sql.unsafe(`
    insert into source_records (tenant_id, record_type, source_id, version, number, status, data, content_hash, received_by, refs, received_at)
    select tenant_id, record_type, source_id, 1, number, 'posted',
           jsonb_build_object('vendorId', 'ven-' || (i % 40), 'txnDate', to_char(at, 'YYYY-MM-DD'), 'dueDate', to_char(at + interval '30 days', 'YYYY-MM-DD'),
                              'currency', 'KES', 'total', 100000 + (i % 997) * 100,
                              'lines', jsonb_build_array(jsonb_build_object('expenseAccount', case when failure_class = 'mapping' then '63' || (i % 7) else '6100' end,
                                                                            'amount', 100000 + (i % 997) * 100, 'taxCategory', 'VAT16'))),
           md5(i::text), 'bench', 
           jsonb_build_array(jsonb_build_object('kind', 'vendor', 'key', 'ven-' || (i % 40)),
                             jsonb_build_object('kind', 'account', 'key', case when failure_class = 'mapping' then '63' || (i % 7) else '6100' end),
                             jsonb_build_object('kind', 'tax_code', 'key', 'VAT16')),
           at
      from seed_rows`);
  await sql.unsafe(`
    insert into syncs (workflow_id, tenant_id, record_type, source_id, number, version, state, failure_class, owner, action_needed, retry_count,
                       readiness, mappings, duplicate_candidates, external_ref, currency, amount_minor, txn_date, blocked_since, sla_due_at, seq, created_at, updated_at)
    select 'qbo-sync:' || tenant_id || ':' || record_type || ':' || source_id, tenant_id, record_type, source_id, number, 1, state, failure_class,
           case failure_class when 'mapping' then 'admin' when 'authorization' then 'admin' when 'transient' then 'admin' when null then null else 'finance' end,
           case when state = 'blocked' then 'Seeded ' || failure_class || ' block for the console benchmark.' end,
           case when failure_class = 'transient' then 9 else (i % 3) end,
           case when failure_class = 'source_data'
                then jsonb_build_array(jsonb_build_object('id', 'posted', 'label', 'Posted in AWRA', 'ok', false, 'message', 'This bill is approved in AWRA; it must be posted first.'),
                                       jsonb_build_object('id', 'totals', 'label', 'Lines add up', 'ok', true, 'message', 'ok'))
                else jsonb_build_array(jsonb_build_object('id', 'posted', 'label', 'Posted in AWRA', 'ok', true, 'message', 'ok')) end,
           case when failure_class = 'mapping'
                then jsonb_build_array(jsonb_build_object('kind', 'vendor', 'key', 'ven-' || (i % 40), 'ok', true, 'qboId', '58', 'reason', 'vendor'),
                                       jsonb_build_object('kind', 'account', 'key', '63' || (i % 7), 'ok', false, 'problem', 'missing', 'reason', 'Expense account 63' || (i % 7) || ' on line 1 has no QuickBooks account.'))
                else jsonb_build_array(jsonb_build_object('kind', 'vendor', 'key', 'ven-' || (i % 40), 'ok', true, 'qboId', '58', 'reason', 'vendor'),
                                       jsonb_build_object('kind', 'account', 'key', '6100', 'ok', true, 'qboId', '17', 'reason', 'account')) end,
           case when failure_class = 'duplicate_risk'
                then jsonb_build_array(jsonb_build_object('entity', 'Bill', 'qboId', (1000 + i)::text, 'label', 'Bill #' || number, 'source', 'qbo_query'))
                else '[]'::jsonb end,
           case when state = 'synced' then jsonb_build_object('entity', case when record_type = 'invoice' then 'Invoice' else 'Bill' end, 'qboId', i::text, 'syncToken', '0', 'docNumber', number) end,
           'KES', 100000 + (i % 997) * 100, to_char(at, 'YYYY-MM-DD'),
           case when state = 'blocked' then at end, case when state = 'blocked' then at + interval '1 day' end,
           3, at, at
      from seed_rows`);
  await sql.unsafe(`
    insert into sync_events (workflow_id, tenant_id, seq, at, kind, message, actor, data)
    select 'qbo-sync:' || tenant_id || ':' || record_type || ':' || source_id, tenant_id, e.seq, at + (e.seq * interval '2 seconds'), e.kind, e.message, e.actor, null
      from seed_rows
      cross join lateral (values
        (1, 'version_received', 'Version 1 of ' || number || ' received from AWRA.', 'awra'),
        (2, case when state = 'blocked' then 'blocked' else 'push' end, case when state = 'blocked' then 'Seeded block.' else 'Sending ' || number || ' to QuickBooks.' end, 'system'),
        (3, case when state = 'blocked' then 'note' else 'synced' end, case when state = 'blocked' then 'Waiting.' else 'QuickBooks accepted ' || number || '.' end, 'system')
      ) as e(seq, kind, message, actor)`);
  await sql.unsafe(`
    insert into sync_attempts (workflow_id, tenant_id, attempt_no, activity_attempt, request_id, started_at, finished_at, http_status, class, code, message, intuit_tid)
    select 'qbo-sync:' || tenant_id || ':' || record_type || ':' || source_id, tenant_id, 1, 1, 'qsh-seed-' || i || '-v1-a1', at, at + interval '200 ms',
           case when state = 'synced' then 200 when failure_class = 'provider_rejection' then 400 when failure_class = 'transient' then 503 else 200 end,
           case when state = 'synced' then 'accepted' when failure_class in ('provider_rejection', 'transient') then failure_class else 'accepted' end,
           case when failure_class = 'provider_rejection' then '6210' end,
           case when failure_class = 'provider_rejection' then 'Account Period Closed' end,
           '1-seed-' || i
      from seed_rows
     where state = 'synced' or failure_class in ('provider_rejection', 'transient')`);
  await sql.unsafe(`drop table seed_rows`);
  await sql.unsafe(`analyze`);
}

async function signIn(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const loginCookie = /qsh_login=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(await page.text())?.[1];
  if (!loginCookie || !csrf) throw new Error('the sign-in page did not offer its CSRF token');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `qsh_login=${loginCookie}` },
    body: new URLSearchParams({ email, password, _csrf: csrf, next: '/' }).toString(),
  });
  const session = /qsh_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (res.status !== 303 || !session) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return `qsh_session=${session}`;
}

interface Target {
  name: string;
  path: () => string;
  headers: Record<string, string>;
}

async function timeOne(base: string, t: Target): Promise<{ ms: number; status: number; bytes: number }> {
  const start = performance.now();
  const res = await fetch(`${base}${t.path()}`, { headers: t.headers, redirect: 'manual' });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - start, status: res.status, bytes: body.byteLength };
}

async function measure(base: string, t: Target, opts: { sequential: number; concurrency: number; seconds: number }) {
  for (let i = 0; i < 3; i++) await timeOne(base, t);
  const seq: number[] = [];
  let bad = 0;
  let bytes = 0;
  for (let i = 0; i < opts.sequential; i++) {
    const r = await timeOne(base, t);
    seq.push(r.ms);
    bytes = r.bytes;
    if (r.status !== 200) bad += 1;
  }
  const conc: number[] = [];
  const until = Date.now() + opts.seconds * 1_000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < until) {
        const r = await timeOne(base, t);
        conc.push(r.ms);
        if (r.status !== 200) bad += 1;
      }
    }),
  );
  return { sequential: summarize(seq), concurrent: summarize(conc), rps: (conc.length * 1000) / (Date.now() - started), bad, bytes };
}

runScript(async () => {
  const args = parseArgs({ records: 100_000, tenants: 5, db: 'embedded', concurrency: 10, seconds: 20, sequential: 40, readCacheMs: 5_000 });
  header('bench:console — console and API under load', commandLine('bench:console'));
  const stack = await startStack({ name: 'console', db: args.db as 'embedded' | 'server', webProcess: true, webEnv: { READ_MODEL_MAX_AGE_MS: String(args.readCacheMs) } });
  const base = stack.web!.url;
  const tenants = Array.from({ length: args.tenants }, (_, i) => `con${String(i + 1).padStart(2, '0')}`);
  for (const t of tenants) {
    const r = await stack.api('POST', '/api/v1/tenants', { tenantId: t, name: `${t} Ltd`, homeCurrency: 'KES' });
    if (r.status !== 201) throw new Error(`create tenant ${t}: ${r.status}`);
  }
  const s0 = Date.now();
  await seed(stack, tenants, args.records);
  const counts = await stack.db.sql.unsafe(`select state, count(*)::int as n from syncs group by state order by state`);
  console.log(`seeded ${args.records} records in ${ms(Date.now() - s0)}: ${counts.map((r) => `${r.state}=${r.n}`).join(' ')}`);

  const password = 'bench-console-password-1';
  await createUser(stack.db.db, { email: 'bench-admin@example.com', name: 'Bench Admin', role: 'admin', password });
  const cookie = await signIn(base, 'bench-admin@example.com', password);
  const api = { authorization: `Bearer ${stack.apiKey}` };
  const sample = await stack.db.sql.unsafe<Array<{ workflow_id: string }>>(
    `(select workflow_id from syncs where state = 'blocked' order by random() limit 100) union all (select workflow_id from syncs where state = 'synced' order by random() limit 100)`,
  );
  const ids = sample.map((r) => r.workflow_id);
  const pick = () => encodeURIComponent(ids[Math.floor(Math.random() * ids.length)]!);

  const targets: Target[] = [
    { name: 'console GET / (overview)', path: () => '/', headers: { cookie } },
    { name: 'console GET /queue (action queue)', path: () => '/queue', headers: { cookie } },
    { name: 'console GET /records/:id', path: () => `/records/${pick()}`, headers: { cookie } },
    { name: 'API GET /api/v1/queue', path: () => '/api/v1/queue', headers: api },
    { name: 'API GET /api/v1/records/:id', path: () => `/api/v1/records/${pick()}`, headers: api },
    { name: `API GET /api/v1/mappings/health?tenantId=${tenants[0]}`, path: () => `/api/v1/mappings/health?tenantId=${tenants[0]}`, headers: api },
  ];
  const out: Record<string, { sequential: Summary; concurrent: Summary; rps: number; bad: number; bytes: number }> = {};
  for (const t of targets) {
    console.log(`measuring ${t.name}…`);
    out[t.name] = await measure(base, t, { sequential: args.sequential, concurrency: args.concurrency, seconds: args.seconds });
  }

  section(`figures (${fmt(args.records, 0)} records, ${fmt(args.records / 10, 0)} blocked; ${args.db === 'server' ? 'PostgreSQL 15' : 'embedded PGlite'}; read cache ${args.readCacheMs > 0 ? `${fmt(args.readCacheMs, 0)} ms` : 'off'}; client on the same host)`);
  table(
    Object.entries(out).flatMap(([name, r]) => [
      [`${name}`, `one at a time p50 ${ms(r.sequential.p50)}, p95 ${ms(r.sequential.p95)}`, `${fmt(r.bytes / 1024, 0)} KiB${r.bad ? `; ${r.bad} non-200` : ''}`],
      [``, `${args.concurrency} at a time  p50 ${ms(r.concurrent.p50)}, p95 ${ms(r.concurrent.p95)}`, `${fmt(r.rps, 1)} req/s; target p95 < 100 ms: ${r.concurrent.p95 < 100 ? 'met' : 'missed'}`],
    ] as Array<[string, string, string]>),
  );
  result('console', {
    records: args.records,
    db: args.db,
    readCacheMs: args.readCacheMs,
    concurrency: args.concurrency,
    targets: Object.fromEntries(
      Object.entries(out).map(([name, r]) => [name, { seqP50: r.sequential.p50, seqP95: r.sequential.p95, p50: r.concurrent.p50, p95: r.concurrent.p95, rps: r.rps, bad: r.bad, kib: r.bytes / 1024 }]),
    ),
  });
});
