/** Latency figures in milliseconds, from samples in milliseconds. */
export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted samples (p in 0..1). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5), 3),
    p90: round(percentile(sorted, 0.9), 3),
    p99: round(percentile(sorted, 0.99), 3),
    max: round(sorted[sorted.length - 1] ?? Number.NaN, 3),
    mean: round(sum / Math.max(1, sorted.length), 3),
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds since an earlier `performance.now()`. */
export const since = (start: number): number => performance.now() - start;
