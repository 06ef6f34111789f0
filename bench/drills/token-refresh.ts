/**
 * drill:token-refresh — access tokens of every realm expire three times while many syncs are in flight. Each expiry
 * must cause exactly one refresh (simulator stats `tokenRefreshes`), and no refresh may be refused (`invalid_grant`:
 * the simulator rotates the refresh token on every refresh with no grace, so a second, racing refresh would fail).
 *
 *   npm run drill:token-refresh
 *   npm run drill:token-refresh -- --records 400 --tenants 4
 *   npm run drill:token-refresh -- --records 400 --tenants 4 --again-after-ms 1000   # each expiry twice, 1 s apart
 */
import { inArray } from 'drizzle-orm';
import { qboConnections } from '../../db/schema.ts';
import { runDrill } from '../lib/drill.ts';
import { runScript } from '../lib/proc.ts';
import { parseArgs } from '../lib/report.ts';
import { decodeHistory } from '../../runtime/payload-codec.ts';

runScript(async () => {
  const args = parseArgs({ records: 800, tenants: 8, expiries: 3, againAfterMs: 0 });
  const marks = Array.from({ length: args.expiries }, (_, i) => 0.15 + (0.6 * i) / Math.max(1, args.expiries - 1));
  let done = 0;
  let total = 0;
  const expireAll = (ctx: Parameters<NonNullable<Parameters<typeof runDrill>[0]['fault']>>[0]) => {
    for (const t of ctx.tenants) ctx.stack.sim.sim.expireAccessTokens(t.realmId);
    total += 1;
  };
  const expire = (ctx: Parameters<NonNullable<Parameters<typeof runDrill>[0]['fault']>>[0]) => {
    expireAll(ctx);
    done += 1;
    ctx.log(`expiry ${done}/${args.expiries}: every realm's access token expired`);
    // Optionally the fresh token expires again while callers of the first expiry still queue for their answer.
    if (args.againAfterMs > 0) {
      setTimeout(() => {
        expireAll(ctx);
        ctx.log(`  …and again ${args.againAfterMs} ms later`);
      }, args.againAfterMs).unref();
    }
  };
  await runDrill({
    script: 'drill:token-refresh',
    title: 'drill:token-refresh — concurrent 401s: one refresh per expiry, never invalid_grant',
    tenants: args.tenants,
    records: args.records,
    async onTick(ctx, p) {
      if (done < args.expiries && p.settled >= marks[done]! * args.records) expire(ctx);
    },
    async extra(ctx, rec) {
      const refreshes = ctx.tenants.map((t) => ctx.stack.sim.sim.stats(t.realmId).tokenRefreshes);
      const conns = await ctx.stack.db.db
        .select({ tenantId: qboConnections.tenantId, status: qboConnections.status, lastError: qboConnections.lastError })
        .from(qboConnections)
        .where(inArray(qboConnections.tenantId, ctx.tenants.map((t) => t.tenantId)));
      const invalidGrant = conns.filter((c) => /invalid_grant/.test(c.lastError ?? '') || c.status === 'needs_reauth').length;
      // The connection workflow's side: how many refresh requests (Updates) it served, and how long callers waited.
      let updates = 0;
      let alreadyFresh = 0;
      let maxWaitMs = 0;
      for (const t of ctx.tenants) {
        // Payloads are encrypted in Temporal: read the results through the product's codec.
        const history = await decodeHistory(await ctx.stack.client.workflow.getHandle(`qbo-connection:${t.tenantId}`).fetchHistory(), ctx.stack.payloadCodec);
        const accepted = new Map<string, number>();
        for (const e of history.events ?? []) {
          const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
          const acc = e.workflowExecutionUpdateAcceptedEventAttributes;
          if (acc?.protocolInstanceId) {
            updates += 1;
            accepted.set(acc.protocolInstanceId, at);
          }
          const done = e.workflowExecutionUpdateCompletedEventAttributes;
          if (done?.meta?.updateId && accepted.has(done.meta.updateId)) maxWaitMs = Math.max(maxWaitMs, at - accepted.get(done.meta.updateId)!);
          const result = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
          if (result && Buffer.from(result).toString().includes('already_fresh')) alreadyFresh += 1;
        }
      }
      const exact = refreshes.filter((n) => n === total).length;
      return {
        rows: [
          ['expiries per realm', String(total)],
          ['token refreshes per realm', refreshes.join(', '), `expected ${total} each (an expiry of a token nobody uses before the next one needs none); ${exact}/${refreshes.length} realms exact`],
          ['realms with invalid_grant / needs_reauth', String(invalidGrant)],
          ['records blocked on authorization', String(rec.blocked.authorization ?? 0), 'with a healthy connection they would wait for a reconnect nobody makes (docs/benchmarks.md, product issue 4)'],
          ['refresh requests served by the connection workflows', `${updates} (${alreadyFresh} answered "already fresh")`, `longest wait for an answer ${maxWaitMs} ms`],
        ],
        ...((rec.blocked.authorization ?? 0) > 0 && invalidGrant === 0
          ? { fail: `${rec.blocked.authorization} record(s) blocked as "authorization — an admin must reconnect" although every connection is healthy` }
          : {}),
        data: { expiries: total, tokenRefreshes: refreshes, realmsExact: exact, invalidGrant, authorizationBlocked: rec.blocked.authorization ?? 0, refreshUpdates: updates, alreadyFresh, maxUpdateWaitMs: maxWaitMs },
      };
    },
  });
});
