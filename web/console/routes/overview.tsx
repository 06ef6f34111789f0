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
    const user = c.get('user');
    const now = new Date();
    const tenants = await visibleTenants(db, user.tenantId);
    const requested = effectiveTenant(user, c.req.query('tenantId'));
    const tenantId = tenants.some((t) => t.id === requested) ? requested : undefined;
    const shown = tenantId ? tenants.filter((t) => t.id === tenantId) : tenants;
    const mappingTenant = shown[0];
    const startOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const [connections, authBlocks, mappingHealth, states, evidence, trend] = await Promise.all([
      connectionHealth(db, shown.map((t) => t.id)),
      authorizationBlocks(db, shown.map((t) => t.id)),
      mappingTenant ? getMappingHealth(db, mappingTenant.id) : Promise.resolve([]),
      stateCounts(db, tenantId ?? user.tenantId ?? undefined),
      evidenceSince(db, startOfDay, tenantId ?? user.tenantId ?? undefined),
      syncTrend(db, now, 14, tenantId ?? user.tenantId ?? undefined),
    ]);
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
      mappingHealth,
      states,
      evidence,
      trend,
    };
    return respond(c, { title: 'Overview', nav: 'overview', page: () => <OverviewPage {...props} />, fragment: () => <OverviewBody {...props} /> });
  });
  return app;
}
