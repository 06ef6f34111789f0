import type { Hono } from 'hono';
import type { Simulator } from './index.ts';
import type { EntityName } from './types.ts';
import { escapeXml } from './xml.ts';

/**
 * Stand-ins for QBO web-app deep links (`https://qbo.intuit.com/app/bill?txnId=…`), so a console link in development
 * can point at `/_sim/app/bill?txnId=…`. Like QBO's links they carry no realm; every company holding that id is shown
 * (narrow with `realmId=`). The page is the entity's JSON, for people checking what was posted.
 */

const PAGES: Record<string, { entity: EntityName; param?: 'txnId' | 'nameId' | 'accountId' }> = {
  bill: { entity: 'Bill', param: 'txnId' },
  invoice: { entity: 'Invoice', param: 'txnId' },
  purchaseorder: { entity: 'PurchaseOrder', param: 'txnId' },
  recvpayment: { entity: 'Payment', param: 'txnId' },
  billpayment: { entity: 'BillPayment', param: 'txnId' },
  creditmemo: { entity: 'CreditMemo', param: 'txnId' },
  vendorcredit: { entity: 'VendorCredit', param: 'txnId' },
  refundreceipt: { entity: 'RefundReceipt', param: 'txnId' },
  salesreceipt: { entity: 'SalesReceipt', param: 'txnId' },
  vendordetail: { entity: 'Vendor', param: 'nameId' },
  customerdetail: { entity: 'Customer', param: 'nameId' },
  register: { entity: 'Account', param: 'accountId' },
  items: { entity: 'Item' },
  class: { entity: 'Class' },
  departments: { entity: 'Department' },
};

export function registerAppPages(app: Hono, sim: Simulator): void {
  app.get('/_sim/app/:page', (c) => {
    const page = PAGES[c.req.param('page')];
    if (!page) return c.html('<h1>Not a simulated QuickBooks page</h1>', 404);
    const id = page.param ? c.req.query(page.param) : undefined;
    const realmFilter = c.req.query('realmId');
    const sections = sim
      .companies()
      .filter((co) => !realmFilter || co.realmId === realmFilter)
      .map((co) => ({ co, rows: sim.ledger({ realmId: co.realmId, entity: page.entity }).filter((e) => id === undefined || e.Id === id) }))
      .filter((s) => s.rows.length > 0)
      .map(
        ({ co, rows }) =>
          `<h2>${escapeXml(co.companyName)} (realm ${escapeXml(co.realmId)})</h2>` +
          rows.map((r) => `<pre>${escapeXml(JSON.stringify(r, null, 2))}</pre>`).join(''),
      );
    const title = `${page.entity}${id ? ` ${id}` : 's'}`;
    const body = sections.length ? sections.join('') : `<p>No ${escapeXml(title)} in the simulator.</p>`;
    return c.html(`<!doctype html><html><head><title>${escapeXml(title)} (QBO simulator)</title></head><body><h1>${escapeXml(title)}</h1>${body}</body></html>`, sections.length ? 200 : 404);
  });
}
