import { Hono } from 'hono';
import { authorizationBlocks, connectionHealth, evidenceSince, stateCounts, syncTrend, visibleTenants } from '../../../db/queries/console.ts';
import { getMappingHealth } from '../../../db/queries/mapping-health.ts';
import { signedIn } from '../auth.ts';
import { effectiveTenant, type ConsoleEnv } from '../env.ts';
import { respond } from '../http.tsx';
import { OverviewBody, OverviewPage, type OverviewProps } from '../views/overview.tsx';

/** `GET /`: the four health dimensions at a glance, counts per state and the 14-day trend. */
export function overviewRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.get('/', ...signedIn, async (c) => {
    const { db } = c.get('deps');
    const reads = c.get('reads');
    const user = c.get('user');
    const now = new Date();
    const tenants = await visibleTenants(db, user.tenantId);
    const requested = effectiveTenant(user, c.req.query('tenantId'));
    const tenantId = tenants.some((t) => t.id === requested) ? requested : undefined;
    const shown = tenantId ? tenants.filter((t) => t.id === tenantId) : tenants;
    const mappingTenant = shown[0];
    const startOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const scope = tenantId ?? user.tenantId ?? undefined;
    const day = startOfDay.toISOString().slice(0, 10);
    // Connections and authorization blocks are cheap and are read fresh; the aggregates may come from the read cache.
    const [connections, authBlocks, mappingHealth, states, evidence, trend] = await Promise.all([
      connectionHealth(db, shown.map((t) => t.id)),
      authorizationBlocks(db, shown.map((t) => t.id)),
      mappingTenant ? reads.get(`mapping-health:${mappingTenant.id}`, () => getMappingHealth(db, mappingTenant.id)) : undefined,
      reads.get(`state-counts:${scope ?? '*'}`, () => stateCounts(db, scope)),
      reads.get(`evidence:${scope ?? '*'}:${day}`, () => evidenceSince(db, startOfDay, scope)),
      reads.get(`trend:${scope ?? '*'}:${day}`, () => syncTrend(db, now, 14, scope)),
    ]);
    const asOf = new Date(Math.min(...[mappingHealth, states, evidence, trend].flatMap((r) => (r ? [r.asOf.getTime()] : []))));
    const props: OverviewProps = {
      now,
      tenants,
      tenantId,
      connections: shown.map((tenant) => ({
        tenant,
        connection: connections.find((x) => x.tenantId === tenant.id),
        blockedOnAuthorization: authBlocks.get(tenant.id) ?? 0,
      })),
      mappingTenant,
      mappingHealth: mappingHealth?.value ?? [],
      states: states.value,
      evidence: evidence.value,
      trend: trend.value,
      asOf,
    };
    return respond(c, { title: 'Overview', nav: 'overview', page: () => <OverviewPage {...props} />, fragment: () => <OverviewBody {...props} /> });
  });
  return app;
}
