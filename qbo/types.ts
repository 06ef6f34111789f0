/**
 * QuickBooks Online v3 JSON shapes the client needs (reference §2). Only what the product reads or writes is typed;
 * QBO returns many more fields and adds new ones without a minor-version bump, so every entity keeps an index
 * signature instead of pretending to be complete.
 */

/** Entity names as they appear as envelope keys (`{"Vendor": {...}}`) and, lower-cased, in URL paths (`/vendor`). */
export const QBO_ENTITY_NAMES = [
  'Account',
  'Bill',
  'BillPayment',
  'Class',
  'CompanyInfo',
  'CreditMemo',
  'Customer',
  'Department',
  'Employee',
  'Invoice',
  'Item',
  'JournalEntry',
  'Payment',
  'PaymentMethod',
  'Preferences',
  'PurchaseOrder',
  'RefundReceipt',
  'SalesReceipt',
  'TaxCode',
  'TaxRate',
  'Term',
  'Vendor',
  'VendorCredit',
] as const;
export type QboEntityName = (typeof QBO_ENTITY_NAMES)[number];

/** `{"value":"<Id>","name":"…"}`; only `value` matters on input (reference §2.7). */
export interface QboRef {
  value: string;
  name?: string;
  type?: string;
}

export interface QboMetaData {
  CreateTime?: string;
  LastUpdatedTime?: string;
  [k: string]: unknown;
}

/** Fields every persisted QBO entity carries. Ids and SyncTokens are strings — never send them as numbers. */
export interface QboEntity {
  Id: string;
  SyncToken: string;
  domain?: string;
  sparse?: boolean;
  MetaData?: QboMetaData;
  [k: string]: unknown;
}

/** A transaction-like entity: the fields the product matches on. */
export interface QboTxn extends QboEntity {
  DocNumber?: string;
  TxnDate?: string;
  PrivateNote?: string;
  TotalAmt?: number;
  CurrencyRef?: QboRef;
}

/** A name-list entity (Vendor, Customer, Item, Account, Class, …). */
export interface QboNameListEntity extends QboEntity {
  DisplayName?: string;
  Name?: string;
  FullyQualifiedName?: string;
  Active?: boolean;
}

/** One error of a standard `Fault` (reference §3.1). `code` is a string. */
export interface QboFaultError {
  Message?: string;
  Detail?: string;
  code: string;
  element?: string;
}

/** The standard JSON fault envelope (`{"Fault":{...},"time":...}`). */
export interface QboFaultBody {
  Fault: { Error: QboFaultError[]; type?: string };
  time?: string;
}

/** The gateway's lower-case fault on 401/403 (reference §3.2). */
export interface QboGatewayFaultBody {
  fault: { error: Array<{ message?: string; detail?: string | null; code?: string; element?: string | null }>; type?: string };
  time?: number;
  [k: string]: unknown;
}

/** `{"QueryResponse":{"Vendor":[…],"startPosition":1,"maxResults":1}}`; no entity key at all when nothing matched. */
export interface QboQueryResponse {
  startPosition?: number;
  maxResults?: number;
  totalCount?: number;
  [entity: string]: unknown;
}

export interface QboQueryBody {
  QueryResponse: QboQueryResponse;
  time?: string;
}

/** One item of a `/batch` request (reference §2.3): an entity operation keyed by entity name, or a `Query`. */
export interface QboBatchItemRequest {
  /** Unique within the batch; at most 10 characters when the batch carries a requestid (reference §1.4). */
  bId: string;
  operation?: 'create' | 'update' | 'delete';
  /** e.g. `"void"` with `operation: "update"`, or `"allowduplicatedocnum"`. */
  optionsData?: string;
  Query?: string;
  [entity: string]: unknown;
}

/** One item of a `/batch` response: the entity, a `QueryResponse`, or a `Fault` — inside an HTTP 200. */
export interface QboBatchItemResponse {
  bId: string;
  Fault?: { Error: QboFaultError[]; type?: string };
  QueryResponse?: QboQueryResponse;
  [entity: string]: unknown;
}

export interface QboBatchBody {
  BatchItemResponse: QboBatchItemResponse[];
  time?: string;
}

/** `{"CDCResponse":[{"QueryResponse":[{"Customer":[…]}, {"Invoice":[…]}]}]}` (reference §2.4). */
export interface QboCdcBody {
  CDCResponse: Array<{ QueryResponse: QboQueryResponse[] }>;
  time?: string;
}
