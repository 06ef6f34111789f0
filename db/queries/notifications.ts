import { and, asc, count, desc, eq, gte, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import {
  notificationDeliveries,
  qboConnections,
  notificationRoutes,
  notifications,
  syncAttempts,
  syncs,
  users,
  webhookEndpoints,
  type NotificationDeliveryRow,
  type NotificationRow,
  type WebhookEndpointRow,
} from '../schema.ts';
import { writeAudit } from './audit.ts';
import { AUDIENCES, DEFAULT_ROUTES, type NotificationStatus, type NotifyChannel, type NotifyTrigger, type Person, type TenantRoutes } from '../../domain/notifications.ts';
import type { ExternalRef } from '../../domain/sync.ts';
import type { Drift } from '../../domain/drift.ts';
import type { SecretBox } from '../../runtime/secrets.ts';

/** A tenant's routing: what it saved per audience, the defaults for the rest. */
export async function getRoutes(db: Db, tenantId: string): Promise<TenantRoutes> {
  const rows = await db.select().from(notificationRoutes).where(eq(notificationRoutes.tenantId, tenantId));
  const routes = { ...DEFAULT_ROUTES };
  for (const r of rows) routes[r.audience] = { label: r.label, roles: r.roles, emails: r.emails, webhooks: r.webhooks };
  return routes;
}

/** A webhook endpoint as an admin sets it; `secret` undefined keeps the stored one. */
export interface EndpointInput {
  name: string;
  url: string;
  /** Already encrypted (runtime/secrets.ts); undefined keeps the endpoint's current secret. */
  secret?: string;
  disableAfter: number;
  /** False disables it by hand; true enables a disabled endpoint again (its failure count starts afresh). */
  enabled: boolean;
}

export type PutRoutesOutcome = { ok: true } | { ok: false; fields: Record<string, string> };

/**
 * Replaces a tenant's routing in one transaction: every audience, and the webhook endpoints (one not listed is
 * removed). Audited as `notifications.routes` with what changed (never a secret).
 */
export async function putRoutes(db: Db, tenantId: string, routes: TenantRoutes, endpoints: readonly EndpointInput[], actor: string): Promise<PutRoutesOutcome> {
  return db.transaction(async (tx) => {
    const existing = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId));
    const fields: Record<string, string> = {};
    endpoints.forEach((e, i) => {
      if (e.secret === undefined && !existing.some((x) => x.name === e.name)) fields[`webhooks.${i}.secret`] = 'A new webhook endpoint needs a secret (at least 16 characters).';
    });
    const names = new Set(endpoints.map((e) => e.name));
    for (const a of AUDIENCES) {
      routes[a].webhooks.forEach((w, i) => {
        if (!names.has(w)) fields[`audiences.${a}.webhooks.${i}`] = `No webhook endpoint named "${w}" in this routing.`;
      });
    }
    if (Object.keys(fields).length > 0) return { ok: false, fields };
    const now = new Date();
    for (const audience of AUDIENCES) {
      const r = routes[audience];
      const values = { label: r.label, roles: r.roles, emails: r.emails, webhooks: r.webhooks, updatedBy: actor, updatedAt: now };
      await tx
        .insert(notificationRoutes)
        .values({ tenantId, audience, ...values })
        .onConflictDoUpdate({ target: [notificationRoutes.tenantId, notificationRoutes.audience], set: values });
    }
    const gone = existing.filter((x) => !names.has(x.name)).map((x) => x.id);
    if (gone.length) await tx.delete(webhookEndpoints).where(inArray(webhookEndpoints.id, gone));
    for (const e of endpoints) {
      const before = existing.find((x) => x.name === e.name);
      const state = e.enabled
        ? before?.disabledAt
          ? { disabledAt: null, consecutiveFailures: 0 }
          : {}
        : { disabledAt: before?.disabledAt ?? now };
      if (before) {
        await tx
          .update(webhookEndpoints)
          .set({ url: e.url, disableAfter: e.disableAfter, ...(e.secret !== undefined ? { secret: e.secret } : {}), ...state, updatedAt: now })
          .where(eq(webhookEndpoints.id, before.id));
      } else {
        await tx.insert(webhookEndpoints).values({ tenantId, name: e.name, url: e.url, secret: e.secret!, disableAfter: e.disableAfter, ...(e.enabled ? {} : { disabledAt: now }) });
      }
    }
    await writeAudit(tx, {
      tenantId,
      actor,
      action: 'notifications.routes',
      target: tenantId,
      detail: {
        audiences: Object.fromEntries(AUDIENCES.map((a) => [a, { label: routes[a].label, roles: routes[a].roles, emails: routes[a].emails, webhooks: routes[a].webhooks }])),
        webhooks: endpoints.map((e) => ({ name: e.name, url: e.url, enabled: e.enabled, disableAfter: e.disableAfter, secretChanged: e.secret !== undefined })),
      },
    });
    return { ok: true };
  });
}

