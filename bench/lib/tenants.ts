/**
 * Tenants connected the way an admin connects them through the API (test/support/tenant.ts does the same for the
 * test suite): create the tenant, connect it to a new simulator company, set the account, tax-code, payment-method
 * and branch mappings, and optionally sync one vendor that the bench's bills use.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { syncs } from '../../db/schema.ts';
import type { ApiAnswer, Stack } from './stack.ts';
import { vendorRecord, workflowIdOf } from './records.ts';
import { sleep } from './proc.ts';

export interface BenchTenant {
  tenantId: string;
  realmId: string;
  /** AWRA source id of the vendor the bills use (synced when `withVendor`). */
  vendorId: string;
  vendorName: string;
  qboId(entity: string, name: string): string;
}

async function must(res: Promise<ApiAnswer>, ok: number, what: string): Promise<ApiAnswer['json']> {
  const r = await res;
  if (r.status !== ok) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

export async function connectTenant(stack: Stack, tenantId: string, opts: { closingDate?: string } = {}): Promise<BenchTenant> {
  await must(stack.api('POST', '/api/v1/tenants', { tenantId, name: `${tenantId} Ltd`, homeCurrency: 'KES' }), 201, `create tenant ${tenantId}`);
  const conn = await must(
    stack.api('POST', `/api/v1/tenants/${tenantId}/simulator-connection`, opts.closingDate ? { closingDate: opts.closingDate } : {}),
    201,
    `connect ${tenantId}`,
  );
  const realmId: string = conn.realmId;
  const qboId = (entity: string, name: string) => {
    const hit = stack.sim.sim.ledger({ realmId, entity }).find((e) => e.Name === name || e.DisplayName === name);
    if (!hit) throw new Error(`no seeded ${entity} named ${name}`);
    return String(hit.Id);
  };
  const map = (kind: string, key: string, entity: string, name: string) =>
    must(stack.api('PUT', `/api/v1/mappings/${tenantId}/${kind}/${encodeURIComponent(key)}`, { qboId: qboId(entity, name), qboName: name }), 200, `map ${kind} ${key}`);
  await map('account', '6100', 'Account', 'Rent or Lease');
  await map('account', '6200', 'Account', 'Office Supplies');
  await map('account', '4000', 'Account', 'Services');
  await map('account', '5000', 'Account', 'Cost of Goods Sold');
  await map('tax_code', 'VAT16', 'TaxCode', 'VAT 16%');
  await map('tax_code', 'EXEMPT', 'TaxCode', 'Exempt');
  await map('payment_method', 'mpesa', 'PaymentMethod', 'M-Pesa');
  await map('account', 'clearing:mpesa', 'Account', 'M-Pesa Clearing');
  await map('category', 'nairobi', 'Class', 'Head Office');
  return { tenantId, realmId, vendorId: `ven-${tenantId}`, vendorName: `${tenantId} Supplies Ltd`, qboId };
}

/** Submits one vendor per tenant through the API and waits until each has synced (so bills can reference it). */
export async function syncVendors(stack: Stack, tenants: BenchTenant[], timeoutMs = 180_000): Promise<void> {
  const ids: string[] = [];
  for (const t of tenants) {
    const rec = vendorRecord(t.tenantId, t.vendorId, t.vendorName);
    await must(stack.api('POST', '/api/v1/records', rec), 202, `submit vendor of ${t.tenantId}`);
    ids.push(workflowIdOf(rec));
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await stack.db.db
      .select({ n: sql<number>`count(*)::int` })
      .from(syncs)
      .where(and(inArray(syncs.workflowId, ids), eq(syncs.state, 'synced')));
    if ((row?.n ?? 0) === ids.length) return;
    if (Date.now() > deadline) throw new Error(`only ${row?.n ?? 0} of ${ids.length} vendors synced within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** Connects `n` tenants named `${prefix}01…` (a few at a time) and syncs their vendors. */
export async function connectTenants(stack: Stack, prefix: string, n: number, opts: { withVendor?: boolean; closingDate?: string } = {}): Promise<BenchTenant[]> {
  const tenants: BenchTenant[] = [];
  const names = Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
  for (let i = 0; i < names.length; i += 5) {
    tenants.push(...(await Promise.all(names.slice(i, i + 5).map((name) => connectTenant(stack, name, opts)))));
  }
  if (opts.withVendor !== false) await syncVendors(stack, tenants);
  return tenants;
}
