import { createHmac } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { authorizationBlocks } from '../db/queries/console.ts';
import {
  countEndpointDelivery,
  getNotification,
  getRoutes,
  getWebhookEndpoint,
  insertPlanned,
  listWebhookEndpoints,
  markNotificationFailed,
  recordDelivery,
  reconnectDeadline,
  recordForMessage,
  routingPeople,
  sentTo,
  waitingFor,
  webhookSecretAad,
  type PlannedNotification,
  type RecordForMessage,
} from '../db/queries/notifications.ts';
import { encodeGroupKey, queueGroup } from '../db/queries/queue.ts';
import { getTenant } from '../db/queries/tenants.ts';
import type { Tenant } from '../db/schema.ts';
import { ErrorTypes } from '../domain/errors.ts';
import {
  assignmentMessage,
  authorizationMessage,
  dedupeKey,
  digestMessage,
  escalationMessage,
  messageKey,
  personRecipients,
  RATE_LIMIT,
  ROOT_CAUSE_GRACE_SECONDS,
  rateLimitApplies,
  rateLimited,
  rateLimitNote,
  recipientsFor,
  resolveContact,
  rootCauseMessage,
  routeContact,
  webhookPayload,
  type Audience,
  type EscalationEvidence,
  type Message,
  type NotifyChannel,
  type NotifyInput,
  type NotifyRequest,
  type NotifyRetry,
  type Person,
  type Recipient,
  type RecordFacts,
  type TenantRoutes,
} from '../domain/notifications.ts';
import type { RootCause } from '../domain/queue.ts';
import { MAPPING_KINDS, type FailureClass, type RecordType } from '../domain/vocabulary.ts';
import type { Mailer } from '../runtime/mailer.ts';
import { MailRefused } from '../runtime/mailer.ts';
import type { SecretBox } from '../runtime/secrets.ts';
import { startNotification } from '../services/notifications.ts';

