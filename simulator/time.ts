import { randomBytes } from 'node:crypto';

/**
 * Timestamps as QBO writes them: local time with an explicit offset ("2015-04-22T16:42:31-07:00"), milliseconds
 * only on the response `time` field.
 */

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function offsetSuffix(offsetMin: number, colon = true): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

function shifted(ms: number, offsetMin: number): Date {
  return new Date(ms + offsetMin * 60_000);
}

export function qboDateTime(ms: number, offsetMin: number, withMillis = false): string {
  const d = shifted(ms, offsetMin);
  const base =
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${base}${withMillis ? `.${pad(d.getUTCMilliseconds(), 3)}` : ''}${offsetSuffix(offsetMin)}`;
}

/** The legacy webhook `lastUpdated` has no colon in its offset ("2015-10-05T14:42:19-0700"). */
export function webhookDateTime(ms: number, offsetMin: number): string {
  return qboDateTime(ms, offsetMin).replace(/([+-]\d\d):(\d\d)$/, '$1$2');
}

/** The company's calendar date at `ms`. */
export function localDate(ms: number, offsetMin: number): string {
  const d = shifted(ms, offsetMin);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * Parses a date or date-time the way QBO reads query literals and `changedSince`: a bare date is midnight in the
 * company's zone, a date-time without offset is local time too. Returns NaN when it is not a date.
 */
export function parseQboInstant(s: string, offsetMin: number): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    s.trim(),
  );
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '0', zone] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(frac.slice(0, 3).padEnd(3, '0')));
  if (!isRealDate(`${y}-${mo}-${d}`)) return Number.NaN;
  let zoneMin = offsetMin;
  if (zone === 'Z') zoneMin = 0;
  else if (zone) {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    zoneMin = (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 60 + Number(zm[3]));
  }
  return utc - zoneMin * 60_000;
}

export function isRealDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** `intuit_tid` as seen in real responses: "1-628f0be4-19ed5ea63980105102b16b1e". */
export function newIntuitTid(ms: number): string {
  return `1-${Math.floor(ms / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
