import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type {
  AttemptEvidence,
  DuplicateCandidate,
  ExternalRef,
  MappingCheck,
  ReadinessCheck,
} from '../domain/sync.ts';
import type { Drift } from '../domain/drift.ts';
import { AUDIENCES, NOTIFICATION_STATUSES, NOTIFY_CHANNELS, NOTIFY_TRIGGERS, type ConsoleRole } from '../domain/notifications.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A company in AWRA whose finance records sync to one QuickBooks realm. */
export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  homeCurrency: text('home_currency').notNull(),
  /** Seconds a blocked record may wait before it escalates by itself. */
  slaSeconds: integer('sla_seconds').notNull().default(86_400),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** API keys for AWRA and scripts; only a SHA-256 hash of the key is stored. */
export const apiKeys = pgTable('api_keys', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  role: text('role', { enum: ['admin', 'finance', 'awra'] }).notNull(),
  /** Null: every tenant (an admin key); otherwise the key may only act for this tenant. */
  tenantId: text('tenant_id').references(() => tenants.id),
  /** The key's first characters (`qsh_` + 8), shown in lists and accepted by revoke; never enough to use it. */
  prefix: text('prefix'),
  /** Who made it: `user:<email>`, `api-key:<name>`, `cli` or `npm start`. */
  createdBy: text('created_by'),
  /** The development key `npm start` prints: a start with another DEV_API_KEY revokes it. */
  dev: boolean('dev').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** Updated at most every few minutes, not on every request. */
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

/** Every version of every record AWRA submitted, exactly as received. */
export const sourceRecords = pgTable(
  'source_records',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    recordType: text('record_type').notNull(),
    sourceId: text('source_id').notNull(),
    version: integer('version').notNull(),
    number: text('number').notNull(),
    status: text('status').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** sha256 of the canonical JSON; re-submitting the same version with other content is refused. */
    contentHash: text('content_hash').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    receivedBy: text('received_by').notNull(),
    /** The QuickBooks references this version needs ({ kind, key }[]), so mapping health can see AWRA's values. */
    refs: jsonb('refs').$type<Array<{ kind: string; key: string }>>().notNull().default(sql`'[]'::jsonb`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.recordType, t.sourceId, t.version] }),
    index('source_records_number_idx').on(t.tenantId, t.number),
  ],
);

/**
 * What must reach Temporal, recorded in the same transaction as the change that calls for it (a stored record
 * version, a mapping set, a realm reconnected), so it is delivered even if Temporal did not answer at that moment.
 * Claimed with a lease by whichever web instance drains it; delivered rows are kept a while as evidence.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    kind: text('kind', { enum: ['record_version', 'mapping_changed', 'connection_restored'] }).notNull(),
    /** What to deliver: the record's key, or the mapping's kind and key. */
    payload: jsonb('payload').$type<Record<string, string>>().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    /** A drainer holds the row until then; past it, another may take it over. */
    leaseUntil: ts('lease_until'),
    lastError: text('last_error'),
    deliveredAt: ts('delivered_at'),
  },
  (t) => [index('outbox_pending_idx').on(t.nextAttemptAt).where(sql`delivered_at is null`), index('outbox_tenant_idx').on(t.tenantId, t.createdAt)],
);

