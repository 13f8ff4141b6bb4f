import type { UsageReport, UsageRow } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { bucketStarts, OTHER_SERIES, pivotUsage, usageTable, usageTotals } from './usage-pivot.js';

const MIN = 60_000;

function row(over: Partial<UsageRow>): UsageRow {
  return {
    start: 0,
    workflow: 'report',
    role: 'researcher',
    model: 'offline:bm25',
    steps: 1,
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.01,
    ...over,
  };
}

const report = (rows: UsageRow[], over: Partial<UsageReport> = {}): UsageReport => ({
  since: 10 * MIN + 30_000,
  until: 15 * MIN,
  bucketMs: MIN,
  rows,
  ...over,
});

describe('bucketStarts', () => {
  it('covers the range on the rows’ grid, empty buckets included', () => {
    expect(bucketStarts(report([row({ start: 12 * MIN })]))).toEqual(
      [10, 11, 12, 13, 14].map((m) => m * MIN),
    );
    expect(bucketStarts(report([]))).toEqual([0, 1, 2, 3, 4].map((m) => 10 * MIN + 30_000 + m * MIN));
  });
});

describe('pivotUsage', () => {
  const rows = [
    row({ start: 10 * MIN, role: 'planner', costUsd: 0.5, inputTokens: 1_000, outputTokens: 0 }),
    row({ start: 12 * MIN, role: 'researcher', costUsd: 0.1 }),
    row({ start: 12 * MIN, role: 'researcher', model: 'openai:gpt-4o-mini', costUsd: 0.2 }),
    row({ start: 14 * MIN, workflow: 'ask', role: 'assistant', costUsd: 0.05 }),
  ];

  it('sums tokens and USD per bucket for each key, biggest spender first', () => {
    const pivot = pivotUsage(report(rows), 'role');
    expect(pivot.starts).toHaveLength(5);
    expect(pivot.series.map((s) => s.key)).toEqual(['planner', 'researcher', 'assistant']);
    const researcher = pivot.series[1]!;
    expect(researcher.tokens).toEqual([0, 0, 300, 0, 0]);
    expect(researcher.costUsd[2]).toBeCloseTo(0.3);
    expect(researcher.totalTokens).toBe(300);
    expect(pivotUsage(report(rows), 'workflow').series.map((s) => [s.key, s.totalTokens])).toEqual([
      ['report', 1_300],
      ['ask', 150],
    ]);
    expect(pivotUsage(report(rows), 'model').series.map((s) => s.key)).toEqual([
      'offline:bm25',
      'openai:gpt-4o-mini',
    ]);
  });

  it('folds the smallest keys into "other" past the limit', () => {
    const pivot = pivotUsage(report(rows), 'role', 2);
    expect(pivot.series.map((s) => s.key)).toEqual(['planner', OTHER_SERIES]);
    const other = pivot.series[1]!;
    expect(other.totalTokens).toBe(450);
    expect(other.tokens).toEqual([0, 0, 300, 0, 150]);
  });
});

describe('usage totals and table', () => {
  it('adds up the range and lists each workflow, role and model once', () => {
    const rows = [
      row({ start: 0, costUsd: 0.25 }),
      row({ start: MIN, costUsd: 0.25, steps: 2 }),
      row({ start: 0, role: 'planner', costUsd: 1 }),
    ];
    expect(usageTotals(rows)).toEqual({
      inputTokens: 300,
      outputTokens: 150,
      tokens: 450,
      costUsd: 1.5,
      steps: 4,
    });
    expect(usageTable(rows).map((r) => [r.role, r.steps, r.costUsd])).toEqual([
      ['planner', 1, 1],
      ['researcher', 3, 0.5],
    ]);
  });
});
