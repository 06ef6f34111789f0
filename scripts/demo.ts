/**
 * The demo company `npm start` seeds in development, so the console tells the product's story at once. Everything
 * goes through the product's real doors: the tenant API, the OAuth flow against the simulator, the mapping API and
 * the record intake API. It is idempotent (an existing demo tenant is left alone).
 */

import type { Db } from '../db/client.ts';
import { stateCounts, type StateCount } from '../db/queries/console.ts';
import { pushRequestId } from '../domain/request-id.ts';
import { isTerminalState } from '../domain/vocabulary.ts';
import { readJsonOrText } from '../runtime/http-body.ts';

export const DEMO_TENANT = 'awra-demo';

export interface DemoOptions {
  /** The web app, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  apiKey: string;
  /** The QuickBooks simulator's base URL (its /_sim control API). */
  simulatorUrl: string;
  log?: (line: string) => void;
}

export interface DemoSummary {
  seeded: boolean;
  records: number;
  realmId?: string;
}

type Json = Record<string, unknown>;

/** A small deterministic PRNG, so every demo has the same records. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VENDORS = [
  'Nairobi Office Supplies Ltd', 'Coast Hardware Ltd', 'Rift Valley Timber Ltd', 'Mombasa Freight Ltd', 'Kisumu Fish Traders',
  'Thika Motors Ltd', 'Eldoret Dairy Co-op', 'Naivasha Flowers Ltd', 'Lamu Boatworks Ltd', 'Nyeri Coffee Mills',
  'Kisii Stationers Ltd', 'Garissa Solar Ltd',
];
const CUSTOMERS = [
  'Savannah Retail Ltd', 'Highlands Hotels Ltd', 'Lake Basin Clinics', 'Pwani Logistics Ltd', 'Kilimani Schools Trust',
  'Westlands Offices Ltd', 'Nakuru Agro Dealers', 'Malindi Resorts Ltd', 'Machakos County Works', 'Embu Fresh Produce',
  'Kitale Seed Co', 'Voi Transporters Ltd', 'Kericho Tea Estates', 'Naro Moru Lodges', 'Meru Pharmacies Ltd',
];
const ITEMS: Array<{ id: string; sku: string; name: string; kind: 'inventory' | 'service'; price: number }> = [
  { id: 'itm-paper', sku: 'SKU-PAPER-A4', name: 'A4 paper ream', kind: 'inventory', price: 65_000 },
  { id: 'itm-toner', sku: 'SKU-TONER-01', name: 'Toner cartridge', kind: 'inventory', price: 1_250_000 },
  { id: 'itm-cement', sku: 'SKU-CEMENT-50', name: 'Cement 50kg', kind: 'inventory', price: 85_000 },
  { id: 'itm-solar', sku: 'SKU-SOLAR-200', name: 'Solar panel 200W', kind: 'inventory', price: 2_400_000 },
  { id: 'itm-install', sku: 'SVC-INSTALL', name: 'Installation', kind: 'service', price: 500_000 },
  { id: 'itm-maint', sku: 'SVC-MAINT', name: 'Maintenance visit', kind: 'service', price: 350_000 },
  { id: 'itm-consult', sku: 'SVC-CONSULT', name: 'Consulting hour', kind: 'service', price: 900_000 },
  { id: 'itm-delivery', sku: 'SVC-DELIVERY', name: 'Delivery', kind: 'service', price: 150_000 },
];
/** The item QuickBooks already has under the same name: its "create anyway" meets a provider conflict. */
const CONFLICT_ITEM = 'itm-toner';

