/**
 * What QuickBooks saw, request by request: the stack serves the in-process simulator through {@link SimTraffic.wrap},
 * which notes every data-API request (`/v3/company/{realmId}/…`) at its arrival — the moment the simulator counts it
 * against its rolling minute — with its realm, whether it was a `/batch`, its status and when it was answered, and
 * keeps the number in flight per realm. {@link wholeMinutes} turns arrival times into whole-minute counts.
 */

export interface SimRequest {
  /** Arrival, epoch ms (bench clock). */
  at: number;
  realmId: string;
  batch: boolean;
  /** HTTP status, 0 when the simulator dropped the connection. */
  status: number;
  /** Answered, epoch ms. */
  endAt: number;
}

const API_PATH = /^\/v3\/company\/([^/?]+)(\/[^?]*)?/;

export class SimTraffic {
  /** Every data-API request answered so far, in order of answer. */
  readonly requests: SimRequest[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly peak = new Map<string, number>();

  /** A fetch handler that notes each data-API request and then passes it on. */
  wrap(fetch: (req: Request) => Response | Promise<Response>): (req: Request) => Promise<Response> {
    return async (req: Request) => {
      const m = API_PATH.exec(new URL(req.url).pathname);
      if (!m) return fetch(req);
      const realmId = decodeURIComponent(m[1]!);
      const batch = m[2] === '/batch';
      const at = Date.now();
      const n = (this.inFlight.get(realmId) ?? 0) + 1;
      this.inFlight.set(realmId, n);
      if (n > (this.peak.get(realmId) ?? 0)) this.peak.set(realmId, n);
      let status = 0;
      try {
        const res = await fetch(req);
        status = res.status;
        return res;
      } finally {
        this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 1) - 1);
        this.requests.push({ at, realmId, batch, status, endAt: Date.now() });
      }
    };
  }

  /** Requests of a realm (or all) that arrived at or after `since`. */
  since(since: number, realmId?: string): SimRequest[] {
    return this.requests.filter((r) => r.at >= since && (realmId === undefined || r.realmId === realmId));
  }

  /** Most requests of the realm in flight at once (as the HTTP server saw them, 429s included) since the last reset. */
  peakInFlight(realmId: string): number {
    return this.peak.get(realmId) ?? 0;
  }

  resetPeak(realmId: string): void {
    this.peak.set(realmId, this.inFlight.get(realmId) ?? 0);
  }
}

export interface WholeMinutes {
  /** Epoch ms of the first event: bucket k is [start + k min, start + (k + 1) min). */
  start: number;
  /** Events in each bucket from the first to the one holding the last event (that one is partial). */
  counts: number[];
  /** Indices of the steady buckets: every whole one but the first (the opening burst); the last (partial) is never whole. */
  steady: number[];
  /** Mean of the steady buckets' counts (NaN when there is none). */
  steadyMean: number;
}

const MINUTE_MS = 60_000;

/**
 * Buckets `times` (epoch ms) into whole minutes aligned on the first of them (or on `start`). Bucket 0 holds the
 * opening burst — an empty rolling window lets a full minute's budget through at once — and the last bucket the drain
 * (it ends after the last event, so it is partial); the buckets in between are the steady minutes.
 */
export function wholeMinutes(times: readonly number[], start = times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)): WholeMinutes {
  if (!times.length) return { start: Number.NaN, counts: [], steady: [], steadyMean: Number.NaN };
  const last = times.reduce((a, b) => Math.max(a, b), start);
  const n = Math.floor((last - start) / MINUTE_MS) + 1;
  const counts = new Array<number>(n).fill(0);
  for (const t of times) {
    const k = Math.floor((t - start) / MINUTE_MS);
    if (k >= 0 && k < n) counts[k]! += 1;
  }
  const steady: number[] = [];
  for (let k = 1; k < n - 1; k++) steady.push(k);
  return { start, counts, steady, steadyMean: mean(steady.map((k) => counts[k]!)) };
}

/** Counts `times` in the buckets of `minutes` (same edges), e.g. records synced in each request minute. */
export function sameMinutes(times: readonly number[], minutes: WholeMinutes): { counts: number[]; steadyMean: number } {
  const counts = new Array<number>(minutes.counts.length).fill(0);
  for (const t of times) {
    const k = Math.floor((t - minutes.start) / MINUTE_MS);
    if (k >= 0 && k < counts.length) counts[k]! += 1;
  }
  return { counts, steadyMean: mean(minutes.steady.map((k) => counts[k]!)) };
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}
