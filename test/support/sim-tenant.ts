import type { TokenStore } from '../../db/queries/connections.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import type { Db } from '../../db/client.ts';
import type { StartedSimulator } from '../../simulator/index.ts';

/**
 * A tenant stored in `db` and connected, with its tokens in `tokens`, to a new company of the in-process simulator:
 * what the fast-tier activity tests start from (no web app, no Temporal). Answers the company's realm id.
 */
export async function simulatorTenant(
  deps: { db: Db; tokens: TokenStore; sim: StartedSimulator },
  tenantId: string,
  company: { closingDate?: string } = {},
): Promise<string> {
  await createTenant(deps.db, { id: tenantId, name: `${tenantId} Ltd`, homeCurrency: 'KES' });
  const c = deps.sim.sim.createCompany({ homeCurrency: 'KES', companyName: `${tenantId} Ltd`, ...company });
  await deps.tokens.connect({
    tenantId,
    realmId: c.realmId,
    baseUrl: deps.sim.url,
    environment: 'simulator',
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    tokens: {
      accessToken: c.accessToken,
      refreshToken: c.refreshToken,
      accessTokenExpiresAt: new Date(c.accessTokenExpiresAt),
      refreshTokenExpiresAt: new Date(c.refreshTokenExpiresAt),
    },
  });
  return c.realmId;
}