async function api(opts: DemoOptions, method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped JSON of our own API, read field by field
  const res = await fetch(`${opts.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extraHeaders },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    redirect: 'manual',
  });
  const json = await readJsonOrText(res);
  return { status: res.status, json, headers: res.headers };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON of the simulator's control API
async function sim(opts: DemoOptions, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${opts.simulatorUrl}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const recordId = (type: string, sourceId: string) => `qbo-sync:${DEMO_TENANT}:${type}:${sourceId}`;
const pad = (n: number, w = 4) => String(n).padStart(w, '0');
const day = (month: 10 | 11, d: number) => `2026-${month}-${String(d).padStart(2, '0')}`;

/** Builds the demo's AWRA records: procurement, sales and receipts over October and November 2026. */
export function demoRecords(): Json[] {
  const rnd = prng(20261001);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const env = (recordType: string, sourceId: string, number: string, status: string) => ({ tenantId: DEMO_TENANT, recordType, sourceId, number, status, version: 1 });
  const records: Json[] = [];
  VENDORS.forEach((name, i) => records.push({ ...env('vendor', `ven-${i + 1}`, `VEN-${pad(i + 1, 3)}`, 'approved'), data: { displayName: name, currency: 'KES', active: true, email: `accounts${i + 1}@example.co.ke` } }));
  CUSTOMERS.forEach((name, i) => records.push({ ...env('customer', `cus-${i + 1}`, `CUS-${pad(i + 1, 3)}`, 'approved'), data: { displayName: name, currency: 'KES', active: true } }));
  for (const it of ITEMS) {
    records.push({
      ...env('item', it.id, it.sku, 'approved'),
      data: {
        sku: it.sku, name: it.name, kind: it.kind, unitPrice: it.price, incomeAccount: it.kind === 'service' ? '4000' : '4100', expenseAccount: '5000', taxCategory: 'VAT16',
        ...(it.kind === 'inventory' ? { assetAccount: '1300', qtyOnHand: 40, inventoryStartDate: '2026-09-01' } : {}),
      },
    });
  }
  const goods = ITEMS.filter((i) => i.kind === 'inventory' && i.id !== CONFLICT_ITEM);
  const services = ITEMS.filter((i) => i.kind === 'service');
  let po = 0;
  let bill = 0;
  let inv = 0;
  let rcpt = 0;
  for (const month of [10, 11] as const) {
    for (let k = 0; k < 22; k++) {
      po += 1;
      const it = pick(goods);
      const qty = 1 + Math.floor(rnd() * 20);
      records.push({ ...env('purchase_order', `po-${po}`, `PO-2026-${pad(po)}`, 'approved'), data: { vendorId: `ven-${1 + Math.floor(rnd() * VENDORS.length)}`, txnDate: day(month, 1 + (k % 28)), currency: 'KES', branch: pick(['nairobi', 'mombasa']), total: qty * it.price, lines: [{ itemId: it.id, description: it.name, qty, unitPrice: it.price, amount: qty * it.price, taxCategory: 'VAT16' }] } });
    }
    for (let k = 0; k < 26; k++) {
      bill += 1;
      const amount = 50_000 * (2 + Math.floor(rnd() * 60));
      records.push({ ...env('bill', `bill-${bill}`, `BILL-2026-${pad(bill)}`, 'posted'), data: { vendorId: `ven-${1 + Math.floor(rnd() * VENDORS.length)}`, txnDate: day(month, 1 + (k % 28)), dueDate: day(11, Math.min(28, 1 + (k % 28) + 7)), currency: 'KES', total: amount, lines: [{ expenseAccount: pick(['6100', '6200', '6300']), description: pick(['Office rent', 'Stationery', 'Utilities', 'Fuel']), amount, taxCategory: pick(['VAT16', 'EXEMPT']) }] } });
    }
    for (let k = 0; k < 28; k++) {
      inv += 1;
      const it = pick(services);
      const qty = 1 + Math.floor(rnd() * 8);
      const customer = `cus-${1 + Math.floor(rnd() * CUSTOMERS.length)}`;
      records.push({ ...env('invoice', `inv-${inv}`, `INV-2026-${pad(inv)}`, 'posted'), data: { customerId: customer, txnDate: day(month, 1 + (k % 28)), dueDate: day(11, 28), currency: 'KES', branch: pick(['nairobi', 'mombasa']), total: qty * it.price, lines: [{ itemId: it.id, qty, unitPrice: it.price, amount: qty * it.price, taxCategory: 'VAT16' }] } });
      if (rnd() < 0.7) {
        rcpt += 1;
        records.push({ ...env('payment', `pay-${rcpt}`, `RCPT-2026-${pad(rcpt)}`, 'posted'), data: { customerId: customer, txnDate: day(month, Math.min(28, 2 + (k % 27))), currency: 'KES', amount: qty * it.price, method: pick(['paystack', 'mpesa', 'mpesa', 'bank_transfer']), reference: `REF${pad(rcpt, 6)}`, appliedTo: [{ invoiceId: `inv-${inv}`, amount: qty * it.price }] } });
      }
    }
  }
  // Two branch service categories without a tax mapping, on invoices still in draft: mapping health says "review".
  for (const [n, cat] of [['d1', 'SVC-BR-NAKURU'], ['d2', 'SVC-BR-KISUMU']] as const) {
    const it = services[0]!;
    records.push({ ...env('invoice', `inv-${n}`, `INV-DRAFT-${n.toUpperCase()}`, 'draft'), data: { customerId: 'cus-1', txnDate: day(11, 20), dueDate: day(11, 28), currency: 'KES', total: it.price, lines: [{ itemId: it.id, qty: 1, unitPrice: it.price, amount: it.price, taxCategory: cat }] } });
  }
  // An approved PO for an item nobody mapped or sent: blocked on a missing item mapping, owned by an admin.
  records.push({ ...env('purchase_order', 'po-legacy', 'PO-2026-0900', 'approved'), data: { vendorId: 'ven-2', txnDate: day(11, 21), currency: 'KES', branch: 'mombasa', total: 4_800_000, lines: [{ itemId: 'itm-legacy-drum', description: 'Steel drum 200L (legacy code)', qty: 12, unitPrice: 400_000, amount: 4_800_000, taxCategory: 'VAT16' }] } });
  // A bill dated in a period the controller has closed in QuickBooks.
  records.push({ ...env('bill', 'bill-closed', 'BILL-2026-0999', 'posted'), data: { vendorId: 'ven-4', txnDate: '2026-09-28', dueDate: '2026-10-28', currency: 'KES', total: 750_000, lines: [{ expenseAccount: '6300', description: 'September freight (late)', amount: 750_000, taxCategory: 'VAT16' }] } });
  return records;
}

/** The lifecycle records the demo acts on after they synced. */
const LIFECYCLE = { po: 'po-story', poBill: 'bill-po', voided: 'inv-void', edited: 'bill-edited' } as const;

/**
 * The rest of the finance lifecycle, one story each: a purchase order closed by the bill that names it, that bill
 * paid through M-Pesa, a credit note applied to its invoice, an invoice AWRA voids after it synced (its void is
 * carried over), and a bill someone edits by hand in QuickBooks after it synced (drift, for finance to decide on).
 */
export function lifecycleRecords(): Json[] {
  const env = (recordType: string, sourceId: string, number: string, status: string) => ({ tenantId: DEMO_TENANT, recordType, sourceId, number, status, version: 1 });
  const paper = { itemId: 'itm-paper', description: 'A4 paper ream', qty: 10, unitPrice: 65_000, amount: 650_000, taxCategory: 'VAT16' };
  const install = (qty: number) => ({ itemId: 'itm-install', qty, unitPrice: 500_000, amount: qty * 500_000, taxCategory: 'VAT16' });
  return [
    { ...env('purchase_order', LIFECYCLE.po, 'PO-2026-0800', 'approved'), data: { vendorId: 'ven-1', txnDate: day(11, 10), currency: 'KES', branch: 'nairobi', total: 650_000, lines: [paper] } },
    { ...env('bill', LIFECYCLE.poBill, 'BILL-2026-0800', 'posted'), data: { vendorId: 'ven-1', purchaseOrderId: LIFECYCLE.po, txnDate: day(11, 12), dueDate: day(11, 26), currency: 'KES', total: 650_000, lines: [{ ...paper, description: 'A4 paper ream (received)' }] } },
    { ...env('bill_payment', 'bp-mpesa', 'BP-2026-0001', 'posted'), data: { vendorId: 'ven-1', txnDate: day(11, 20), currency: 'KES', amount: 650_000, method: 'mpesa', bankAccount: '1010', reference: 'QKX81MPESA', appliedTo: [{ billId: LIFECYCLE.poBill, amount: 650_000 }] } },
    { ...env('invoice', 'inv-credit', 'INV-2026-0600', 'posted'), data: { customerId: 'cus-2', txnDate: day(11, 14), dueDate: day(11, 28), currency: 'KES', total: 1_500_000, lines: [install(3)] } },
    { ...env('credit_note', 'cn-1', 'CN-2026-0001', 'posted'), data: { customerId: 'cus-2', txnDate: day(11, 18), currency: 'KES', total: 500_000, lines: [{ ...install(1), description: 'One installation not carried out' }], appliedTo: [{ invoiceId: 'inv-credit', amount: 500_000 }] } },
    { ...env('invoice', LIFECYCLE.voided, 'INV-2026-0601', 'posted'), data: { customerId: 'cus-5', txnDate: day(11, 16), dueDate: day(11, 30), currency: 'KES', total: 1_000_000, lines: [install(2)] } },
    { ...env('bill', LIFECYCLE.edited, 'BILL-2026-0801', 'posted'), data: { vendorId: 'ven-3', txnDate: day(11, 17), dueDate: day(11, 30), currency: 'KES', total: 2_400_000, lines: [{ expenseAccount: '6200', description: 'Timber for shelving', amount: 2_400_000, taxCategory: 'VAT16' }] } },
  ];
}

/** Once a record has synced, AWRA voids it (carried over to QuickBooks) or a person edits it in QuickBooks (drift). */
async function playLifecycle(opts: DemoOptions, realmId: string, records: Json[], submit: (batch: Json[]) => Promise<void>, log: (line: string) => void): Promise<void> {
  const synced = (type: string, sourceId: string) =>
    until(`${type} ${sourceId} to sync`, async () => {
      const r = await api(opts, 'GET', `/api/v1/records/${encodeURIComponent(recordId(type, sourceId))}`);
      return r.json?.state === 'synced' ? (r.json.externalRef as { qboId: string }) : undefined;
    }, 10 * 60_000);
  const voided = records.find((r) => r.sourceId === LIFECYCLE.voided)!;
  await synced('invoice', LIFECYCLE.voided);
  await submit([{ ...voided, version: 2, status: 'void' }]);
  log('Demo: AWRA voided INV-2026-0601 after it synced; the void is carried over to QuickBooks.');
  const bill = await synced('bill', LIFECYCLE.edited);
  // Someone in the finance team changes the bill's date and amount in the QuickBooks web app; QuickBooks' webhook
  // brings the product's reference refresh, which finds the bill changed after its sync.
  const entity = (await sim(opts, 'GET', `/_sim/ledger?realmId=${realmId}&entity=Bill`)).entities.find((b: Json) => String(b.Id) === bill.qboId) as Json;
  const line = (entity.Line as Json[]).find((l) => l.DetailType === 'AccountBasedExpenseLineDetail')!;
  await sim(opts, 'POST', `/_sim/companies/${realmId}/entities/Bill/${bill.qboId}/update`, { TxnDate: day(11, 19), Line: [{ ...line, Amount: 25_500 }] });
  log(`Demo: someone edited BILL-2026-0801 (QuickBooks Bill ${bill.qboId}) by hand in QuickBooks after it synced; the console shows it as changed in QuickBooks.`);
}

/** Seeds the demo company once; a second start leaves it as it is. */
export async function seedDemo(opts: DemoOptions): Promise<DemoSummary> {
  const log = opts.log ?? (() => {});
  const tenants = await api(opts, 'GET', '/api/v1/tenants');
  if ((tenants.json?.tenants ?? []).some((t: { id: string }) => t.id === DEMO_TENANT)) {
    log(`Demo: tenant ${DEMO_TENANT} already exists; leaving it as it is (npm run demo:reset starts over).`);
    return { seeded: false, records: 0 };
  }
  const created = await api(opts, 'POST', '/api/v1/tenants', { tenantId: DEMO_TENANT, name: 'AWRA Demo Kenya Ltd', homeCurrency: 'KES', slaSeconds: 4 * 3600 });
  if (created.status !== 201) throw new Error(`demo: creating the tenant failed: ${JSON.stringify(created.json)}`);

  // Connect through the real OAuth flow: authorize, the simulator's consent redirect, our callback.
  const start = await api(opts, 'POST', `/api/v1/connections/${DEMO_TENANT}/authorize`);
  if (start.status !== 200) throw new Error(`demo: starting the OAuth flow failed: ${JSON.stringify(start.json)}`);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const consent = await fetch(start.json.authorizeUrl as string, { redirect: 'manual' });
  const back = new URL(consent.headers.get('location') ?? '');
  const callback = await fetch(`${opts.baseUrl}/connections/callback${back.search}`, { headers: { cookie }, redirect: 'manual' });
  if (callback.status !== 302) throw new Error(`demo: the OAuth callback failed (HTTP ${callback.status})`);
  const realmId = back.searchParams.get('realmId')!;
  log(`Demo: ${DEMO_TENANT} connected to simulator company ${realmId} through OAuth.`);

  // The controller closed September in QuickBooks.
  await sim(opts, 'PUT', `/_sim/companies/${realmId}/preferences`, { closingDate: '2026-09-30' });

  // Mappings an admin set: accounts, tax codes, payment methods and their clearing accounts, branches.
  const ledger = async (entity: string) => ((await sim(opts, 'GET', `/_sim/ledger?realmId=${realmId}&entity=${entity}`)).entities as Json[]);
  const byName = async (entity: string, name: string) => {
    const hit = (await ledger(entity)).find((e) => e.Name === name);
    if (!hit) throw new Error(`demo: no ${entity} "${name}" in the simulator`);
    return String(hit.Id);
  };
  const mappings: Array<[string, string, string, string]> = [
    ['account', '4000', 'Account', 'Services'], ['account', '4100', 'Account', 'Sales of Product Income'],
    ['account', '5000', 'Account', 'Cost of Goods Sold'], ['account', '1300', 'Account', 'Inventory Asset'],
    ['account', '6100', 'Account', 'Rent or Lease'], ['account', '6200', 'Account', 'Office Supplies'], ['account', '6300', 'Account', 'Utilities'],
    ['account', 'clearing:paystack', 'Account', 'Paystack Clearing'], ['account', 'clearing:mpesa', 'Account', 'M-Pesa Clearing'],
    ['account', 'clearing:bank_transfer', 'Account', 'Checking'], ['account', '1010', 'Account', 'Checking'],
    ['tax_code', 'VAT16', 'TaxCode', 'VAT 16%'], ['tax_code', 'EXEMPT', 'TaxCode', 'Exempt'],
    ['payment_method', 'paystack', 'PaymentMethod', 'Paystack'], ['payment_method', 'mpesa', 'PaymentMethod', 'M-Pesa'],
    ['payment_method', 'bank_transfer', 'PaymentMethod', 'Bank Transfer'],
    ['category', 'nairobi', 'Class', 'Head Office'], ['category', 'mombasa', 'Class', 'Branch Operations'],
  ];
  for (const [kind, key, entity, name] of mappings) {
    const res = await api(opts, 'PUT', `/api/v1/mappings/${DEMO_TENANT}/${kind}/${encodeURIComponent(key)}`, { qboId: await byName(entity, name), qboName: name });
    if (res.status !== 200) throw new Error(`demo: mapping ${kind}/${key} failed: ${JSON.stringify(res.json)}`);
  }

  // Someone already keyed "Toner cartridge" into QuickBooks by hand.
  const conflictItem = ITEMS.find((i) => i.id === CONFLICT_ITEM)!;
  await sim(opts, 'POST', `/_sim/companies/${realmId}/entities/Item`, { Name: conflictItem.name, Type: 'Service', IncomeAccountRef: { value: await byName('Account', 'Services') } });

  // A few transient provider errors, retried to success; and a realm-wide token refresh mid-load.
  await sim(opts, 'POST', '/_sim/faults', { realmId, kind: 'http5xx', status: 503, path: '/bill', method: 'POST', count: 3 });

  const records = demoRecords();
  const masters = records.filter((r) => ['vendor', 'customer', 'item'].includes(String(r.recordType)));
  const rest = records.filter((r) => !['vendor', 'customer', 'item'].includes(String(r.recordType)));
  const submit = async (batch: Json[]) => {
    for (let i = 0; i < batch.length; i += 200) {
      const res = await api(opts, 'POST', '/api/v1/records:batch', { records: batch.slice(i, i + 200) });
      if (res.status !== 200 || res.json.rejected > 0) throw new Error(`demo: intake refused records: ${JSON.stringify(res.json).slice(0, 500)}`);
    }
  };
  await submit(masters);
  await sim(opts, 'POST', `/_sim/companies/${realmId}/tokens/expire`);
  const lifecycle = lifecycleRecords();
  await submit([...rest, ...lifecycle]);
  log(`Demo: ${records.length + lifecycle.length} AWRA records submitted through the intake API; they sync at QuickBooks' pace (500 requests/minute).`);

  // The duplicate warning: the toner item met an existing QuickBooks item; finance chose "create anyway" and
  // QuickBooks returned the duplicate-name conflict.
  const tonerId = recordId('item', CONFLICT_ITEM);
  await until('the toner item to be held as a duplicate risk', async () => {
    const r = await api(opts, 'GET', `/api/v1/records/${encodeURIComponent(tonerId)}`);
    return r.json?.failureClass === 'duplicate_risk' ? true : undefined;
  });
  await api(opts, 'POST', `/api/v1/records/${encodeURIComponent(tonerId)}/actions/create-anyway`, {});

  // A record whose attempt timed out, which a clerk then keyed into QuickBooks by hand: the next attempt meets it.
  const lateInvoice = { tenantId: DEMO_TENANT, recordType: 'invoice', sourceId: 'inv-timeout', number: 'INV-2026-0500', status: 'posted', version: 1, data: { customerId: 'cus-3', txnDate: day(11, 25), dueDate: day(11, 30), currency: 'KES', total: 1_800_000, lines: [{ itemId: 'itm-consult', qty: 2, unitPrice: 900_000, amount: 1_800_000, taxCategory: 'VAT16' }] } };
  await until('the customers and items the late invoice needs', async () => {
    const [c, i] = await Promise.all([api(opts, 'GET', `/api/v1/records/${encodeURIComponent(recordId('customer', 'cus-3'))}`), api(opts, 'GET', `/api/v1/records/${encodeURIComponent(recordId('item', 'itm-consult'))}`)]);
    return c.json?.state === 'synced' && i.json?.state === 'synced' ? true : undefined;
  });
  const lateId = recordId('invoice', 'inv-timeout');
  // Aim the timeout at exactly this invoice's first attempt: its requestid is derived from the workflow id.
  await sim(opts, 'POST', '/_sim/faults', { realmId, kind: 'timeout', latencyMs: 300, path: `requestid=${pushRequestId(lateId, 1, 1)}`, method: 'POST', count: 1 });
  await submit([lateInvoice]);
  await until('the late invoice to time out once', async () => {
    const r = await api(opts, 'GET', `/api/v1/records/${encodeURIComponent(lateId)}`);
    return (r.json?.attempts ?? []).some((a: { class: string }) => a.class === 'outcome_uncertain') ? true : undefined;
  });
  await sim(opts, 'POST', `/_sim/companies/${realmId}/entities/Invoice`, {
    DocNumber: 'INV-2026-0500', CustomerRef: { value: String((await ledger('Customer')).find((c) => c.DisplayName === CUSTOMERS[2])?.Id) }, Line: [{ Amount: 18000, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: await byName('Item', 'Consulting hour') }, Qty: 2, UnitPrice: 9000 } }], PrivateNote: 'Keyed in by hand after the sync timed out',
  }).catch((err: Error) => log(`Demo: could not key the invoice in by hand: ${err.message}`));
  await playLifecycle(opts, realmId, lifecycle, submit, log);
  return { seeded: true, records: records.length + lifecycle.length + 1, realmId };
}

