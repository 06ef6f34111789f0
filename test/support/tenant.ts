import { expect } from 'vitest';
import type { Harness } from './harness.ts';
import { eventually } from './harness.ts';

export interface ConnectedTenant {
  tenantId: string;
  realmId: string;
  /** QuickBooks id of a seeded simulator entity by its Name. */
  qboId(entity: string, name: string): string;
}

/**
 * A tenant connected to its own simulator company, with the usual mappings an admin would set: accounts by AWRA
 * code, tax categories, payment methods (and their clearing accounts) and branch classes.
 */
export async function connectedTenant(h: Harness, tenantId: string, opts: { slaSeconds?: number; homeCurrency?: string; closingDate?: string } = {}): Promise<ConnectedTenant> {
  const created = await h.api('POST', '/api/v1/tenants', {
    tenantId,
    name: `${tenantId} Ltd`,
    homeCurrency: opts.homeCurrency ?? 'KES',
    ...(opts.slaSeconds ? { slaSeconds: opts.slaSeconds } : {}),
  });
  expect(created.status).toBe(201);
  const conn = await h.api('POST', `/api/v1/tenants/${tenantId}/simulator-connection`, opts.closingDate ? { closingDate: opts.closingDate } : {});
  expect(conn.status).toBe(201);
  const realmId: string = conn.json.realmId;
  const qboId = (entity: string, name: string) => {
    const hit = h.sim.sim.ledger({ realmId, entity }).find((e) => e.Name === name || e.DisplayName === name);
    if (!hit) throw new Error(`no seeded ${entity} named ${name}`);
    return String(hit.Id);
  };
  const map = async (kind: string, key: string, entity: string, name: string) => {
    const res = await h.api('PUT', `/api/v1/mappings/${tenantId}/${kind}/${encodeURIComponent(key)}`, { qboId: qboId(entity, name), qboName: name });
    expect(res.status).toBe(200);
  };
  await map('account', '4000', 'Account', 'Services');
  await map('account', '4100', 'Account', 'Sales of Product Income');
  await map('account', '5000', 'Account', 'Cost of Goods Sold');
  await map('account', '1300', 'Account', 'Inventory Asset');
  await map('account', '6100', 'Account', 'Rent or Lease');
  await map('account', '6200', 'Account', 'Office Supplies');
  await map('account', 'clearing:mpesa', 'Account', 'M-Pesa Clearing');
  await map('account', 'clearing:paystack', 'Account', 'Paystack Clearing');
  await map('tax_code', 'VAT16', 'TaxCode', 'VAT 16%');
  await map('tax_code', 'EXEMPT', 'TaxCode', 'Exempt');
  await map('payment_method', 'mpesa', 'PaymentMethod', 'M-Pesa');
  await map('payment_method', 'paystack', 'PaymentMethod', 'Paystack');
  await map('category', 'nairobi', 'Class', 'Head Office');
  return { tenantId, realmId, qboId };
}

export async function submit(h: Harness, record: unknown): Promise<string> {
  const res = await h.api('POST', '/api/v1/records', record);
  if (res.status !== 202) throw new Error(`intake refused the record: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.workflowId as string;
}

export async function chain(h: Harness, workflowId: string) {
  const res = await h.api('GET', `/api/v1/records/${encodeURIComponent(workflowId)}`);
  return res.json;
}

/** Waits until the record's projected state matches (and returns the whole chain). */
export async function waitFor(h: Harness, workflowId: string, state: string, extra: (c: any) => boolean = () => true, timeoutMs = 45_000) {
  return eventually(async () => {
    const c = await chain(h, workflowId);
    return c?.state === state && extra(c) ? c : undefined;
  }, `${workflowId} to be ${state}`, timeoutMs);
}

/** Submits the records one after another (as AWRA would), then waits until every one of them is synced. */
export async function syncAll(h: Harness, ...records: unknown[]) {
  const ids: string[] = [];
  for (const r of records) ids.push(await submit(h, r));
  return Promise.all(ids.map((id) => waitFor(h, id, 'synced')));
}
