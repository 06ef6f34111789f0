import type { RealmStats } from './types.ts';

/**
 * QBO's throttle model (reference §4): per app and realm at most `concurrencyLimit` requests in flight and
 * `perMinuteLimit` per rolling minute, with a separate per-minute budget for /batch. Requests refused with 429 do
 * not count against the window, so a client that backs off recovers. Also keeps the per-realm statistics.
 */

interface RealmMeter {
  inFlight: number;
  peakConcurrency: number;
  window: number[];
  batchWindow: number[];
  requests: number;
  throttled: number;
  tokenRefreshes: number;
  replays: number;
}

export interface ThrottleLimits {
  concurrencyLimit: number;
  perMinuteLimit: number;
  batchPerMinuteLimit: number;
}

const MINUTE_MS = 60_000;

export class Meter {
  private realms = new Map<string, RealmMeter>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  private meter(realmId: string): RealmMeter {
    let m = this.realms.get(realmId);
    if (!m) {
      m = { inFlight: 0, peakConcurrency: 0, window: [], batchWindow: [], requests: 0, throttled: 0, tokenRefreshes: 0, replays: 0 };
      this.realms.set(realmId, m);
    }
    return m;
  }

  countRequest(realmId: string): void {
    this.meter(realmId).requests++;
  }

  countThrottled(realmId: string): void {
    this.meter(realmId).throttled++;
  }

  countRefresh(realmId: string): void {
    this.meter(realmId).tokenRefreshes++;
  }

  countReplay(realmId: string): void {
    this.meter(realmId).replays++;
  }

  /**
   * Takes a concurrency slot and a place in the minute window, or refuses (false). Synchronous on purpose: requests
   * arriving in the same tick are judged in arrival order.
   */
  tryAcquire(realmId: string, batch: boolean): boolean {
    const m = this.meter(realmId);
    const now = this.now();
    const since = now - MINUTE_MS;
    m.window = m.window.filter((t) => t > since);
    m.batchWindow = m.batchWindow.filter((t) => t > since);
    const overConcurrency = m.inFlight >= this.limits.concurrencyLimit;
    const overMinute = m.window.length >= this.limits.perMinuteLimit;
    const overBatch = batch && m.batchWindow.length >= this.limits.batchPerMinuteLimit;
    if (overConcurrency || overMinute || overBatch) {
      m.throttled++;
      return false;
    }
    m.inFlight++;
    m.peakConcurrency = Math.max(m.peakConcurrency, m.inFlight);
    m.window.push(now);
    if (batch) m.batchWindow.push(now);
    return true;
  }

  release(realmId: string): void {
    const m = this.meter(realmId);
    m.inFlight = Math.max(0, m.inFlight - 1);
  }

  stats(realmId: string): RealmStats {
    const m = this.meter(realmId);
    return {
      realmId,
      requests: m.requests,
      throttled: m.throttled,
      peakConcurrency: m.peakConcurrency,
      inFlight: m.inFlight,
      tokenRefreshes: m.tokenRefreshes,
      replays: m.replays,
    };
  }

  realmIds(): string[] {
    return [...this.realms.keys()];
  }

  forget(realmId: string): void {
    this.realms.delete(realmId);
  }

  reset(): void {
    this.realms.clear();
  }
}
