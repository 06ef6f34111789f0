import type { MoneyTotal } from '../../../domain/mapping-health.ts';
import { formatMoney } from '../../../domain/money.ts';
import type { FailureClass, Owner, SyncState } from '../../../domain/vocabulary.ts';

/** Words for people; the machine names stay in the API, the projection and the search attributes. */
export const STATE_LABELS: Record<SyncState, string> = {
  queued: 'Queued',
  validating: 'Validating',
  checking_mappings: 'Checking mappings',
  checking_duplicates: 'Checking for duplicates',
  syncing: 'Sending to QuickBooks',
  retrying: 'Retrying automatically',
  blocked: 'Blocked',
  synced: 'Synced',
  linked: 'Linked to existing',
  cancelled: 'Cancelled',
};

/** Short badge text per failure class; FAILURE_CLASS_LABELS holds the full sentence. */
export const FAILURE_CLASS_SHORT: Record<FailureClass, string> = {
  source_data: 'Source data',
  mapping: 'Mapping',
  authorization: 'Authorization',
  duplicate_risk: 'Duplicate risk',
  provider_rejection: 'Rejected by QuickBooks',
  throttled: 'Throttled',
  transient: 'Temporary error',
  outcome_uncertain: 'Outcome unknown',
};

export const OWNER_LABELS: Record<Owner, string> = {
  finance: 'Finance',
  admin: 'Admin',
  system: 'System (automatic)',
};

export const CONNECTION_STATUS_LABELS: Record<string, string> = {
  healthy: 'Healthy',
  refresh_due: 'Refresh due',
  needs_reauth: 'Needs reconnecting',
  revoked: 'Revoked',
  not_connected: 'Not connected',
};

export const IN_FLIGHT_STATES: readonly SyncState[] = ['queued', 'validating', 'checking_mappings', 'checking_duplicates', 'syncing', 'retrying'];

export function isInFlight(state: string): boolean {
  return (IN_FLIGHT_STATES as readonly string[]).includes(state);
}

/** "3 d 4 h", "5 h 12 min", "4 min", "less than a minute". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const min = Math.floor(abs / 60_000);
  if (min < 1) return 'less than a minute';
  const days = Math.floor(min / 1440);
  const hours = Math.floor((min % 1440) / 60);
  const mins = min % 60;
  if (days > 0) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** "2026-11-04 09:12 UTC". */
export function formatTime(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return String(d);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatAmounts(amounts: readonly MoneyTotal[]): string {
  const nonZero = amounts.filter((a) => a.amountMinor !== 0);
  return nonZero.length ? nonZero.map((a) => formatMoney(a.amountMinor, a.currency)).join(' + ') : '—';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A short, stable, id-safe token for any string (FNV-1a), for element ids built from AWRA keys. */
export function idToken(...parts: string[]): string {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** A query string from the set values only ("?a=1&b=x"), or "" when none. */
export function qs(params: Record<string, string | number | undefined | null | false>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}