export async function listWebhookEndpoints(db: Db, tenantId: string): Promise<WebhookEndpointRow[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId)).orderBy(asc(webhookEndpoints.name));
}

export async function getWebhookEndpoint(db: Db, tenantId: string, name: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.name, name)));
  return row;
}

/**
 * Counts one delivery to an endpoint: a success starts its failure count afresh; a failure adds one and, at
 * `disableAfter` in a row, disables it. Answers whether it is disabled now.
 */
export async function countEndpointDelivery(db: Db, id: number, outcome: { ok: boolean; status: number | null; error: string | null }): Promise<{ disabled: boolean; consecutiveFailures: number }> {
  const now = new Date();
  const [row] = await db
    .update(webhookEndpoints)
    .set(
      outcome.ok
        ? { consecutiveFailures: 0, lastStatus: outcome.status, lastDeliveryAt: now, lastError: null }
        : {
            consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
            disabledAt: sql`case when ${webhookEndpoints.consecutiveFailures} + 1 >= ${webhookEndpoints.disableAfter} then coalesce(${webhookEndpoints.disabledAt}, now()) else ${webhookEndpoints.disabledAt} end`,
            lastStatus: outcome.status,
            lastDeliveryAt: now,
            lastError: outcome.error,
          },
    )
    .where(eq(webhookEndpoints.id, id))
    .returning({ disabledAt: webhookEndpoints.disabledAt, consecutiveFailures: webhookEndpoints.consecutiveFailures });
  return { disabled: Boolean(row?.disabledAt), consecutiveFailures: row?.consecutiveFailures ?? 0 };
}

/** The enabled console users who see the tenant (its own, and those of every tenant): whom routes by role reach. */
export async function routingPeople(db: Db, tenantId: string): Promise<Person[]> {
  return db
    .select({ email: users.email, name: users.name, role: users.role, tenantId: users.tenantId })
    .from(users)
    .where(and(isNull(users.disabledAt), or(isNull(users.tenantId), eq(users.tenantId, tenantId))))
    .orderBy(asc(users.email));
}

/** One ledger row as the plan makes it. */
export interface PlannedNotification {
  tenantId: string;
  messageKey: string;
  channel: NotifyChannel;
  recipient: string;
  subject: string;
  body: string;
  link: string;
  trigger: NotifyTrigger;
  workflowId: string | null;
  dedupeKey: string;
  status: Extract<NotificationStatus, 'pending' | 'suppressed'>;
  lastError?: string;
}

/**
 * Writes the message's rows; a row whose dedupe key exists already (the same message triggered twice, or this plan
 * retried) is left as it is. Answers the message's rows still to deliver.
 */
export async function insertPlanned(db: Db, messageKey: string, rows: readonly PlannedNotification[]): Promise<Array<Pick<NotificationRow, 'id' | 'channel'>>> {
  if (rows.length > 0) {
    await db
      .insert(notifications)
      .values(rows.map((r) => ({ ...r, lastError: r.lastError ?? null })))
      .onConflictDoNothing({ target: notifications.dedupeKey });
  }
  return db
    .select({ id: notifications.id, channel: notifications.channel })
    .from(notifications)
    .where(and(eq(notifications.messageKey, messageKey), eq(notifications.status, 'pending')))
    .orderBy(asc(notifications.id));
}

/** How many of the given triggers a person was sent (or is being sent) on a channel since `since`: the rate limit's count. */
export async function sentTo(db: Db, channel: NotifyChannel, recipient: string, triggers: readonly NotifyTrigger[], since: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(
      and(
        eq(notifications.channel, channel),
        eq(notifications.recipient, recipient),
        inArray(notifications.trigger, [...triggers]),
        inArray(notifications.status, ['pending', 'sent']),
        gte(notifications.createdAt, since),
      ),
    );
  return row?.n ?? 0;
}

export async function getNotification(db: Db, id: number): Promise<NotificationRow | undefined> {
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  return row;
}

/**
 * One delivery attempt as evidence: its row in the delivery log, and the ledger row's attempts, status (sent once
 * one succeeded) and last error. Idempotent per (notification, attempt): a retried write of the same attempt adds
 * nothing.
 */