/** The sync projection: one row per record's workflow, the newest state the workflow reported. */
export const syncs = pgTable(
  'syncs',
  {
    workflowId: text('workflow_id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    recordType: text('record_type').notNull(),
    sourceId: text('source_id').notNull(),
    number: text('number').notNull(),
    version: integer('version').notNull(),
    state: text('state').notNull(),
    failureClass: text('failure_class'),
    owner: text('owner'),
    actionNeeded: text('action_needed'),
    retryCount: integer('retry_count').notNull().default(0),
    readiness: jsonb('readiness').$type<ReadinessCheck[]>().notNull().default(sql`'[]'::jsonb`),
    mappings: jsonb('mappings').$type<MappingCheck[]>().notNull().default(sql`'[]'::jsonb`),
    duplicateCandidates: jsonb('duplicate_candidates').$type<DuplicateCandidate[]>().notNull().default(sql`'[]'::jsonb`),
    externalRef: jsonb('external_ref').$type<ExternalRef | null>(),
    assignee: text('assignee'),
    escalatedTo: text('escalated_to'),
    currency: text('currency'),
    amountMinor: bigint('amount_minor', { mode: 'number' }),
    txnDate: text('txn_date'),
    blockedSince: ts('blocked_since'),
    slaDueAt: ts('sla_due_at'),
    /**
     * What happened to the QuickBooks entity after the sync (domain/drift.ts), written by the reference refresh for a
     * record whose sync has finished, and by the record's workflow when it decides on it.
     */
    drift: jsonb('drift').$type<Drift | null>(),
    /** The workflow's change counter; an upsert only wins when it is newer. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('syncs_tenant_state_idx').on(t.tenantId, t.state, t.failureClass),
    index('syncs_state_updated_idx').on(t.state, t.updatedAt),
    index('syncs_txn_date_idx').on(t.tenantId, t.txnDate),
    index('syncs_tenant_number_idx').on(t.tenantId, t.number),
    uniqueIndex('syncs_record_idx').on(t.tenantId, t.recordType, t.sourceId),
    // The reference refresh finds the record a changed QuickBooks transaction belongs to.
    index('syncs_external_ref_idx').on(t.tenantId, sql`(${t.externalRef}->>'entity')`, sql`(${t.externalRef}->>'qboId')`),
  ],
);

/** Every push attempt and what QuickBooks answered: the audit evidence of a sync. */
export const syncAttempts = pgTable(
  'sync_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workflowId: text('workflow_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    /** The logical attempt: a new one (with a new requestid) only after a human retry or a fix. */
    attemptNo: integer('attempt_no').notNull(),
    /** Temporal's attempt of the push activity within the logical attempt (automatic retries reuse the requestid). */
    activityAttempt: integer('activity_attempt').notNull().default(1),
    requestId: text('request_id').notNull(),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at').notNull(),
    httpStatus: integer('http_status').notNull(),
    class: text('class').notNull(),
    code: text('code'),
    message: text('message'),
    detail: text('detail'),
    element: text('element'),
    intuitTid: text('intuit_tid'),
    /**
     * Set when the write went out inside a `/batch` with other records: the batch's own requestid (the one QuickBooks
     * saw and replays; `request_id` stays this record's logical requestid) and this record's `bId` in it.
     */
    batchRequestId: text('batch_request_id'),
    batchItemId: text('batch_item_id'),
  },
  (t) => [uniqueIndex('sync_attempts_wf_attempt_idx').on(t.workflowId, t.attemptNo, t.activityAttempt), index('sync_attempts_tenant_idx').on(t.tenantId, t.startedAt)],
);
/** A row of the attempt ledger. The batch columns are optional so rows built by hand (fixtures) need not name them. */
export type AttemptRow = Omit<typeof syncAttempts.$inferSelect, 'batchRequestId' | 'batchItemId'> &
  Partial<Pick<typeof syncAttempts.$inferSelect, 'batchRequestId' | 'batchItemId'>>;
export type AttemptInsert = Omit<AttemptEvidence, 'startedAt' | 'finishedAt'>;

/** The timeline of a sync: what the workflow did and who did what, in order. */
export const syncEvents = pgTable(
  'sync_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workflowId: text('workflow_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    at: ts('at').notNull(),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    actor: text('actor').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [uniqueIndex('sync_events_wf_seq_idx').on(t.workflowId, t.seq), index('sync_events_tenant_at_idx').on(t.tenantId, t.at)],
);

/** Every human action and automatic escalation. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id'),
    at: ts('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    succeeded: boolean('succeeded').notNull().default(true),
  },
  (t) => [index('audit_events_tenant_at_idx').on(t.tenantId, t.at)],
);

/** AWRA value → QuickBooks entity, per tenant and mapping kind (DESIGN.md §8 "Mapping kinds"). */
export const mappings = pgTable(
  'mappings',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    kind: text('kind').notNull(),
    sourceKey: text('source_key').notNull(),
    qboId: text('qbo_id').notNull(),
    qboName: text('qbo_name'),
    /** active, or stale when the QuickBooks entity became inactive, deleted or merged. */
    status: text('status', { enum: ['active', 'stale'] }).notNull().default('active'),
    staleReason: text('stale_reason'),
    /** Who set it: a person, or "sync" when a synced master record wrote its own mapping. */
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind, t.sourceKey] }), index('mappings_qbo_idx').on(t.tenantId, t.qboId)],
);

