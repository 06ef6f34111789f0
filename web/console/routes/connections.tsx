import { Hono } from 'hono';
import { authorizationBlocks, connectionHealth, visibleTenants } from '../../../db/queries/console.ts';
import { requirePermission, signedIn } from '../auth.ts';
import { canSeeTenant, type ConsoleEnv } from '../env.ts';
import { respond } from '../http.tsx';
import { ConnectionsPage } from '../views/connections.tsx';
import { setOAuthCookie, startOAuth } from '../../oauth.ts';
import { actorOf } from '../../api/auth.ts';

/**
 * `GET /connections`: token health and forecasts per tenant. The Connect / Reconnect button posts to
 * `/connections/:tenantId/connect` (the OAuth start, served beside this); every POST under /connections passes
 * this sub-app's session and CSRF guards first.
 */
export function connectionRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);
  // Whoever serves the OAuth start, only admins get through to it.
  app.use('/:tenantId/connect', requirePermission('connection.connect'));

  app.get('/', async (c) => {
    const { db } = c.get('deps');
    const user = c.get('user');
    const tenants = await visibleTenants(db, user.tenantId);
    const ids = tenants.map((t) => t.id);
    const [connections, blocks] = await Promise.all([connectionHealth(db, ids), authorizationBlocks(db, ids)]);
    const connected = c.req.query('connected');
    const props = {
      now: new Date(),
      user,
      csrf: c.get('csrfToken'),
      rows: tenants.map((tenant) => ({ tenant, connection: connections.find((x) => x.tenantId === tenant.id), blockedOnAuthorization: blocks.get(tenant.id) ?? 0 })),
      ...(connected && canSeeTenant(user, connected) && ids.includes(connected) ? { connected } : {}),
    };
    return respond(c, { title: 'Connections', nav: 'connections', page: () => <ConnectionsPage {...props} />, fragment: () => <ConnectionsPage {...props} /> });
  });

  /** Starts the OAuth flow for a tenant: the state is bound to this browser and admin, then QuickBooks' consent page. */
  app.post('/:tenantId/connect', async (c) => {
    const tenantId = c.req.param('tenantId');
    const principal = c.get('principal');
    if (!canSeeTenant(c.get('user'), tenantId)) return c.text('Not found', 404);
    const started = await startOAuth(c.get('deps'), tenantId, actorOf(principal));
    if (!started.ok) return c.text(started.message, started.status);
    setOAuthCookie(c, started.nonce);
    if (c.req.header('hx-request')) {
      c.header('HX-Redirect', started.authorizeUrl);
      return c.body(null, 204);
    }
    return c.redirect(started.authorizeUrl, 303);
  });

  return app;
}