export async function recordDelivery(
  db: Db,
  n: Pick<NotificationRow, 'id' | 'tenantId'>,
  d: { attempt: number; ok: boolean; statusCode?: number | null; detail: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [seen] = await tx
      .select({ id: notificationDeliveries.id })
      .from(notificationDeliveries)
      .where(and(eq(notificationDeliveries.notificationId, n.id), eq(notificationDeliveries.attempt, d.attempt)));
    if (!seen) {
      await tx.insert(notificationDeliveries).values({ notificationId: n.id, tenantId: n.tenantId, attempt: d.attempt, ok: d.ok, statusCode: d.statusCode ?? null, detail: d.detail });
    }
    await tx
      .update(notifications)
      .set({
        attempts: sql`greatest(${notifications.attempts}, ${d.attempt})`,
        ...(d.ok ? { status: 'sent' as const, sentAt: new Date(), lastError: null } : { lastError: d.detail }),
      })
      .where(and(eq(notifications.id, n.id), ne(notifications.status, 'sent')));
  });
}

/** The delivery gave up (retries ran out, or it can never succeed): the row says so, with why. */
export async function markNotificationFailed(db: Db, id: number, error: string): Promise<void> {
  await db
    .update(notifications)
    .set({ status: 'failed', lastError: error })
    .where(and(eq(notifications.id, id), eq(notifications.status, 'pending')));
}

/** The ledger of a tenant, newest first. */
export async function listNotifications(db: Db, tenantId: string, opts: { limit?: number; offset?: number } = {}): Promise<NotificationRow[]> {
  return db
    .select()
    .from(notifications)
    .where(eq(notifications.tenantId, tenantId))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(opts.limit ?? 100)
    .offset(opts.offset ?? 0);
}

/** The in-console notifications of a signed-in person (by their e-mail), newest first. */
export async function consoleInbox(db: Db, email: string, limit = 20): Promise<NotificationRow[]> {
  return db
    .select()
    .from(notifications)
    .where(and(eq(notifications.channel, 'console'), eq(notifications.recipient, email), eq(notifications.status, 'sent')))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit);
}

export async function unreadCount(db: Db, email: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.channel, 'console'), eq(notifications.recipient, email), eq(notifications.status, 'sent'), isNull(notifications.readAt)));
  return row?.n ?? 0;
}

/** Marks a person's in-console notifications read (only theirs): these ids, or all of them. */
export async function markRead(db: Db, email: string, ids?: readonly number[]): Promise<number> {
  const rows = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(
      and(
        eq(notifications.channel, 'console'),
        eq(notifications.recipient, email),
        isNull(notifications.readAt),
        ...(ids ? [inArray(notifications.id, ids.length ? [...ids] : [-1])] : []),
      ),
    )
    .returning({ id: notifications.id });
  return rows.length;
}

/** A notification about a record with its delivery attempts. */
export type RecordNotification = NotificationRow & { deliveries: NotificationDeliveryRow[] };

/** The notifications about one record, each with its delivery attempts: evidence for the record's timeline. */
export async function notificationsForRecord(db: Db, workflowId: string): Promise<RecordNotification[]> {
  const rows = await db.select().from(notifications).where(eq(notifications.workflowId, workflowId)).orderBy(asc(notifications.id));
  if (rows.length === 0) return [];
  const deliveries = await db
    .select()
    .from(notificationDeliveries)
    .where(inArray(notificationDeliveries.notificationId, rows.map((r) => r.id)))
    .orderBy(asc(notificationDeliveries.attempt));
  return rows.map((r) => ({ ...r, deliveries: deliveries.filter((d) => d.notificationId === r.id) }));
}

/** What a message about one record says of it: the projection and its attempt ledger. */
export interface RecordForMessage {
  tenantId: string;
  workflowId: string;
  number: string;
  recordType: string;
  state: string;
  failureClass: string | null;
  owner: string | null;
  actionNeeded: string | null;
  amountMinor: number | null;
  currency: string | null;
  blockedSince: Date | null;
  retryCount: number;
  assignee: string | null;
  externalRef: ExternalRef | null;
  drift: Drift | null;
  attempts: number;
  last: { code: string | null; message: string | null; detail: string | null; httpStatus: number } | null;
}

