/**
 * Removes rows that only ever grow and no longer mean anything: sessions past their absolute or idle limit, OAuth
 * states that expired or were used, sign-in counts whose window passed, webhook event ids old enough that Intuit no
 * longer redelivers them. Each was refused by its reader already; this frees the space and keeps what an attacker can
 * make the database store (one row per guessed address) bounded in time. Safe from several web instances at once:
 * each purge is one DELETE.
 */
import type { Db } from '../db/client.ts';
import { deleteSpentOAuthStates } from '../db/queries/oauth-states.ts';
import { deleteWebhookEventsBefore } from '../db/queries/webhook-events.ts';
import { deleteStaleLoginAttempts } from '../db/queries/login-attempts.ts';
import { deleteExpiredSessions } from '../db/queries/users.ts';
import { deleteRealmBudgetBefore } from '../db/queries/realm-budget.ts';

/** Webhook event ids are kept this long for deduplication. */
export const WEBHOOK_EVENTS_KEPT_MS = 7 * 24 * 60 * 60_000;
/** Sign-in counts are kept this long after their window started: longer than any window the throttle uses. */
export const LOGIN_ATTEMPTS_KEPT_MS = 24 * 60 * 60_000;
/** Granted QuickBooks requests count against a one-minute window; an hour after they ended they count for nothing. */
export const REALM_BUDGET_KEPT_MS = 60 * 60_000;

export interface Purged {
  sessions: number;
  oauthStates: number;
  loginAttempts: number;
  webhookEvents: number;
  realmBudget: number;
}

/** One pass over every table; `now` for tests. */
export async function purgeExpired(db: Db, now = new Date()): Promise<Purged> {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return {
    sessions: await deleteExpiredSessions(db, now),
    oauthStates: await deleteSpentOAuthStates(db, now),
    loginAttempts: await deleteStaleLoginAttempts(db, ago(LOGIN_ATTEMPTS_KEPT_MS)),
    webhookEvents: await deleteWebhookEventsBefore(db, ago(WEBHOOK_EVENTS_KEPT_MS)),
    realmBudget: await deleteRealmBudgetBefore(db, ago(REALM_BUDGET_KEPT_MS)),
  };
}

export interface Housekeeping {
  stop(): Promise<void>;
}

export interface HousekeepingOptions {
  /** Between passes (default 10 minutes). */
  everyMs?: number;
  /** Before the first pass (default 30 s: after start-up, not during it). */
  firstAfterMs?: number;
  /** A pass that removed something. */
  onPass?: (purged: Purged) => void;
  /** A pass that failed (database down); the next one is tried as usual. */
  onError?: (err: Error) => void;
}

/** Purges soon after start and then every `everyMs` until stopped. */
export function startHousekeeping(deps: { db: Db }, opts: HousekeepingOptions = {}): Housekeeping {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = purgeExpired(deps.db)
      .then((p) => (Object.values(p).some((n) => n > 0) ? opts.onPass?.(p) : undefined))
      .catch((err: Error) => opts.onError?.(err))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.everyMs ?? 10 * 60_000);
      });
  };
  timer = setTimeout(tick, opts.firstAfterMs ?? 30_000);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