/** A tenant's QuickBooks company and its OAuth tokens (encrypted at rest; see runtime/secrets.ts). */
export const qboConnections = pgTable('qbo_connections', {
  tenantId: text('tenant_id').primaryKey().references(() => tenants.id),
  realmId: text('realm_id').notNull(),
  /** API base URL: Intuit's sandbox or production host, or the local simulator. */
  baseUrl: text('base_url').notNull(),
  environment: text('environment', { enum: ['sandbox', 'production', 'simulator'] }).notNull(),
  accessToken: text('access_token').notNull(),
  refreshToken: text('refresh_token').notNull(),
  accessTokenExpiresAt: ts('access_token_expires_at').notNull(),
  refreshTokenExpiresAt: ts('refresh_token_expires_at').notNull(),
  refreshTokenHardExpiresAt: ts('refresh_token_hard_expires_at'),
  scopes: text('scopes').notNull().default('com.intuit.quickbooks.accounting'),
  status: text('status', { enum: ['healthy', 'refresh_due', 'needs_reauth', 'revoked'] }).notNull().default('healthy'),
  /** Client credentials of the simulator company (development only; Intuit apps use config). */
  clientId: text('client_id'),
  clientSecret: text('client_secret'),
  lastRefreshAt: ts('last_refresh_at'),
  lastSuccessAt: ts('last_success_at'),
  lastError: text('last_error'),
  lastErrorAt: ts('last_error_at'),
  connectedAt: ts('connected_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** A cached copy of a realm's QuickBooks lists, refreshed by query, CDC and webhooks, to see stale mappings early. */
export const qboRefs = pgTable(
  'qbo_refs',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    entity: text('entity').notNull(),
    qboId: text('qbo_id').notNull(),
    name: text('name').notNull(),
    active: boolean('active').notNull(),
    /** active, inactive, or deleted (CDC "Deleted" stubs / a merged-away entity). */
    status: text('status', { enum: ['active', 'inactive', 'deleted'] }).notNull(),
    syncToken: text('sync_token'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    qboUpdatedAt: ts('qbo_updated_at'),
    refreshedAt: ts('refreshed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.entity, t.qboId] }), index('qbo_refs_name_idx').on(t.tenantId, t.entity, t.name)],
);

/** Where each realm's reference cache stands (first full load, then CDC from this point). */
export const qboRefState = pgTable('qbo_ref_state', {
  tenantId: text('tenant_id').primaryKey().references(() => tenants.id),
  lastFullLoadAt: ts('last_full_load_at'),
  lastChangeSince: ts('last_change_since'),
  lastRefreshAt: ts('last_refresh_at'),
  lastError: text('last_error'),
});

/** OAuth `state` values: one-time, short-lived, bound to the browser (a cookie nonce) and admin that started them. */
export const oauthStates = pgTable('oauth_states', {
  state: text('state').primaryKey(),
  tenantId: text('tenant_id').notNull().references(() => tenants.id),
  nonceHash: text('nonce_hash').notNull(),
  actor: text('actor').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
});

/**
 * Failed sign-ins counted per key (`email:<address>` and `ip:<client address>`) in a fixed window. An attempt is
 * counted before its password is checked, so parallel guesses cannot all pass the check first.
 */
export const loginAttempts = pgTable('login_attempts', {
  key: text('key').primaryKey(),
  windowStart: ts('window_start').notNull(),
  attempts: integer('attempts').notNull(),
});

/** QuickBooks webhook deliveries already acted on, by event id (deliveries are retried; each counts once). */
export const webhookEvents = pgTable('webhook_events', {
  eventId: text('event_id').primaryKey(),
  realmIds: text('realm_ids').array().notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
});

/** People who sign in to the console. */
export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'finance'] }).notNull(),
  /** scrypt: `scrypt$N$r$p$salt$hash` (base64). */
  passwordHash: text('password_hash').notNull(),
  /** Null: every tenant. */
  tenantId: text('tenant_id').references(() => tenants.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  disabledAt: ts('disabled_at'),
});

/** Console sessions; only a hash of the session id is stored. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    csrfToken: text('csrf_token').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * Who each tenant tells (domain/notifications.ts `TenantRoutes`): per audience, console users by role, named e-mail
 * addresses and webhook endpoints by name. A tenant without a row for an audience gets `DEFAULT_ROUTES`.
 */
export const notificationRoutes = pgTable(
  'notification_routes',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    audience: text('audience', { enum: AUDIENCES }).notNull(),
    label: text('label'),
    roles: text('roles').array().$type<ConsoleRole[]>().notNull().default(sql`'{}'::text[]`),
    emails: text('emails').array().notNull().default(sql`'{}'::text[]`),
    webhooks: text('webhooks').array().notNull().default(sql`'{}'::text[]`),
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.audience] })],
);

