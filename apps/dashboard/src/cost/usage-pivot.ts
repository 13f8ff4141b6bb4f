import type { UsageReport, UsageRow } from '@troupe/client';

export type UsageDimension = 'workflow' | 'role' | 'model';
export const USAGE_DIMENSIONS: readonly UsageDimension[] = ['workflow', 'role', 'model'];

/** One line of a chart: a workflow, role or model over the report's buckets. */
export interface UsageSeries {
  key: string;
  /** Input plus output tokens per bucket, aligned with `starts`. */
  tokens: number[];
  costUsd: number[];
  totalTokens: number;
  totalCostUsd: number;
}

export interface UsagePivot {
  by: UsageDimension;
  /** Bucket starts, epoch ms, every bucket of the range (empty ones too: a chart needs them). */
  starts: number[];
  series: UsageSeries[];
}

export const OTHER_SERIES = 'other';
const MAX_BUCKETS = 5_000;

/** Every bucket start from the one holding `since` to `until`, on the grid the rows use. */
export function bucketStarts(report: UsageReport): number[] {
  const { since, until, bucketMs } = report;
  const starts = new Set(report.rows.map((r) => r.start));
  if (bucketMs > 0) {
    const anchor = report.rows[0]?.start ?? since;
    let t = anchor - Math.ceil((anchor - since) / bucketMs) * bucketMs;
    for (let n = 0; t < until && n < MAX_BUCKETS; n++, t += bucketMs) starts.add(t);
  }
  return [...starts].sort((a, b) => a - b);
}

const tokensOf = (r: Pick<UsageRow, 'inputTokens' | 'outputTokens'>) => r.inputTokens + r.outputTokens;

/**
 * Tokens and USD per bucket for each workflow, role or model, biggest spender first. Past `maxSeries`
 * the smaller ones are summed into one `other` series, so a chart stays readable.
 */
export function pivotUsage(report: UsageReport, by: UsageDimension, maxSeries = 8): UsagePivot {
  const starts = bucketStarts(report);
  const index = new Map(starts.map((s, i) => [s, i]));
  const byKey = new Map<string, UsageSeries>();
  const seriesFor = (key: string) => {
    let s = byKey.get(key);
    if (!s) {
      s = { key, tokens: starts.map(() => 0), costUsd: starts.map(() => 0), totalTokens: 0, totalCostUsd: 0 };
      byKey.set(key, s);
    }
    return s;
  };
  for (const row of report.rows) {
    const s = seriesFor(row[by]);
    const i = index.get(row.start)!;
    s.tokens[i]! += tokensOf(row);
    s.costUsd[i]! += row.costUsd;
    s.totalTokens += tokensOf(row);
    s.totalCostUsd += row.costUsd;
  }
  const ranked = [...byKey.values()].sort(
    (a, b) => b.totalCostUsd - a.totalCostUsd || b.totalTokens - a.totalTokens || (a.key < b.key ? -1 : 1),
  );
  if (ranked.length <= maxSeries) return { by, starts, series: ranked };
  const kept = ranked.slice(0, Math.max(0, maxSeries - 1));
  const other: UsageSeries = {
    key: OTHER_SERIES,
    tokens: starts.map(() => 0),
    costUsd: starts.map(() => 0),
    totalTokens: 0,
    totalCostUsd: 0,
  };
  for (const s of ranked.slice(kept.length)) {
    s.tokens.forEach((v, i) => (other.tokens[i]! += v));
    s.costUsd.forEach((v, i) => (other.costUsd[i]! += v));
    other.totalTokens += s.totalTokens;
    other.totalCostUsd += s.totalCostUsd;
  }
  return { by, starts, series: [...kept, other] };
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  costUsd: number;
  steps: number;
}

export function usageTotals(rows: readonly UsageRow[]): UsageTotals {
  const t: UsageTotals = { inputTokens: 0, outputTokens: 0, tokens: 0, costUsd: 0, steps: 0 };
  for (const r of rows) {
    t.inputTokens += r.inputTokens;
    t.outputTokens += r.outputTokens;
    t.costUsd += r.costUsd;
    t.steps += r.steps;
  }
  t.tokens = t.inputTokens + t.outputTokens;
  return t;
}

export interface UsageTableRow extends UsageTotals {
  workflow: string;
  role: string;
  model: string;
}

/** The range's usage per workflow, role and model (buckets summed), most expensive first. */
export function usageTable(rows: readonly UsageRow[]): UsageTableRow[] {
  const groups = new Map<string, UsageRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.workflow, r.role, r.model]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((g) => ({ workflow: g[0]!.workflow, role: g[0]!.role, model: g[0]!.model, ...usageTotals(g) }))
    .sort((a, b) => b.costUsd - a.costUsd || b.tokens - a.tokens);
}
