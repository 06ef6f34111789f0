import { ActivityFailure, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { ErrorTypes } from '../domain/errors.ts';
import type { NotifyChannel, NotifyInput, NotifyResult, NotifyRetry } from '../domain/notifications.ts';

/** A delivery's retry policy: backing off from `initialMs` to `maximumMs`, `attempts` tries in all (tests shrink it). */
function deliveryRetry(retry: NotifyRetry | undefined, initialMs: number, maximumMs: number, attempts: number) {
  return {
    initialInterval: retry?.initialIntervalMs ?? initialMs,
    backoffCoefficient: 2,
    maximumInterval: retry?.maximumIntervalMs ?? maximumMs,
    maximumAttempts: retry?.maximumAttempts ?? attempts,
    nonRetryableErrorTypes: [ErrorTypes.NotificationUndeliverable],
  };
}

/** Why a delivery gave up, in the words its last attempt failed with. */
function failureText(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause as Error | undefined)?.message ?? String(err);
}

/**
 * Delivers one message (domain/notifications.ts) to everyone its tenant routes it to, each recipient and channel on
 * its own: the plan writes one ledger row per recipient and channel (or finds them, when the message was triggered
 * before), then each row is delivered by its channel's activity with its own retries and backoff. A channel that
 * keeps failing — a webhook endpoint answering 500 — holds up nothing else: every delivery runs beside the others,
 * and one that gives up is marked failed with its last error. Started by `startNotification`
 * (services/notifications.ts) under an id made from the message key, so a message is delivered once.
 */
export async function notify(input: NotifyInput): Promise<NotifyResult> {
  const local = proxyLocalActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const email = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: deliveryRetry(input.retry, 10_000, 10 * 60_000, 8) });
  const webhook = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: deliveryRetry(input.retry, 5_000, 10 * 60_000, 8) });
  const deliver: Record<NotifyChannel, (id: number) => Promise<void>> = {
    email: (id) => email.sendEmailNotification({ id }),
    webhook: (id) => webhook.postWebhookNotification({ id }),
    console: (id) => local.deliverConsoleNotification({ id }),
  };

  // A root cause that clears by itself within its grace period finds nothing to say when it is composed.
  if (input.holdSeconds) await sleep(input.holdSeconds * 1000);
  const plan = await local.planNotification(input);
  const outcomes = await Promise.all(
    plan.deliveries.map(async (d) => {
      try {
        await deliver[d.channel](d.id);
        return true;
      } catch (err) {
        await local.notificationFailed({ id: d.id, error: failureText(err) });
        return false;
      }
    }),
  );
  const sent = outcomes.filter(Boolean).length;
  return { messageKey: input.messageKey, sent, failed: outcomes.length - sent, suppressed: plan.suppressed };
}

export interface DailyNotificationsInput {
  tenantId: string;
  /** Tell of Intuit's five-year reconnect date this many days ahead (default 30). */
  reconnectWithinDays?: number;
}

export interface DailyNotificationsResult {
  day: string;
  digests: number;
  reconnectDue: string | null;
}

/**
 * Once a day per tenant (its `qbo-daily:{tenantId}` Schedule, services/schedules.ts): the admins are reminded when
 * the QuickBooks connection reaches Intuit's five-year limit within 30 days, and every person with something waiting
 * gets a digest of it, oldest first. Each is one message per person and day (its key names the day), so a run the
 * Schedule repeats, or one started by hand, sends nothing twice.
 */
export async function dailyNotifications(input: DailyNotificationsInput): Promise<DailyNotificationsResult> {
  const local = proxyLocalActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  const { tenantId } = input;
  const day = new Date().toISOString().slice(0, 10);
  const reconnectDue = await local.reconnectDue({ tenantId, withinDays: input.reconnectWithinDays ?? 30 });
  if (reconnectDue) await local.requestNotification({ tenantId, about: { trigger: 'authorization', problem: 'reconnect_due', dueAt: reconnectDue } });
  const people = await local.digestRecipients({ tenantId });
  for (const person of people) await local.requestNotification({ tenantId, about: { trigger: 'digest', person, day } });
  return { day, digests: people.length, reconnectDue };
}