/**
 * A tenant's outgoing webhooks: Slack-compatible JSON, signed with the endpoint's own secret (encrypted at rest like
 * OAuth tokens). Disabled after `disableAfter` failed deliveries in a row, until an admin saves it enabled again.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    url: text('url').notNull(),
    /** The HMAC-SHA256 key, encrypted with TOKEN_ENCRYPTION_KEYS (runtime/secrets.ts). */
    secret: text('secret').notNull(),
    disableAfter: integer('disable_after').notNull().default(10),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    disabledAt: ts('disabled_at'),
    lastStatus: integer('last_status'),
    lastDeliveryAt: ts('last_delivery_at'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_endpoints_name_idx').on(t.tenantId, t.name)],
);

/**
 * The notifications ledger: one row per message, recipient and channel, whatever became of it — sent, failed after
 * its retries, suppressed by the rate limit, or still pending. `dedupe_key` makes a second trigger of the same
 * message find this row instead of sending again. Console rows are what the bell shows (`read_at` once opened).
 */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** Every row of one message shares it (domain/notifications.ts `messageKey`); its notify workflow is named by it. */
    messageKey: text('message_key').notNull(),
    channel: text('channel', { enum: NOTIFY_CHANNELS }).notNull(),
    /** An e-mail address, a console user's e-mail, or a webhook endpoint's name. */
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    trigger: text('trigger', { enum: NOTIFY_TRIGGERS }).notNull(),
    /** The record the message is about, if it is about one. */
    workflowId: text('workflow_id'),
    dedupeKey: text('dedupe_key').notNull().unique(),
    status: text('status', { enum: NOTIFICATION_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    lastError: text('last_error'),
    readAt: ts('read_at'),
  },
  (t) => [
    index('notifications_tenant_idx').on(t.tenantId, t.createdAt),
    index('notifications_recipient_idx').on(t.channel, t.recipient, t.createdAt),
    index('notifications_workflow_idx').on(t.workflowId),
    index('notifications_message_idx').on(t.messageKey),
  ],
);

/** Every delivery attempt of a notification: the evidence (SMTP answer, webhook status code, error). */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    notificationId: bigint('notification_id', { mode: 'number' }).notNull().references(() => notifications.id),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    attempt: integer('attempt').notNull(),
    at: ts('at').notNull().defaultNow(),
    ok: boolean('ok').notNull(),
    statusCode: integer('status_code'),
    detail: text('detail'),
  },
  (t) => [index('notification_deliveries_notification_idx').on(t.notificationId, t.attempt)],
);

/**
 * Every QuickBooks request a worker process was granted, per realm: the budget all worker processes share
 * (qbo/shared-rate-limit.ts, db/queries/realm-budget.ts). While a request runs, `ends_at` is its lease (renewed by
 * its process, so a killed process's slot frees itself); once finished it is the finish time, and the row counts
 * against the rolling window until `ends_at` + the window.
 */
export const qboRealmRequests = pgTable(
  'qbo_realm_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    realmId: text('realm_id').notNull(),
    /** `api` or `batch` (qbo/rate-limit.ts LimitKind). */
    kind: text('kind').notNull(),
    /** The limiter instance (one per worker process) that holds it. */
    holder: text('holder').notNull(),
    startedAt: ts('started_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    finished: boolean('finished').notNull().default(false),
  },
  (t) => [index('qbo_realm_requests_window_idx').on(t.realmId, t.endsAt)],
);

/** A realm's shared 429 cooldown: every worker process pauses new requests until `cooldown_until`. */
export const qboRealmThrottles = pgTable('qbo_realm_throttles', {
  realmId: text('realm_id').primaryKey(),
  strikes: integer('strikes').notNull(),
  lastThrottleAt: ts('last_throttle_at').notNull(),
  cooldownUntil: ts('cooldown_until').notNull(),
});

/** Development only: what the embedded SMTP catcher of `npm start` received (scripts/mail-catcher.ts). */
export const caughtMail = pgTable(
  'caught_mail',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    mailFrom: text('mail_from').notNull(),
    rcptTo: text('rcpt_to').array().notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    messageId: text('message_id'),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('caught_mail_received_idx').on(t.receivedAt)],
);

export type Tenant = typeof tenants.$inferSelect;
export type QboRefRow = typeof qboRefs.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type MappingRow = typeof mappings.$inferSelect;
export type QboConnectionRow = typeof qboConnections.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type SourceRecordRow = typeof sourceRecords.$inferSelect;
export type SyncRow = typeof syncs.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type SyncEventRow = typeof syncEvents.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NotificationRouteRow = typeof notificationRoutes.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationDeliveryRow = typeof notificationDeliveries.$inferSelect;
export type CaughtMailRow = typeof caughtMail.$inferSelect;
