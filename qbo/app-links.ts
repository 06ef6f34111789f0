import type { QboEnvironment } from './client.ts';
import type { QboEntityName } from './types.ts';

/** QBO web app hosts for deep links: the values `intuit-oauth` ships as `OAuthClient.qbo_environment` (reference §1.1). */
export const QBO_APP_BASE_URLS = {
  sandbox: 'https://sandbox.qbo.intuit.com/app/',
  production: 'https://qbo.intuit.com/app/',
} as const;

/**
 * Page of the QBO web app per entity. Intuit does not document these; they are the paths integrations use in
 * practice (`bill?txnId=`, `vendordetail?nameId=`, `register?accountId=`, …). Entities without a detail page link to
 * their list.
 */
const APP_PAGES: Record<QboEntityName, (id: string) => string> = {
  Account: (id) => `register?accountId=${id}`,
  Bill: (id) => `bill?txnId=${id}`,
  BillPayment: (id) => `billpayment?txnId=${id}`,
  Class: () => 'class',
  CompanyInfo: () => 'settings?panel=company',
  CreditMemo: (id) => `creditmemo?txnId=${id}`,
  Customer: (id) => `customerdetail?nameId=${id}`,
  Department: () => 'departments',
  Employee: (id) => `employeedetail?nameId=${id}`,
  Invoice: (id) => `invoice?txnId=${id}`,
  Item: () => 'items',
  JournalEntry: (id) => `journal?txnId=${id}`,
  Payment: (id) => `recvpayment?txnId=${id}`,
  PaymentMethod: () => 'paymentmethods',
  Preferences: () => 'settings?panel=company',
  PurchaseOrder: (id) => `purchaseorder?txnId=${id}`,
  RefundReceipt: (id) => `refundreceipt?txnId=${id}`,
  SalesReceipt: (id) => `salesreceipt?txnId=${id}`,
  TaxCode: () => 'salestax',
  TaxRate: () => 'salestax',
  Term: () => 'terms',
  Vendor: (id) => `vendordetail?nameId=${id}`,
  VendorCredit: (id) => `vendorcredit?txnId=${id}`,
};

/**
 * Deep link into the QBO web app, e.g. `qboAppUrl('sandbox', 'Bill', '123')` →
 * `https://sandbox.qbo.intuit.com/app/bill?txnId=123`. The link opens in whichever company the user last used in
 * QBO, so the console should show the company name beside it. `appBaseUrl` overrides the host (the simulator has
 * no web app, so in development a link can point at the simulator's ledger instead).
 */
export function qboAppUrl(env: QboEnvironment, entity: QboEntityName, id: string, appBaseUrl?: string): string {
  const base = (appBaseUrl ?? QBO_APP_BASE_URLS[env]).replace(/\/*$/, '/');
  return base + APP_PAGES[entity](encodeURIComponent(id));
}
