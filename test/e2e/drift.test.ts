import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRefState } from '../../db/queries/refs.ts';
import { signWebhook } from '../../simulator/webhooks.ts';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, signIn } from '../support/console.ts';
import { createHarness, eventually, exportHistory, WEBHOOK_VERIFIER, type Harness } from '../support/harness.ts';
import { chain, connectedTenant, submit, syncAll, waitFor, type ConnectedTenant } from '../support/tenant.ts';

/**
 * Drift: what happens in QuickBooks after a sync. A person edits, deletes or voids a synced entity in the QuickBooks
 * web app (the simulator's control API); QuickBooks sends its webhook; one change-data refresh later the record shows
 * what changed, the queue groups it and close readiness is not ready, until finance keeps QuickBooks' version or
 * pushes AWRA's again. And a newer AWRA version never silently overwrites a hand edit.
 */
let h: Harness;
let t: ConnectedTenant;
const TENANT = 'drift';

/** The control API acting as a person in the QuickBooks web app. */
async function inQuickBooks(entity: string, id: string, op: 'update' | 'void' | 'delete', body: Record<string, unknown> = {}) {
  const res = await fetch(`${h.sim.url}/_sim/companies/${t.realmId}/entities/${entity}/${id}/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entity: Record<string, unknown> }).entity;
}

/** QuickBooks' webhook for that change, delivered to the product as Intuit would (signed). */
async function webhook(entity: string, id: string, operation: string) {
  const body = JSON.stringify({ eventNotifications: [{ realmId: t.realmId, dataChangeEvent: { entities: [{ name: entity, id, operation, lastUpdated: new Date().toISOString() }] } }] });
  const res = await h.app.request('/webhooks/qbo', { method: 'POST', headers: { 'content-type': 'application/json', 'intuit-signature': signWebhook(body, WEBHOOK_VERIFIER) }, body });
  expect(res.status).toBe(200);
}

const withDrift = (id: string, kind: string) => eventually(async () => {
  const c = await chain(h, id);
  return c.drift?.kind === kind ? c : undefined;
}, `${id} to show drift ${kind}`);

const bill = (sourceId: string, number: string, opts: Parameters<typeof awra.bill>[4] = {}) => awra.bill(TENANT, sourceId, number, 'ven-1', opts);
const ledgerBill = (id: string) => h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill' }).find((b) => String(b.Id) === id);

beforeAll(async () => {
  h = await createHarness();
  t = await connectedTenant(h, TENANT);
  await syncAll(h, awra.vendor(TENANT, 'ven-1', 'Nairobi Office Supplies Ltd'), awra.customer(TENANT, 'cus-1', 'Savannah Retail Ltd'), awra.serviceItem(TENANT, 'itm-1', 'SVC-MAINT', 'Maintenance visit'));
  // Drift is read from change data capture, which follows the first full load of the realm's lists.
  await eventually(async () => ((await getRefState(h.db.db, TENANT))?.lastFullLoadAt ? true : undefined), 'the first reference refresh');
});
afterAll(async () => {
  await h?.close();
});

describe('changes made in QuickBooks after a sync', () => {
  it('notices a bill edited by hand within one refresh, holds close readiness, and keeps QuickBooks\' version on decision', async () => {
    const id = await submit(h, bill('bill-1', 'BILL-2026-0201'));
    const synced = await waitFor(h, id, 'synced');
    const qboId = synced.externalRef.qboId;
    expect(synced.drift).toBeNull();
    expect(synced.externalRef.sent).toMatchObject({ date: '2026-11-04', total: '1200' });

    const edited = await inQuickBooks('Bill', qboId, 'update', { TxnDate: '2026-11-09' });
    await webhook('Bill', qboId, 'Update');
    const drifted = await withDrift(id, 'changed');
    expect(drifted.state).toBe('synced');
    expect(drifted.drift).toMatchObject({ fields: ['date'], qboSyncToken: String(edited.SyncToken) });
    expect(drifted.drift.changes).toEqual([{ field: 'date', label: 'Date', awra: '2026-11-04', qbo: '2026-11-09' }]);

    // The queue groups it for finance; close readiness is not ready while it stands.
    const queue = await h.api('GET', `/api/v1/queue?tenantId=${TENANT}&owner=finance`);
    const group = queue.json.groups.find((g: { rootCause: { cause: string } }) => g.rootCause.cause === 'drift');
    expect(group).toMatchObject({ rootCause: { code: 'changed' }, failureClass: null, records: 1, title: 'Changed in QuickBooks after sync', message: 'Changed in QuickBooks: date' });
    const close = await h.api('GET', `/api/v1/close-readiness?tenantId=${TENANT}&period=2026-11`);
    expect(close.json.ready).toBe(false);
    expect(close.json.summary.changedInQuickBooks).toBe(1);

    // The console shows both versions and the two decisions.
    const finance = await signIn(h.app, await createConsoleUser(h, 'finance'));
    const page = await (await finance.get(`/records/${encodeURIComponent(id)}`)).text();
    expect(page).toContain('Changed in QuickBooks after sync');
    expect(page).toContain('Someone changed the date of Bill');
    expect(page).toMatch(/2026-11-04[\s\S]*2026-11-09/);
    expect(page).toContain('Keep QuickBooks&#39; version');
    expect(page).toContain('Push AWRA&#39;s version');
    const csv = await (await finance.get(`/close.csv?tenantId=${TENANT}&period=2026-11`)).text();
    expect(csv.split('\r\n').find((l) => l.startsWith('BILL-2026-0201,'))).toMatch(/,changed date$/);
    const queuePage = await (await finance.get(`/queue?tenantId=${TENANT}`)).text();
    expect(queuePage).toContain('Changed in QuickBooks after sync');
    expect(queuePage).toContain('keep QuickBooks&#39; version or push AWRA&#39;s again');

    const kept = await finance.post(`/records/${encodeURIComponent(id)}/actions/accept-quickbooks`, {}, { hx: true });
    expect(kept.status).toBe(200);
    const after = await waitFor(h, id, 'synced', (c) => c.drift === null);
    expect(after.externalRef).toMatchObject({ qboId, syncToken: String(edited.SyncToken), sent: { date: '2026-11-09' } });
    expect(after.events.map((e: { message: string }) => e.message).join('\n')).toMatch(/decided that QuickBooks' version of Bill .* stands for BILL-2026-0201/);
    expect((await h.api('GET', `/api/v1/close-readiness?tenantId=${TENANT}&period=2026-11`)).json.summary.changedInQuickBooks).toBe(0);
    const audit = await h.db.sql`select action, actor from audit_events where target = ${id} order by id`;
    expect(audit.map((a) => a.action)).toEqual(['sync.drift.detected', 'sync.accept-quickbooks']);

    // What QuickBooks holds is the reference now: AWRA's next version updates it without a hold.
    const v2 = await submit(h, bill('bill-1', 'BILL-2026-0201', { version: 2, txnDate: '2026-11-10' }));
    await waitFor(h, v2, 'synced', (c) => c.version === 2);
    expect(ledgerBill(qboId)!.TxnDate).toBe('2026-11-10');
    await exportHistory(h, id, 'drift-kept-quickbooks-then-updated');
  });

  it('pushes AWRA\'s version again over a hand edit of the lines', async () => {
    const id = await submit(h, bill('bill-2', 'BILL-2026-0202'));
    const qboId = (await waitFor(h, id, 'synced')).externalRef.qboId;
    const before = ledgerBill(qboId)!;
    const line = (before.Line as Array<Record<string, unknown>>).find((l) => l.DetailType === 'AccountBasedExpenseLineDetail')!;
    await inQuickBooks('Bill', qboId, 'update', { Line: [{ ...line, Amount: 1350 }] });
    await webhook('Bill', qboId, 'Update');
    const drifted = await withDrift(id, 'changed');
    expect(drifted.drift.fields).toEqual(['amount', 'lines']);
    expect(drifted.drift.changes[0]).toMatchObject({ awra: '1,200.00', qbo: '1,350.00' });

    const res = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/push-again`, {});
    expect(res.status).toBe(200);
    const pushed = await waitFor(h, id, 'synced', (c) => c.drift === null && c.attempts.length === 2);
    expect(pushed.externalRef.qboId).toBe(qboId);
    expect(Number(ledgerBill(qboId)!.TotalAmt)).toBe(1200);
    expect(pushed.events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['drift_seen', 'drift_decided']));
  });

  it('sees a deletion and creates the bill again on "push AWRA\'s version"', async () => {
    const id = await submit(h, bill('bill-3', 'BILL-2026-0203'));
    const qboId = (await waitFor(h, id, 'synced')).externalRef.qboId;
    await inQuickBooks('Bill', qboId, 'delete');
    await webhook('Bill', qboId, 'Delete');
    const drifted = await withDrift(id, 'deleted');
    expect(drifted.drift.fields).toEqual([]);
    expect((await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/retry`, {})).status).toBe(409);

    expect((await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/push-again`, {})).status).toBe(200);
    const again = await waitFor(h, id, 'synced', (c) => c.drift === null && c.externalRef.qboId !== qboId);
    expect(ledgerBill(again.externalRef.qboId)).toMatchObject({ DocNumber: 'BILL-2026-0203', TotalAmt: 1200 });
  });

  it('accepts an invoice voided in QuickBooks: the record is no longer expected there', async () => {
    const id = await submit(h, awra.invoice(TENANT, 'inv-1', 'INV-2026-0201', 'cus-1', 'itm-1'));
    const qboId = (await waitFor(h, id, 'synced')).externalRef.qboId;
    await inQuickBooks('Invoice', qboId, 'void');
    await webhook('Invoice', qboId, 'Void');
    await withDrift(id, 'voided');
    const queue = await h.api('GET', `/api/v1/queue?tenantId=${TENANT}`);
    expect(queue.json.groups.find((g: { rootCause: { code: string } }) => g.rootCause.code === 'voided')).toMatchObject({ rootCause: { cause: 'drift' }, title: 'Changed in QuickBooks after sync (voided there)' });

    expect((await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/accept-quickbooks`, {})).status).toBe(200);
    const done = await waitFor(h, id, 'cancelled');
    expect(done.drift).toBeNull();
    expect(done.externalRef).toMatchObject({ qboId, goneInQuickBooks: 'voided' });
  });

  it('calls nothing drift that QuickBooks changed by itself: an invoice paid, a purchase order closed by its bill', async () => {
    const [po, inv] = await syncAll(h, awra.purchaseOrder(TENANT, 'po-9', 'PO-2026-0209', 'ven-1', 'itm-1'), awra.invoice(TENANT, 'inv-9', 'INV-2026-0209', 'cus-1', 'itm-1'));
    const [billed, paid] = await syncAll(h, bill('bill-9', 'BILL-2026-0209', { purchaseOrderId: 'po-9' }), awra.payment(TENANT, 'pay-9', 'PAY-2026-0209', 'cus-1', 'inv-9'));
    expect(billed!.state).toBe('synced');
    expect(paid!.state).toBe('synced');
    expect(h.sim.sim.ledger({ realmId: t.realmId, entity: 'PurchaseOrder' }).find((p) => String(p.Id) === po!.externalRef.qboId)!.POStatus).toBe('Closed');
    const before = (await getRefState(h.db.db, TENANT))!.lastRefreshAt!.getTime();
    await webhook('Invoice', inv!.externalRef.qboId, 'Update');
    await eventually(async () => ((await getRefState(h.db.db, TENANT))!.lastRefreshAt!.getTime() > before ? true : undefined), 'a refresh after the webhook');
    for (const id of [po!.workflowId, inv!.workflowId, billed!.workflowId, paid!.workflowId]) expect((await chain(h, id)).drift).toBeNull();
  });

  it('holds a newer AWRA version of a bill edited in QuickBooks for review, both versions side by side, then overwrites on decision', async () => {
    const id = await submit(h, bill('bill-4', 'BILL-2026-0204'));
    const qboId = (await waitFor(h, id, 'synced')).externalRef.qboId;
    // Edited in QuickBooks; no refresh has seen it yet when AWRA's next version arrives.
    await inQuickBooks('Bill', qboId, 'update', { TxnDate: '2026-11-07' });
    await submit(h, bill('bill-4', 'BILL-2026-0204', { version: 2, txnDate: '2026-11-06' }));
    const held = await waitFor(h, id, 'blocked');
    expect(held).toMatchObject({ failureClass: 'duplicate_risk', owner: 'finance', version: 2 });
    expect(held.drift).toMatchObject({ kind: 'changed', fields: ['date'], changes: [{ awra: '2026-11-04', qbo: '2026-11-07' }] });
    expect(held.actionNeeded).toMatch(/^Version 2 of BILL-2026-0204 was not sent: Someone changed the date of Bill/);
    expect(ledgerBill(qboId)!.TxnDate).toBe('2026-11-07');
    // Only the decision moves it on.
    const create = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/create-anyway`, {});
    expect(create.status).toBe(422);
    expect(create.json.error.message).toMatch(/keep QuickBooks' version, or push AWRA's version again/);
    const queue = await h.api('GET', `/api/v1/queue?tenantId=${TENANT}&failureClass=duplicate_risk`);
    expect(queue.json.groups[0]).toMatchObject({ rootCause: { cause: 'drift' }, title: 'Changed in QuickBooks after sync: a newer AWRA version waits for the decision' });

    const res = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/push-again`, {});
    expect(res.status).toBe(200);
    const synced = await waitFor(h, id, 'synced', (c) => c.version === 2 && c.drift === null);
    expect(synced.externalRef.qboId).toBe(qboId);
    expect(ledgerBill(qboId)!.TxnDate).toBe('2026-11-06');
    await exportHistory(h, id, 'drift-held-then-overwritten');
  });

  it('keeps QuickBooks\' version of a held record on decision: AWRA\'s newer version is recorded as not sent', async () => {
    const id = await submit(h, bill('bill-5', 'BILL-2026-0205'));
    const qboId = (await waitFor(h, id, 'synced')).externalRef.qboId;
    await inQuickBooks('Bill', qboId, 'update', { TxnDate: '2026-11-08' });
    await submit(h, bill('bill-5', 'BILL-2026-0205', { version: 2, txnDate: '2026-11-06' }));
    await waitFor(h, id, 'blocked', (c) => c.drift?.kind === 'changed');
    expect((await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/accept-quickbooks`, {})).status).toBe(200);
    const kept = await waitFor(h, id, 'synced', (c) => c.drift === null);
    expect(kept.events.at(-1).message).toMatch(/stands for BILL-2026-0205; AWRA version 2 was not sent/);
    expect(ledgerBill(qboId)!.TxnDate).toBe('2026-11-08');
    expect(kept.attempts).toHaveLength(1);
  });
});