export async function recordForMessage(db: Db, workflowId: string): Promise<RecordForMessage | undefined> {
  const [row] = await db.select().from(syncs).where(eq(syncs.workflowId, workflowId));
  if (!row) return undefined;
  const [[counted], [last]] = await Promise.all([
    db.select({ n: count() }).from(syncAttempts).where(eq(syncAttempts.workflowId, workflowId)),
    db
      .select({ code: syncAttempts.code, message: syncAttempts.message, detail: syncAttempts.detail, httpStatus: syncAttempts.httpStatus })
      .from(syncAttempts)
      .where(eq(syncAttempts.workflowId, workflowId))
      .orderBy(desc(syncAttempts.attemptNo), desc(syncAttempts.activityAttempt))
      .limit(1),
  ]);
  return {
    tenantId: row.tenantId,
    workflowId,
    number: row.number,
    recordType: row.recordType,
    state: row.state,
    failureClass: row.failureClass,
    owner: row.owner,
    actionNeeded: row.actionNeeded,
    amountMinor: row.amountMinor,
    currency: row.currency,
    blockedSince: row.blockedSince,
    retryCount: row.retryCount,
    assignee: row.assignee,
    externalRef: row.externalRef ?? null,
    drift: row.drift ?? null,
    attempts: counted?.n ?? 0,
    last: last ?? null,
  };
}

/** A record waiting for a person: assigned or escalated to them, or unassigned and owned by their role. */
export interface WaitingRecord {
  workflowId: string;
  number: string;
  recordType: string;
  owner: string | null;
  assignee: string | null;
  escalatedTo: string | null;
  actionNeeded: string | null;
  blockedSince: Date | null;
}

/** What waits for `person` in the tenant, oldest first (at most `limit`), and how many in all: their digest. */
export async function waitingFor(db: Db, tenantId: string, person: Person, limit = 25): Promise<{ records: WaitingRecord[]; total: number }> {
  const names = [person.email.toLowerCase(), person.name.trim().toLowerCase()];
  const mine = or(
    inArray(sql`lower(${syncs.assignee})`, names),
    inArray(sql`lower(${syncs.escalatedTo})`, names),
    and(isNull(syncs.assignee), eq(syncs.owner, person.role)),
  );
  const where = and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'blocked'), mine);
  const [records, [total]] = await Promise.all([
    db
      .select({
        workflowId: syncs.workflowId,
        number: syncs.number,
        recordType: syncs.recordType,
        owner: syncs.owner,
        assignee: syncs.assignee,
        escalatedTo: syncs.escalatedTo,
        actionNeeded: syncs.actionNeeded,
        blockedSince: syncs.blockedSince,
      })
      .from(syncs)
      .where(where)
      .orderBy(asc(syncs.blockedSince), asc(syncs.number))
      .limit(limit),
    db.select({ n: count() }).from(syncs).where(where),
  ]);
  return { records, total: total?.n ?? 0 };
}

/** When the tenant's QuickBooks connection reaches Intuit's five-year limit (a healthy one only), if known. */
export async function reconnectDeadline(db: Db, tenantId: string): Promise<Date | null> {
  const [row] = await db
    .select({ due: qboConnections.refreshTokenHardExpiresAt })
    .from(qboConnections)
    .where(and(eq(qboConnections.tenantId, tenantId), inArray(qboConnections.status, ['healthy', 'refresh_due'])));
  return row?.due ?? null;
}

/** What a webhook endpoint's encrypted secret is bound to (runtime/secrets.ts AAD): its tenant and name. */
export function webhookSecretAad(tenantId: string, name: string): string {
  return `${tenantId}:webhook_secret:${name}`;
}

/**
 * Rewrites every webhook secret made with an older key (or format) under the current key, as `npm run
 * tokens:reencrypt` does for OAuth tokens; a secret someone changed meanwhile is left to them. Returns how many.
 */
export async function reencryptWebhookSecrets(db: Db, box: SecretBox): Promise<number> {
  const rows = await db.select({ id: webhookEndpoints.id, tenantId: webhookEndpoints.tenantId, name: webhookEndpoints.name, secret: webhookEndpoints.secret }).from(webhookEndpoints);
  let changed = 0;
  for (const r of rows) {
    if (!box.isStale(r.secret)) continue;
    const aad = webhookSecretAad(r.tenantId, r.name);
    const updated = await db
      .update(webhookEndpoints)
      .set({ secret: box.encrypt(box.decrypt(r.secret, aad), aad) })
      .where(and(eq(webhookEndpoints.id, r.id), eq(webhookEndpoints.secret, r.secret)))
      .returning({ id: webhookEndpoints.id });
    changed += updated.length;
  }
  return changed;
}
