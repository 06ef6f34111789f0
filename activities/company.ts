import { LRUCache } from 'lru-cache';
import type { TokenStore } from '../db/queries/connections.ts';
import { entityFrom, type QboResponse } from '../qbo/client.ts';
import type { QboEntityName } from '../qbo/mappers.ts';
import type { RealmContext } from '../workflows/sync-record/types.ts';
import type { createRealmCaller } from './realm-call.ts';

type CompanyPrefs = {
  CurrencyPrefs?: { HomeCurrency?: { value?: string }; MultiCurrencyEnabled?: boolean };
  AccountingInfoPrefs?: { BookCloseDate?: string };
};

export interface CompanyDeps {
  tokens: TokenStore;
  /** How long a realm's company preferences are reused (default 30 s). */
  preferencesTtlMs?: number;
}

/**
 * The QuickBooks company's closing date, currency settings and connection state, as a record's readiness needs them.
 *
 * Company preferences change rarely; reading them for every record would spend a large share of the realm's 500
 * requests/minute. A closing date set meanwhile still fails safe: QBO answers 6210. The cache is single-flight: when
 * an entry expires, the hundred prepareSync activities in flight share one read instead of each spending a request
 * (that was ~10 % of a busy realm's budget; docs/benchmarks.md).
 */
export function createCompanyReader(deps: CompanyDeps, realm: Pick<ReturnType<typeof createRealmCaller>, 'callQbo' | 'expectOk'>) {
  const read = async (tenantId: string): Promise<CompanyPrefs> => {
    const resp: QboResponse = await realm.callQbo(tenantId, (client, ctx) => client.preferences(ctx));
    realm.expectOk(resp, 'read the company preferences');
    return (entityFrom(resp, 'Preferences' as QboEntityName) ?? {}) as CompanyPrefs;
  };
  // Keyed by tenant and realm, so a tenant reconnected to another company never reads the old one's settings.
  const prefs = new LRUCache<string, CompanyPrefs, { tenantId: string }>({
    max: 10_000,
    ttl: deps.preferencesTtlMs ?? 30_000,
    fetchMethod: (_key, _stale, { context }) => read(context.tenantId),
  });

  return async function loadRealm(tenantId: string): Promise<RealmContext> {
    const creds = await deps.tokens.credentials(tenantId);
    if (!creds) return { connected: false };
    // The shared read runs in the activity that started it; when it failed (or was cancelled with that activity),
    // this activity reads for itself, and its own failure is what it reports.
    const p = (await prefs.fetch(`${tenantId}\u0000${creds.realmId}`, { context: { tenantId } }).catch(() => read(tenantId))) ?? {};
    return {
      connected: true,
      realmId: creds.realmId,
      environment: creds.environment,
      status: creds.status,
      closingDate: p.AccountingInfoPrefs?.BookCloseDate ?? null,
      homeCurrency: p.CurrencyPrefs?.HomeCurrency?.value ?? null,
      multicurrency: p.CurrencyPrefs?.MultiCurrencyEnabled ?? false,
    };
  };
}