export interface NotifyActivityDeps {
  db: Db;
  /** SMTP (runtime/mailer.ts); without it e-mail rows are recorded as suppressed, saying so. */
  mailer?: Mailer;
  /** The From of every e-mail (NOTIFY_FROM). */
  mailFrom?: string;
  /** Where people open the console: every message links into it (CONSOLE_URL). */
  consoleUrl?: string;
  /** Decrypts webhook endpoints' secrets (TOKEN_ENCRYPTION_KEYS). */
  secrets?: SecretBox;
  /** The retry policy given to the notify workflows this worker starts (tests shrink it). */
  notifyRetry?: NotifyRetry;
  /** Seconds a root-cause message waits before it is composed (NOTIFY_GRACE_SECONDS; default 120). */
  rootCauseGraceSeconds?: number;
  /** Milliseconds a webhook receiver may take to answer (default 10 s). */
  webhookTimeoutMs?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/** A record in a message, from the projection. */
function factsOf(r: RecordForMessage): RecordFacts {
  return {
    number: r.number,
    recordType: r.recordType as RecordType,
    state: r.state,
    failureClass: r.failureClass as FailureClass | null,
    owner: r.owner,
    actionNeeded: r.actionNeeded,
    amountMinor: r.amountMinor,
    currency: r.currency,
    blockedSince: r.blockedSince?.toISOString() ?? null,
  };
}

/** The evidence an escalation carries, in sentences. */
function evidenceOf(r: RecordForMessage): EscalationEvidence {
  const ref = r.externalRef;
  const externalRefStatus = !ref
    ? 'not in QuickBooks yet'
    : ref.voided
      ? `${ref.entity} ${ref.qboId}, ${ref.voided} there to match AWRA`
      : r.drift
        ? `${ref.entity} ${ref.qboId}, ${r.drift.kind} in QuickBooks after the sync`
        : `${ref.entity} ${ref.qboId}${ref.docNumber ? ` (${ref.docNumber})` : ''}`;
  const last = r.last;
  const lastProviderMessage = last
    ? [last.code ? `QuickBooks error ${last.code}` : last.httpStatus ? `HTTP ${last.httpStatus}` : 'No answer', last.message, last.detail].filter(Boolean).join(': ')
    : null;
  return { attempts: r.attempts, retryCount: r.retryCount, lastProviderMessage, externalRefStatus };
}

export function createNotifyActivities(deps: NotifyActivityDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const consoleUrl = (deps.consoleUrl ?? 'http://localhost:3000').replace(/\/+$/, '');
  const recordLink = (workflowId: string) => `${consoleUrl}/records/${encodeURIComponent(workflowId)}`;
  const mailFrom = deps.mailFrom ?? 'QBO Sync Health <notifications@localhost>';

  /** The admin route and its people, or an audience's, in one read. */
  const audienceOf = (routes: TenantRoutes, people: readonly Person[], tenantId: string, audience: Audience) => recipientsFor(routes[audience], people, tenantId);

  /** The root cause a mapping message is about, as the action queue groups it. */
  const causeOf = (tenantId: string, c: { refKind: string; refKey: string; problem: string }): RootCause => ({
    tenantId,
    cause: 'mapping',
    refKind: c.refKind,
    refKey: c.refKey,
    code: c.problem,
    failureClass: 'mapping',
  });

  /** Whom the message reaches and what it says, read at send time; undefined when there is nothing to say any more. */
  async function compose(input: NotifyInput, tenant: Tenant, routes: TenantRoutes, people: Person[]): Promise<{ message: Message; recipients: Recipient[]; workflowId: string | null } | undefined> {
    const { tenantId, about } = input;
    switch (about.trigger) {
      case 'root_cause': {
        const rc = causeOf(tenantId, about.cause);
        const found = await queueGroup(db, { tenantId }, rc, { limit: 5 });
        // Fixed before the message went out: nothing to tell.
        if (!found) return undefined;
        const { group } = found;
        const fixLink = (MAPPING_KINDS as readonly string[]).includes(about.cause.refKind)
          ? `${consoleUrl}/mappings?${new URLSearchParams({ tenantId, kind: about.cause.refKind, key: about.cause.refKey })}`
          : `${consoleUrl}/queue?${new URLSearchParams({ group: encodeGroupKey(rc) })}`;
        const message = rootCauseMessage({
          rc,
          breakdown: group.breakdown,
          amounts: group.amounts,
          tenantName: tenant.name,
          fixLink,
          records: group.preview.map((r) => ({ number: r.number, link: recordLink(r.workflowId) })),
          more: Math.max(0, found.total - group.preview.length),
        });
        return { message, recipients: audienceOf(routes, people, tenantId, 'admin'), workflowId: about.workflowId };
      }
      case 'assignment': {
        const r = await recordForMessage(db, about.workflowId);
        if (!r) return undefined;
        const contact = resolveContact(about.assignee, routes, people, tenantId);
        const recipients = !contact ? [] : 'address' in contact ? personRecipients(contact.address, people, tenantId) : audienceOf(routes, people, tenantId, contact.audience);
        const message = assignmentMessage({ record: factsOf(r), assignee: about.assignee, actor: about.actor, link: recordLink(about.workflowId) });
        return { message, recipients, workflowId: about.workflowId };
      }
      case 'escalation': {
        const r = await recordForMessage(db, about.workflowId);
        if (!r) return undefined;
        const link = recordLink(about.workflowId);
        if (about.level === 'manual') {
          // The `to` of the escalation: a route's audience, a person, or else the tenant's level-1 contact.
          const contact = resolveContact(about.to, routes, people, tenantId) ?? { audience: 'escalation_1' as const };
          const recipients = 'address' in contact ? personRecipients(contact.address, people, tenantId) : audienceOf(routes, people, tenantId, contact.audience);
          const message = escalationMessage({ record: factsOf(r), evidence: evidenceOf(r), level: 'manual', contact: about.to, note: about.note, actor: about.actor, link });
          return { message, recipients, workflowId: about.workflowId };
        }
        const audience: Audience = about.level === 1 ? 'escalation_1' : 'escalation_2';
        const message = escalationMessage({ record: factsOf(r), evidence: evidenceOf(r), level: about.level, contact: routeContact(audience, routes[audience]), link });
        return { message, recipients: audienceOf(routes, people, tenantId, audience), workflowId: about.workflowId };
      }
      case 'authorization': {
        const blocked = (await authorizationBlocks(db, [tenantId])).get(tenantId) ?? 0;
        const link = `${consoleUrl}/connections`;
        const message =
          about.problem === 'refresh_failed'
            ? authorizationMessage({ tenantName: tenant.name, problem: 'refresh_failed', detail: about.detail, blocked, link })
            : authorizationMessage({ tenantName: tenant.name, problem: 'reconnect_due', daysLeft: Math.max(0, Math.ceil((new Date(about.dueAt).getTime() - now().getTime()) / DAY_MS)), blocked, link });
        return { message, recipients: audienceOf(routes, people, tenantId, 'admin'), workflowId: null };
      }
      case 'digest': {
        const person = people.find((p) => p.email === about.person);
        if (!person) return undefined;
        const waiting = await waitingFor(db, tenantId, person);
        if (waiting.total === 0) return undefined;
        const items = waiting.records.map((w) => ({
          number: w.number,
          recordType: w.recordType as RecordType,
          why: w.assignee ? 'assigned to you' : w.escalatedTo ? `escalated to ${w.escalatedTo}` : `owner ${w.owner}`,
          actionNeeded: w.actionNeeded,
          blockedSince: w.blockedSince?.toISOString() ?? null,
          link: recordLink(w.workflowId),
        }));
        const message = digestMessage({ name: person.name, tenantName: tenant.name, day: about.day, items, total: waiting.total, link: `${consoleUrl}/queue?${new URLSearchParams({ tenantId })}` });
        return { message, recipients: personRecipients(person.email, people, tenantId), workflowId: null };
      }
    }
  }

  /** Why a row is recorded but not delivered, if it is not: e-mail off, endpoint gone or disabled, rate limit. */
  async function holdBack(tenantId: string, trigger: NotifyInput['about']['trigger'], r: Recipient, endpoints: Map<string, { disabledAt: Date | null }>): Promise<string | undefined> {
    if (r.channel === 'email' && !deps.mailer) return 'E-mail is off: SMTP_URL is not set.';
    if (r.channel === 'webhook') {
      const e = endpoints.get(r.address);
      if (!e) return `No webhook endpoint named "${r.address}".`;
      if (e.disabledAt) return `Webhook endpoint "${r.address}" is disabled after repeated failures; an admin enables it again on the Notifications page.`;
      return undefined;
    }
    if (!rateLimitApplies(trigger, r.channel)) return undefined;
    const sent = await sentTo(db, r.channel, r.address, ['root_cause', 'assignment'], new Date(now().getTime() - RATE_LIMIT.windowMs));
    return rateLimited(trigger, r.channel, sent) ? rateLimitNote(sent) : undefined;
  }

  /** Records one attempt; a permanent failure is thrown as not worth retrying, anything else for Temporal to retry. */
  async function attempted(n: { id: number; tenantId: string }, outcome: { ok: boolean; statusCode?: number | null; detail: string; permanent?: boolean }): Promise<void> {
    const attempt = Context.current().info.attempt;
    await recordDelivery(db, n, { attempt, ok: outcome.ok, statusCode: outcome.statusCode ?? null, detail: outcome.detail });
    if (outcome.ok) return;
    throw ApplicationFailure.create({ type: outcome.permanent ? ErrorTypes.NotificationUndeliverable : 'NotificationFailed', message: outcome.detail, nonRetryable: outcome.permanent ?? false });
  }

  /** The ledger row a channel activity delivers, or undefined when it was delivered (or given up) already. */
  async function pending(id: number) {
    const n = await getNotification(db, id);
    return n && n.status === 'pending' ? n : undefined;
  }

  return {
    /**
     * A workflow (a record's sync, a connection, the digest Schedule) asks for a message: it is keyed
     * (domain/notifications.ts `messageKey`) and its delivery started, or joined when it runs already. Answers the
     * contact the message goes to, in words ("finance controller"), for the record's "escalated to".
     */
    async requestNotification(req: NotifyRequest): Promise<{ workflowId: string | null; contact: string }> {
      const { tenantId, about } = req;
      let occurrence: string | undefined;
      if (about.trigger === 'root_cause') {
        const found = await queueGroup(db, { tenantId }, causeOf(tenantId, about.cause), { limit: 1 });
        if (!found) return { workflowId: null, contact: '' };
        occurrence = (found.group.oldestBlockedSince ?? now()).toISOString().slice(0, 10);
      }
      let contact = '';
      if (about.trigger === 'escalation') {
        if (about.level === 'manual') contact = about.to;
        else {
          const audience: Audience = about.level === 1 ? 'escalation_1' : 'escalation_2';
          contact = routeContact(audience, (await getRoutes(db, tenantId))[audience]);
        }
      }
      const ctx = Context.current();
      const workflowId = await startNotification(ctx.client, ctx.info.taskQueue, {
        ...req,
        messageKey: messageKey(tenantId, about, occurrence),
        ...(about.trigger === 'root_cause' ? { holdSeconds: deps.rootCauseGraceSeconds ?? ROOT_CAUSE_GRACE_SECONDS } : {}),
        ...(deps.notifyRetry ? { retry: deps.notifyRetry } : {}),
      });
      return { workflowId, contact };
    },

    /**
     * The message's text (read now, so it names the blast radius as it is when it goes out) and one ledger row per
     * recipient and channel. Rows found from an earlier trigger of the same message are not written again; what is
     * still pending is answered for delivery.
     */
    async planNotification(input: NotifyInput): Promise<{ deliveries: Array<{ id: number; channel: NotifyChannel }>; suppressed: number }> {
      const tenant = await getTenant(db, input.tenantId);
      if (!tenant) return { deliveries: [], suppressed: 0 };
      const [routes, people, endpointRows] = await Promise.all([getRoutes(db, input.tenantId), routingPeople(db, input.tenantId), listWebhookEndpoints(db, input.tenantId)]);
      const composed = await compose(input, tenant, routes, people);
      if (!composed) return { deliveries: [], suppressed: 0 };
      const endpoints = new Map(endpointRows.map((e) => [e.name, e]));
      const rows: PlannedNotification[] = [];
      for (const r of composed.recipients) {
        const held = await holdBack(input.tenantId, input.about.trigger, r, endpoints);
        rows.push({
          tenantId: input.tenantId,
          messageKey: input.messageKey,
          channel: r.channel,
          recipient: r.address,
          ...composed.message,
          trigger: input.about.trigger,
          workflowId: composed.workflowId,
          dedupeKey: dedupeKey(input.messageKey, r),
          status: held ? 'suppressed' : 'pending',
          ...(held ? { lastError: held } : {}),
        });
      }
      const deliveries = await insertPlanned(db, input.messageKey, rows);
      return { deliveries, suppressed: rows.filter((r) => r.status === 'suppressed').length };
    },

    /** One e-mail through SMTP; the server's answer is the attempt's evidence. */
    async sendEmailNotification(input: { id: number }): Promise<void> {
      const n = await pending(input.id);
      if (!n) return;
      if (!deps.mailer) return attempted(n, { ok: false, detail: 'E-mail is off: SMTP_URL is not set.', permanent: true });
      try {
        const receipt = await deps.mailer.send({
          from: mailFrom,
          to: n.recipient,
          subject: n.subject,
          text: n.body,
          headers: { 'X-QSH-Notification': String(n.id), 'X-QSH-Trigger': n.trigger, ...(n.workflowId ? { 'X-QSH-Workflow-Id': n.workflowId } : {}) },
        });
        await attempted(n, { ok: true, detail: receipt.response || `accepted as ${receipt.messageId}` });
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        const refused = err instanceof MailRefused ? err : undefined;
        await attempted(n, { ok: false, statusCode: refused?.responseCode ?? null, detail: (err as Error).message, permanent: refused?.permanent ?? false });
      }
    },

    /**
     * One POST to a webhook endpoint: Slack-compatible JSON, signed `X-QSH-Signature: sha256=<hex>` over
     * `<X-QSH-Timestamp>.<body>` with the endpoint's secret. A 2xx is delivered; anything else counts against the
     * endpoint, which is disabled after its limit of failures in a row (then nothing more is tried).
     */
    async postWebhookNotification(input: { id: number }): Promise<void> {
      const n = await pending(input.id);
      if (!n) return;
      const endpoint = await getWebhookEndpoint(db, n.tenantId, n.recipient);
      if (!endpoint) return attempted(n, { ok: false, detail: `The webhook endpoint "${n.recipient}" was removed.`, permanent: true });
      if (endpoint.disabledAt) return attempted(n, { ok: false, detail: `The webhook endpoint "${n.recipient}" is disabled.`, permanent: true });
      if (!deps.secrets) return attempted(n, { ok: false, detail: 'Webhook secrets cannot be read: TOKEN_ENCRYPTION_KEYS is not given to this worker.', permanent: true });
      const body = JSON.stringify(webhookPayload({ subject: n.subject, body: n.body, link: n.link ?? consoleUrl }, { trigger: n.trigger, tenantId: n.tenantId, workflowId: n.workflowId, id: n.id }));
      const timestamp = String(Math.floor(now().getTime() / 1000));
      const signature = createHmac('sha256', deps.secrets.decrypt(endpoint.secret, webhookSecretAad(n.tenantId, endpoint.name))).update(`${timestamp}.${body}`).digest('hex');
      let status: number | null = null;
      let detail: string;
      try {
        const res = await fetch(endpoint.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-qsh-timestamp': timestamp, 'x-qsh-signature': `sha256=${signature}`, 'x-qsh-notification': String(n.id) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.webhookTimeoutMs ?? 10_000),
        });
        status = res.status;
        detail = `HTTP ${res.status}${(await res.text().catch(() => '')).slice(0, 200).replace(/^(.+)$/s, ': $1')}`;
      } catch (err) {
        detail = `No answer: ${(err as Error).message}`;
      }
      const ok = status !== null && status >= 200 && status < 300;
      const counted = await countEndpointDelivery(db, endpoint.id, { ok, status, error: ok ? null : detail });
      // A receiver that says the request itself is wrong (4xx other than timeout / too many) will say so again.
      const refused = status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
      await attempted(n, {
        ok,
        statusCode: status,
        detail: counted.disabled && !ok ? `${detail}; endpoint disabled after ${counted.consecutiveFailures} failed deliveries in a row` : detail,
        permanent: counted.disabled || refused,
      });
    },

    /** In the console: the row is the notification; delivering it makes it show under the person's bell. */
    async deliverConsoleNotification(input: { id: number }): Promise<void> {
      const n = await pending(input.id);
      if (n) await attempted(n, { ok: true, detail: 'shown in the console' });
    },

    /** The delivery gave up: the ledger row says failed, with the last error. */
    async notificationFailed(input: { id: number; error: string }): Promise<void> {
      await markNotificationFailed(db, input.id, input.error);
    },

    /** The people of a tenant with something waiting for them today: each gets a digest. */
    async digestRecipients(input: { tenantId: string }): Promise<string[]> {
      const people = await routingPeople(db, input.tenantId);
      const out: string[] = [];
      for (const p of people) if ((await waitingFor(db, input.tenantId, p, 1)).total > 0) out.push(p.email);
      return out;
    },

    /** When the tenant's connection reaches Intuit's five-year limit, if that is within `withinDays`. */
    async reconnectDue(input: { tenantId: string; withinDays: number }): Promise<string | null> {
      const due = await reconnectDeadline(db, input.tenantId);
      if (!due || due.getTime() - now().getTime() > input.withinDays * DAY_MS) return null;
      return due.toISOString();
    },
  };
}
