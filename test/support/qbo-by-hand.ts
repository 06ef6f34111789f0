import type { Harness } from './harness.ts';
import type { ConnectedTenant } from './tenant.ts';

/**
 * Creates an entity in the tenant's simulated QuickBooks company as a person would in QuickBooks itself: through the
 * company's API with the tenant's own token, so that duplicate lookups, webhooks and CDC meet it as they would.
 */
export async function createInQuickBooks(h: Harness, t: ConnectedTenant, entity: 'Vendor' | 'Item', body: Record<string, unknown>): Promise<{ Id: string }> {
  const res = await fetch(`${h.sim.url}/v3/company/${t.realmId}/${entity.toLowerCase()}?minorversion=75`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await h.accessToken(t.tenantId)}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return ((await res.json()) as Record<string, { Id: string }>)[entity]!;
}
