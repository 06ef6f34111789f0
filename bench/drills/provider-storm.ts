/**
 * drill:provider-storm — QuickBooks misbehaving for the whole run: 30 % of API requests answer 5xx, 10 % of writes
 * are committed but their answer is lost, 3-second bursts of 429 throttling every 20 s, and one access-token expiry per realm
 * in the middle. Workflows get a retry policy of 1 s … 30 s backoff and 10 attempts (`--max-interval-seconds`); the
 * product's default ceiling of 5 minutes makes the unlucky few wait minutes between attempts, which only lengthens the
 * drill (`--product-retry` uses it unchanged).
 *
 *   npm run drill:provider-storm
 *   npm run drill:provider-storm -- --records 200 --tenants 4      # quicker
 */
import { runDrill } from '../lib/drill.ts';
import { runScript } from '../lib/proc.ts';
import { fmt, parseArgs } from '../lib/report.ts';

/** Only the data API; the OAuth token endpoint stays healthy (a refresh is exercised by the expiry). */
const API = '/v3/company/';

runScript(async () => {
  const args = parseArgs({ records: 600, tenants: 6, error5xx: 0.3, lostAfterCommit: 0.1, burstEverySeconds: 20, burstSeconds: 3, maxIntervalSeconds: 30, productRetry: false });
  let lastBurst = 0;
  let bursts = 0;
  let expired = 0;
  await runDrill({
    script: 'drill:provider-storm',
    title: 'drill:provider-storm — 30 % 5xx, 10 % lost after commit, throttle bursts, a token expiry',
    tenants: args.tenants,
    records: args.records,
    settleTimeoutMin: 25,
    ...(args.productRetry ? {} : { stack: { retry: { initialIntervalMs: 1_000, maximumIntervalMs: args.maxIntervalSeconds * 1_000, maximumAttempts: 10 } } }),
    async before(ctx) {
      const sim = ctx.stack.sim.sim;
      // Faults match in the order they were added: 5xx first on every API request, then — of the writes that got
      // past it — enough lost-after-commit to make 10 % of all writes.
      sim.injectFault({ path: API, kind: 'http5xx', status: 503, ratio: args.error5xx });
      sim.injectFault({ path: API, method: 'POST', kind: 'drop_after_commit', ratio: args.lostAfterCommit / (1 - args.error5xx) });
      ctx.log(`storm on: ${args.error5xx * 100} % 5xx, ${args.lostAfterCommit * 100} % of writes lost after commit`);
    },
    faultAt: 0.4,
    async fault(ctx) {
      for (const t of ctx.tenants) expired += ctx.stack.sim.sim.expireAccessTokens(t.realmId);
      ctx.log(`expired the access tokens of all ${ctx.tenants.length} realms (${expired} tokens)`);
    },
    async onTick(ctx) {
      if (ctx.elapsed() - lastBurst < args.burstEverySeconds * 1_000) return;
      lastBurst = ctx.elapsed();
      bursts += 1;
      // A burst is a stretch of time in which every API request is throttled (a count would pile up on idle realms).
      const sim = ctx.stack.sim.sim;
      const ids = ctx.tenants.map((t) => sim.injectFault({ realmId: t.realmId, path: API, kind: 'throttle' }).id);
      setTimeout(() => ids.forEach((id) => sim.removeFault(id)), args.burstSeconds * 1_000).unref();
    },
    async after(ctx) {
      ctx.stack.sim.sim.clearFaults();
    },
    async extra(ctx) {
      const stats = ctx.tenants.map((t) => ctx.stack.sim.sim.stats(t.realmId));
      const sum = (k: 'requests' | 'throttled' | 'replays' | 'tokenRefreshes') => stats.reduce((a, s) => a + s[k], 0);
      const refreshes = stats.map((s) => s.tokenRefreshes);
      return {
        rows: [
          ['workflow retry policy', args.productRetry ? "the product's default (2 s … 5 min, 10 attempts)" : `1 s … ${args.maxIntervalSeconds} s, 10 attempts`],
          ['QuickBooks requests / throttled / requestid replays', `${fmt(sum('requests'), 0)} / ${fmt(sum('throttled'), 0)} / ${fmt(sum('replays'), 0)}`],
          ['throttle bursts', `${bursts} × ${args.burstSeconds} s of 429s`],
          ['token refreshes per realm', refreshes.join(', '), 'one expiry per realm; exactly 1 expected (a 401 may also be met by the scheduled refresh)'],
        ],
        data: { requests: sum('requests'), throttled: sum('throttled'), replays: sum('replays'), tokenRefreshes: refreshes, bursts },
      };
    },
  });
});
