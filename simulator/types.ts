/**
 * Public types of the QuickBooks Online simulator. Behaviour the reference (../shared/reference/qbo-api.md) marks as
 * unconfirmed is an option here rather than a guess baked into the code.
 */

export const NAME_LIST_ENTITIES = [
  'Vendor',
  'Customer',
  'Item',
  'Account',
  'TaxCode',
  'PaymentMethod',
  'Class',
  'Department',
  'Term',
] as const;
export const TRANSACTION_ENTITIES = [
  'PurchaseOrder',
  'Bill',
  'Invoice',
  'Payment',
  'BillPayment',
  'CreditMemo',
  'VendorCredit',
  'RefundReceipt',
  'SalesReceipt',
] as const;
export const ENTITY_NAMES = [...NAME_LIST_ENTITIES, ...TRANSACTION_ENTITIES] as const;

export type NameListEntity = (typeof NAME_LIST_ENTITIES)[number];
export type TransactionEntity = (typeof TRANSACTION_ENTITIES)[number];
export type EntityName = (typeof ENTITY_NAMES)[number];

/** A QBO entity as JSON: the simulator stores and returns exactly what QBO would put on the wire. */
export type QboObject = Record<string, unknown>;

export interface SimulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SimulatorOptions {
  /** JSON snapshot of the whole state: loaded at start, saved (debounced) after every change. */
  persistFile?: string;
  accessTokenTtlSec?: number;
  /** Rolling refresh-token lifetime (8726400 s = 101 days, the value Intuit's token endpoint reports). */
  refreshTokenTtlSec?: number;
  /** 'always': a new refresh token on every refresh. 'daily': the same token is returned for 24 h (reference §7.4). */
  rotateRefreshToken?: 'always' | 'daily';
  /** How long a superseded refresh token keeps working (reference §7.4: 0 or 24 h, unconfirmed). */
  oldRefreshTokenGraceSec?: number;
  /** Same requestid with a different body: replay the stored response, or fail (reference §1.4: undocumented). */
  requestIdBodyMismatch?: 'replay' | 'error';
  /** Whether a 400 validation fault is stored under its requestid and replayed too (reference §1.4: unknown). */
  replayErrorResponses?: boolean;
  concurrencyLimit?: number;
  perMinuteLimit?: number;
  /** Batch requests per rolling minute (B-BATCH17 says 40, B-API25 says 120 from 2025). */
  batchPerMinuteLimit?: number;
  maxBatchItems?: number;
  /** Milliseconds since the epoch; tests pass a fake clock to move time without waiting. */
  clock?: () => number;
  /** Drives `ratio` faults; tests can make it deterministic. */
  random?: () => number;
  webhookUrl?: string;
  webhookVerifierToken?: string;
  /** Webhook body: the legacy `eventNotifications` shape or the CloudEvents array (reference §6.2). */
  webhookFormat?: 'legacy' | 'cloudevents';
  /** Used to deliver webhooks; defaults to the global fetch. */
  webhookFetch?: typeof fetch;
  /** GET /connect/oauth2 redirects at once instead of showing a consent page. */
  authorizeAutoApprove?: boolean;
  /** Name-list queries hide inactive rows unless `Active` is in the WHERE clause (reference §5.6: unconfirmed). */
  queryActiveOnlyByDefault?: boolean;
  /** Code for a reference to an inactive name-list entity: 610 Object Not Found, or 2500 (reference §5.6: both seen). */
  inactiveReferenceCode?: '610' | '2500';
  /** Transaction types whose DocNumber must be unique (6140) unless `include=allowduplicatedocnum`. */
  uniqueDocNumberEntities?: TransactionEntity[];
  /** Whether a PurchaseOrder needs APAccountRef (reference §5.2: unconfirmed). */
  purchaseOrderRequiresApAccount?: boolean;
  /**
   * A bill whose LinkedTxn names a purchase order closes it (POStatus 'Closed'); false leaves it Open with the link
   * shown. Whether QBO closes the whole PO or only the lines received is unconfirmed.
   */
  purchaseOrderCloseOnBillLink?: boolean;
  /**
   * The rate used for a foreign-currency transaction sent without ExchangeRate (QBO applies its own daily rate):
   * one rate for every currency, or home-currency units per unit of each currency code (missing codes use 1).
   */
  defaultExchangeRate?: number | Record<string, number>;
  /**
   * Transactions `operation=void` accepts. The reference lists Invoice, Payment, SalesReceipt and BillPayment; that
   * the API also voids credit memos and refund receipts (as the web app does) is unconfirmed.
   */
  voidableEntities?: TransactionEntity[];
  /** Whether a RefundReceipt needs DepositToAccountRef, the account the refund is paid from (unconfirmed). */
  refundReceiptRequiresDepositAccount?: boolean;
  /** Offset of the timestamps the simulator writes (QBO answers in the company's zone; Pacific is its default). */
  utcOffsetMinutes?: number;
  /** The OAuth app companies are connected to unless createCompany names another. */
  defaultClient?: { clientId: string; clientSecret: string };
  logger?: SimulatorLogger;
}

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'persistFile' | 'webhookUrl' | 'webhookVerifierToken'>> &
  Pick<SimulatorOptions, 'persistFile' | 'webhookUrl' | 'webhookVerifierToken'>;

export interface CreateCompanyOptions {
  homeCurrency?: string;
  /** Books closing date, YYYY-MM-DD: transactions dated on or before it are refused with 6210. */
  closingDate?: string;
  multicurrency?: boolean;
  companyName?: string;
  /** Country code for CompanyInfo; derived from the home currency when omitted. */
  country?: string;
  clientId?: string;
  clientSecret?: string;
  /** Scopes granted to the issued tokens; default only the accounting scope. */
  scope?: string[];
}

export interface CompanyCredentials {
  realmId: string;
  accessToken: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  /** ISO timestamps. */
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
}

export const FAULT_KINDS = [
  'latency',
  'http5xx',
  'timeout',
  'drop_before_commit',
  'drop_after_commit',
  'throttle',
  'token_expired',
  'invalid_grant',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  realmId?: string;
  /** Case-insensitive substring of the request path and query, e.g. "invoice", "/batch", "tokens/bearer". */
  path?: string;
  method?: string;
  kind: FaultKind;
  /** Status for http5xx (default 503). */
  status?: number;
  /** Delay for latency; for timeout, how long the connection hangs before it is cut (default 30 s). */
  latencyMs?: number;
  /** Apply to the next N matching requests only. */
  count?: number;
  /** Apply to this share (0..1) of matching requests. */
  ratio?: number;
}

export interface LedgerQuery {
  realmId: string;
  entity?: string;
  docNumber?: string;
  displayName?: string;
  name?: string;
  /** Substring of PrivateNote, where a sync tool leaves its source record number. */
  privateNoteContains?: string;
}

export interface PreferencesPatch {
  closingDate?: string | null;
  multicurrency?: boolean;
  homeCurrency?: string;
  customTxnNumbers?: boolean;
}

export interface RealmStats {
  realmId: string;
  requests: number;
  throttled: number;
  peakConcurrency: number;
  inFlight: number;
  tokenRefreshes: number;
  replays: number;
}

export interface WebhookDelivery {
  url: string;
  body: string;
  signature: string;
  status?: number;
  error?: string;
}