/** How far the demo has got, in one line: "Demo: 140 of 231 synced, 4 blocked, 87 on their way." */
export function demoProgressLine(counts: StateCount[], expected: number): string {
  const sum = (states: readonly string[]) => counts.filter((c) => states.includes(c.state)).reduce((n, c) => n + c.records, 0);
  const done = sum(['synced', 'linked']);
  const blocked = sum(['blocked']);
  const cancelled = sum(['cancelled']);
  const seen = counts.reduce((n, c) => n + c.records, 0);
  const moving = Math.max(expected, seen) - done - blocked - cancelled;
  const parts = [`${done} of ${Math.max(expected, seen)} synced`, ...(blocked ? [`${blocked} blocked`] : []), ...(cancelled ? [`${cancelled} cancelled`] : []), ...(moving > 0 ? [`${moving} on their way`] : [])];
  return `Demo: ${parts.join(', ')}.`;
}

/**
 * Prints one progress line while the demo's records sync (every `everyMs`, only when something moved) and resolves
 * when every record has settled — synced, linked, cancelled or blocked — and stayed so for two more looks (a record
 * blocked on an invoice that is syncing is about to move again), or at `timeoutMs`.
 */
export async function watchDemo(opts: { db: Db; expected: number; log: (line: string) => void; everyMs?: number; timeoutMs?: number; stopped?: () => boolean }): Promise<{ settled: boolean; counts: StateCount[] }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  let last = '';
  let unchanged = 0;
  for (;;) {
    const counts = await stateCounts(opts.db, DEMO_TENANT);
    const line = demoProgressLine(counts, opts.expected);
    const seen = counts.reduce((n, c) => n + c.records, 0);
    const still = seen >= opts.expected && counts.every((c) => c.state === 'blocked' || isTerminalState(c.state));
    unchanged = line === last ? unchanged + 1 : 0;
    // A woken record shows "blocked" until its next step: the same figures for two more looks before "ready".
    const settled = still && unchanged >= 2;
    if (line !== last) opts.log(line);
    last = line;
    if (settled || Date.now() > deadline || opts.stopped?.()) return { settled, counts };
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10_000));
  }
}
