import type { MoneyTotal } from './mapping-health.ts';
import { formatMoney } from './money.ts';
import { blastRadius, rootCauseHeadline, rootCauseTitle, REF_KIND_NAMES, type RootCause, type RootCauseBreakdown } from './queue.ts';
import { FAILURE_CLASS_LABELS, RECORD_TYPE_LABELS, type FailureClass, type RecordType } from './vocabulary.ts';

/**
 * Who is told what, and in which words (issue 17). Pure rules: what starts a message (its trigger), whom a tenant
 * routes it to, the text a finance clerk reads (always saying who owns the next step and linking to it), the key
 * that makes one message per root cause per recipient rather than one per record, and the per-person rate limit.
 * Delivery itself is the `notify` workflow's (workflows/notify.ts) and its activities' (activities/notify.ts).
 */

export const NOTIFY_TRIGGERS = ['root_cause', 'assignment', 'escalation', 'authorization', 'digest'] as const;
export type NotifyTrigger = (typeof NOTIFY_TRIGGERS)[number];

export const NOTIFY_CHANNELS = ['email', 'webhook', 'console'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed', 'suppressed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** Whom a tenant routes messages to: the owners of a failure class, and the two escalation levels. */
export const AUDIENCES = ['finance', 'admin', 'escalation_1', 'escalation_2'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const AUDIENCE_LABELS: Record<Audience, string> = {
  finance: 'Finance (source data, duplicates, rejections)',
  admin: 'Admins (mappings, the QuickBooks connection)',
  escalation_1: 'Escalation level 1 (SLA breach)',
  escalation_2: 'Escalation level 2 (still open after a second SLA)',
};

export const TRIGGER_LABELS: Record<NotifyTrigger, string> = {
  root_cause: 'New root cause',
  assignment: 'Assignment',
  escalation: 'Escalation',
  authorization: 'QuickBooks connection',
  digest: 'Daily digest',
};

export const CHANNEL_LABELS: Record<NotifyChannel, string> = { email: 'E-mail', webhook: 'Webhook', console: 'In the console' };

export type ConsoleRole = 'admin' | 'finance';
export const CONSOLE_ROLES = ['admin', 'finance'] as const satisfies readonly ConsoleRole[];

/** One audience's route: console users of the tenant by role, named e-mail addresses, webhook endpoints by name. */
export interface AudienceRoute {
  /** How messages and the record name this contact ("Finance controller"); null: described by its recipients. */
  label: string | null;
  roles: ConsoleRole[];
  emails: string[];
  webhooks: string[];
}
export type TenantRoutes = Record<Audience, AudienceRoute>;

/**
 * What a tenant that set nothing gets: each owner's console users, and the admins for both escalation levels
 * (named like the contacts a tenant usually sets there, so the record's "escalated to" reads the same).
 */
export const DEFAULT_ROUTES: TenantRoutes = {
  finance: { label: null, roles: ['finance'], emails: [], webhooks: [] },
  admin: { label: null, roles: ['admin'], emails: [], webhooks: [] },
  escalation_1: { label: 'finance controller', roles: ['admin'], emails: [], webhooks: [] },
  escalation_2: { label: 'finance director', roles: ['admin'], emails: [], webhooks: [] },
};

/** A console user as routing sees them (null tenant: every tenant). */
export interface Person {
  email: string;
  name: string;
  role: ConsoleRole;
  tenantId: string | null;
}

/** One delivery target: an e-mail address, a console user (by e-mail), or a webhook endpoint (by name). */
export interface Recipient {
  channel: NotifyChannel;
  address: string;
}

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function canSee(p: Person, tenantId: string): boolean {
  return p.tenantId === null || p.tenantId === tenantId;
}

function unique(recipients: readonly Recipient[]): Recipient[] {
  const seen = new Set<string>();
  return recipients.filter((r) => {
    const k = `${r.channel}|${r.address.toLowerCase()}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A named person: e-mail, and in the console too when the address is a console user who sees the tenant. */
export function personRecipients(address: string, people: readonly Person[], tenantId: string): Recipient[] {
  const user = people.find((p) => sameAddress(p.email, address) && canSee(p, tenantId));
  const email = user?.email ?? address.trim().toLowerCase();
  return [{ channel: 'email', address: email }, ...(user ? [{ channel: 'console' as const, address: user.email }] : [])];
}

/** Everyone an audience's route reaches, once per channel and address. */
export function recipientsFor(route: AudienceRoute, people: readonly Person[], tenantId: string): Recipient[] {
  const byRole = people.filter((p) => canSee(p, tenantId) && route.roles.includes(p.role)).flatMap((p) => personRecipients(p.email, people, tenantId));
  const named = route.emails.flatMap((e) => personRecipients(e, people, tenantId));
  const hooks = route.webhooks.map((name): Recipient => ({ channel: 'webhook', address: name }));
  return unique([...byRole, ...named, ...hooks]);
}

/** "finance controller", or who the route reaches when it has no label ("the admins", "ada@acme.example"). */
export function routeContact(audience: Audience, route: AudienceRoute): string {
  if (route.label) return route.label;
  const parts = [...route.roles.map((r) => (r === 'admin' ? 'the admins' : 'the finance team')), ...route.emails, ...route.webhooks.map((w) => `webhook ${w}`)];
  return parts.length ? parts.join(', ') : AUDIENCE_LABELS[audience].replace(/ \(.*\)$/, '').toLowerCase();
}

/** What the `to` of a manual escalation names: a route's audience, a person (by e-mail or name), or nothing we know. */
export type Contact = { audience: Audience } | { address: string };

const AUDIENCE_ALIASES: Record<string, Audience> = {
  finance: 'finance',
  admin: 'admin',
  admins: 'admin',
  escalation_1: 'escalation_1',
  'escalation 1': 'escalation_1',
  'level 1': 'escalation_1',
  'escalation level 1': 'escalation_1',
  escalation_2: 'escalation_2',
  'escalation 2': 'escalation_2',
  'level 2': 'escalation_2',
  'escalation level 2': 'escalation_2',
};

export function resolveContact(to: string, routes: TenantRoutes, people: readonly Person[], tenantId: string): Contact | undefined {
  const t = to.trim().toLowerCase();
  if (AUDIENCE_ALIASES[t]) return { audience: AUDIENCE_ALIASES[t] };
  if (/^[^@\s]+@[^@\s]+$/.test(t)) return { address: t };
  const person = people.find((p) => canSee(p, tenantId) && p.name.trim().toLowerCase() === t);
  if (person) return { address: person.email };
  const labelled = AUDIENCES.find((a) => routes[a].label?.trim().toLowerCase() === t);
  return labelled ? { audience: labelled } : undefined;
}

/** The one message per root cause: the mapping a record is missing, as the action queue groups it. */
export interface MappingCause {
  refKind: string;
  refKey: string;
  problem: 'missing' | 'stale' | 'not_synced';
}

/**
 * Whether a mapping gap is a root cause worth telling the admins of. A reference that has not synced *yet* is a record
 * on its way (a payment's invoice, a PO's vendor): it clears by itself, and if it cannot, its own block is the cause.
 */
export function tellsRootCause(problem: MappingCause['problem'] | undefined): boolean {
  return problem !== 'not_synced';
}

/** Seconds a root-cause message waits before it is written: a cause that clears by itself meanwhile is never told. */
export const ROOT_CAUSE_GRACE_SECONDS = 120;

/** What a message is about, as a workflow (or the digest Schedule) asks for it. */
export type NotifyAbout =
  | { trigger: 'root_cause'; cause: MappingCause; workflowId: string }
  | { trigger: 'assignment'; workflowId: string; assignee: string; actor: string; seq: number }
  | { trigger: 'escalation'; workflowId: string; level: 'manual'; to: string; note: string; actor: string; seq: number }
  | { trigger: 'escalation'; workflowId: string; level: 1 | 2; blockedSince: string }
  | { trigger: 'authorization'; problem: 'refresh_failed'; detail: string; day: string }
  | { trigger: 'authorization'; problem: 'reconnect_due'; dueAt: string }
  | { trigger: 'digest'; person: string; day: string };

export interface NotifyRequest {
  tenantId: string;
  about: NotifyAbout;
}

/** The `notify` workflow's input: the request and the message key its workflow id and dedupe keys come from. */
export interface NotifyInput extends NotifyRequest {
  messageKey: string;
  /** Wait this long before composing the message (a root cause's grace period); absent: at once. */
  holdSeconds?: number;
  /** Delivery retry policy per channel; tests shrink it. */
  retry?: NotifyRetry;
}

export interface NotifyRetry {
  initialIntervalMs?: number;
  maximumIntervalMs?: number;
  maximumAttempts?: number;
}

export interface NotifyResult {
  messageKey: string;
  sent: number;
  failed: number;
  suppressed: number;
}

/**
 * The message's identity: a second trigger of the same message gets the same key, so it joins the first delivery
 * (the notify workflow's id) and finds its ledger rows (the dedupe keys) instead of sending again. A root cause is
 * one message however many records it holds; `occurrence` (the day its oldest held record blocked) tells a cause
 * that was fixed and came back on a later day from one that never went away.
 */
export function messageKey(tenantId: string, about: NotifyAbout, occurrence?: string): string {
  switch (about.trigger) {
    case 'root_cause': {
      const c = about.cause;
      return `root_cause:${tenantId}:${c.refKind}:${c.refKey}:${c.problem}:${occurrence ?? ''}`;
    }
    case 'assignment':
      return `assignment:${about.workflowId}:${about.seq}`;
    case 'escalation':
      return about.level === 'manual' ? `escalation:${about.workflowId}:${about.seq}` : `escalation:${about.workflowId}:sla${about.level}:${about.blockedSince}`;
    case 'authorization':
      return about.problem === 'refresh_failed' ? `authorization:${tenantId}:refresh_failed:${about.day}` : `authorization:${tenantId}:reconnect_due:${about.dueAt.slice(0, 10)}`;
    case 'digest':
      return `digest:${tenantId}:${about.person.toLowerCase()}:${about.day}`;
  }
}

/** One ledger row per message, recipient and channel: the row's unique key. */
export function dedupeKey(key: string, r: Recipient): string {
  return `${key}|${r.channel}|${r.address.toLowerCase()}`;
}

/** The notify workflow of a message (`notify:{tenantId}:{messageKey}`): a second start with the same key joins it. */
export function notifyWorkflowId(tenantId: string, key: string): string {
  return `notify:${tenantId}:${key}`;
}

/**
 * At most `max` e-mails per person in `windowMs`, so a bad morning does not bury anyone's inbox: past it, further
 * root-cause and assignment e-mails are recorded as suppressed (the ledger, the bell and the next digest still show
 * what is waiting). Escalations, connection problems and the digest are never suppressed: each is rare, and someone
 * must act on it. The bell is read at the person's own pace, and webhooks are channels, not people: neither is limited.
 */
export const RATE_LIMIT = { windowMs: 3_600_000, max: 10 } as const;
const RATE_LIMITED: readonly NotifyTrigger[] = ['root_cause', 'assignment'];

/** Whether the limit counts this message at all. */
export function rateLimitApplies(trigger: NotifyTrigger, channel: NotifyChannel): boolean {
  return channel === 'email' && RATE_LIMITED.includes(trigger);
}

export function rateLimited(trigger: NotifyTrigger, channel: NotifyChannel, sentInWindow: number, limit: { max: number } = RATE_LIMIT): boolean {
  return rateLimitApplies(trigger, channel) && sentInWindow >= limit.max;
}

export function rateLimitNote(sentInWindow: number, limit: { windowMs: number } = RATE_LIMIT): string {
  return `Not sent: this person already had ${sentInWindow} e-mails in the last ${Math.round(limit.windowMs / 60_000)} minutes; it is in the console and in their digest.`;
}

/** What a message says: its subject line, its text, and the one link to where the next step is taken. */
export interface Message {
  subject: string;
  body: string;
  link: string;
}

/** "May already exist in QuickBooks" inside a sentence: "may already exist in QuickBooks". */
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

const lines = (...parts: Array<string | false | null | undefined>) => parts.filter((p): p is string => typeof p === 'string').join('\n');

/** A record as messages name it. */
export interface RecordFacts {
  number: string;
  recordType: RecordType;
  state: string;
  failureClass: FailureClass | null;
  owner: string | null;
  actionNeeded: string | null;
  amountMinor: number | null;
  currency: string | null;
  blockedSince: string | null;
}

/** What an escalation shows as its evidence (DESIGN.md §3 step 5: "escalate with clear evidence"). */
export interface EscalationEvidence {
  attempts: number;
  retryCount: number;
  /** QuickBooks' last answer in a sentence ("QuickBooks error 6240: Duplicate Document Number Error"), if any. */
  lastProviderMessage: string | null;
  /** Where the record stands in QuickBooks: not there yet, its entity, voided, changed there. */
  externalRefStatus: string;
}

const OWNER_NEXT: Record<string, string> = { finance: 'finance', admin: 'an admin', system: 'nobody yet (automatic retries are running)' };

function recordLine(r: RecordFacts): string {
  const amount = r.amountMinor !== null && r.currency ? `, ${formatMoney(r.amountMinor, r.currency)}` : '';
  const cls = r.failureClass ? ` — ${FAILURE_CLASS_LABELS[r.failureClass]}` : '';
  return `${RECORD_TYPE_LABELS[r.recordType]} ${r.number}${amount}: ${r.state}${cls}`;
}

/** "Item itm-legacy-drum has no QuickBooks mapping — blocks 3 purchase orders, KES 148,000.00", for the admins. */
export function rootCauseMessage(p: {
  rc: RootCause;
  breakdown: readonly RootCauseBreakdown[];
  amounts: readonly MoneyTotal[];
  tenantName: string;
  fixLink: string;
  records: ReadonlyArray<{ number: string; link: string }>;
  more: number;
}): Message {
  const what = `${REF_KIND_NAMES[p.rc.refKind ?? ''] ?? 'Reference'} ${p.rc.refKey ?? ''}`.trim();
  const fix =
    p.rc.code === 'not_synced'
      ? `make ${what} sync to QuickBooks (see why it has not), or map it to the existing QuickBooks entity`
      : p.rc.code === 'stale'
        ? `map ${what} to a QuickBooks entity that is active`
        : `map ${what} to its QuickBooks entity`;
  return {
    subject: rootCauseHeadline(p.rc, p.breakdown, p.amounts),
    link: p.fixLink,
    body: lines(
      `${rootCauseTitle(p.rc)} in ${p.tenantName}, so the records that need it are not sent to QuickBooks: it ${blastRadius(p.breakdown, p.amounts)}.`,
      '',
      `Next step — an admin: ${fix}. Every record waiting on it then continues by itself; nobody needs to retry them.`,
      `Do it here: ${p.fixLink}`,
      '',
      'Held records:',
      ...p.records.map((r) => `- ${r.number}: ${r.link}`),
      p.more > 0 && `- and ${p.more} more in the action queue`,
      '',
      'You get this once for this cause, not once per record.',
    ),
  };
}

export function assignmentMessage(p: { record: RecordFacts; assignee: string; actor: string; link: string }): Message {
  return {
    subject: `${p.record.number} is assigned to you${p.record.failureClass ? `: ${lowerFirst(FAILURE_CLASS_LABELS[p.record.failureClass])}` : ''}`,
    link: p.link,
    body: lines(
      `${p.actor} assigned ${RECORD_TYPE_LABELS[p.record.recordType].toLowerCase()} ${p.record.number} to ${p.assignee}.`,
      '',
      recordLine(p.record),
      p.record.actionNeeded && `What is needed: ${p.record.actionNeeded}`,
      '',
      `Next step — ${p.assignee}: open the record and resolve it: ${p.link}`,
    ),
  };
}

export function escalationMessage(p: {
  record: RecordFacts;
  evidence: EscalationEvidence;
  level: 'manual' | 1 | 2;
  contact: string;
  note?: string;
  actor?: string;
  link: string;
}): Message {
  const why =
    p.level === 'manual'
      ? `${p.actor ?? 'Someone'} escalated ${p.record.number} to ${p.contact}${p.note ? `: “${p.note}”` : '.'}`
      : p.level === 1
        ? `Nobody acted on ${p.record.number} within the tenant's SLA, so it is escalated to ${p.contact} (level 1).`
        : `${p.record.number} is still open a second SLA period after its first escalation, so it is escalated to ${p.contact} (level 2).`;
  const e = p.evidence;
  return {
    subject: `Escalated${p.level === 'manual' ? '' : ` (level ${p.level})`}: ${p.record.number}${p.record.failureClass ? ` — ${lowerFirst(FAILURE_CLASS_LABELS[p.record.failureClass])}` : ''}`,
    link: p.link,
    body: lines(
      why,
      '',
      recordLine(p.record),
      p.record.blockedSince && `Blocked since: ${p.record.blockedSince}`,
      p.record.actionNeeded && `What is needed: ${p.record.actionNeeded}`,
      '',
      'Evidence:',
      `- Attempts sent to QuickBooks: ${e.attempts}`,
      `- Automatic retries: ${e.retryCount}`,
      `- QuickBooks' last message: ${e.lastProviderMessage ?? 'none (nothing was sent, or QuickBooks accepted it)'}`,
      `- In QuickBooks: ${e.externalRefStatus}`,
      '',
      `Next step — ${p.contact} (owner ${OWNER_NEXT[p.record.owner ?? ''] ?? p.record.owner ?? 'unknown'}): decide or act on the record here: ${p.link}`,
    ),
  };
}

export function authorizationMessage(p: { tenantName: string; problem: 'refresh_failed' | 'reconnect_due'; detail?: string; daysLeft?: number; blocked: number; link: string }): Message {
  if (p.problem === 'refresh_failed') {
    return {
      subject: `Reconnect QuickBooks for ${p.tenantName}: the connection was refused`,
      link: p.link,
      body: lines(
        `QuickBooks refused to renew ${p.tenantName}'s connection${p.detail ? ` (${p.detail})` : ''}. Nothing reaches QuickBooks until it is reconnected${p.blocked ? `; ${p.blocked} record(s) wait for it now` : ''}.`,
        '',
        `Next step — an admin: reconnect QuickBooks here: ${p.link}`,
        'Every record waiting on the connection continues by itself afterwards.',
      ),
    };
  }
  return {
    subject: `Reconnect QuickBooks for ${p.tenantName} within ${p.daysLeft ?? 0} day(s)`,
    link: p.link,
    body: lines(
      `${p.tenantName}'s QuickBooks connection reaches Intuit's five-year limit in ${p.daysLeft ?? 0} day(s); after that QuickBooks refuses it and nothing syncs until someone reconnects.`,
      '',
      `Next step — an admin: reconnect QuickBooks before then: ${p.link}`,
    ),
  };
}

/** One thing waiting for a person, oldest first in their digest. */
export interface DigestItem {
  number: string;
  recordType: RecordType;
  why: string;
  actionNeeded: string | null;
  blockedSince: string | null;
  link: string;
}

export const DIGEST_MAX_ITEMS = 25;

export function digestMessage(p: { name: string; tenantName: string; day: string; items: readonly DigestItem[]; total: number; link: string }): Message {
  const shown = p.items.slice(0, DIGEST_MAX_ITEMS);
  return {
    subject: `${p.tenantName}: ${p.total} record(s) waiting for you (${p.day})`,
    link: p.link,
    body: lines(
      `Good morning ${p.name}. These records of ${p.tenantName} wait for you, oldest first:`,
      '',
      ...shown.map((i) => `- ${i.number} (${RECORD_TYPE_LABELS[i.recordType].toLowerCase()}, ${i.why}${i.blockedSince ? `, since ${i.blockedSince.slice(0, 10)}` : ''}): ${i.actionNeeded ?? 'open it to see what is needed'} ${i.link}`),
      p.total > shown.length && `- and ${p.total - shown.length} more`,
      '',
      `Next step — you: work through them from the oldest: ${p.link}`,
    ),
  };
}

/** Slack-compatible JSON for a webhook: `text` for any receiver, `blocks` for Slack's layout. */
export function webhookPayload(m: Message, meta: { trigger: NotifyTrigger; tenantId: string; workflowId: string | null; id: number }) {
  return {
    text: `${m.subject}\n${m.link}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${m.subject}*` } },
      { type: 'section', text: { type: 'plain_text', text: m.body.length > 2900 ? `${m.body.slice(0, 2900)}…` : m.body } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${m.link}|Open in QBO Sync Health> · ${TRIGGER_LABELS[meta.trigger]} · ${meta.tenantId}` }] },
    ],
    notification: { id: meta.id, trigger: meta.trigger, tenantId: meta.tenantId, workflowId: meta.workflowId },
  };
}

/**
 * A webhook endpoint that failed this many deliveries in a row is disabled (an admin enables it again by saving the
 * routing), so one dead receiver does not collect retries forever.
 */
export const WEBHOOK_DISABLE_AFTER = 10;

export function shouldDisableEndpoint(consecutiveFailures: number, disableAfter: number): boolean {
  return consecutiveFailures >= disableAfter;
}
