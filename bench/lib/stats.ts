/** Small statistics for bench figures. */

/** Nearest-rank percentile (p in 0..100) of unsorted numbers; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  return {
    n,
    min: n ? Math.min(...values) : Number.NaN,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: n ? Math.max(...values) : Number.NaN,
    mean,
  };
}

/**
 * Events per minute over [from, to] from a list of event times (ms). With a rolling-minute limit the first minute
 * can burst a whole window's budget at once, so steady-state rates are taken from a window that starts after it.
 */
export function ratePerMinute(times: readonly number[], from: number, to: number): number {
  const n = times.filter((t) => t > from && t <= to).length;
  return to > from ? (n * 60_000) / (to - from) : Number.NaN;
}
