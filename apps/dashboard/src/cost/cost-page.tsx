import type { UsageReport } from '@troupe/client';
import { useEffect, useMemo, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError } from '../app/describe-error.js';
import { hrefFor, type RouteQuery } from '../app/router.js';
import { navigate } from '../app/use-route.js';
import { formatCount, formatDateTime, formatTokens, formatUsd } from '../lib/format.js';
import { pivotUsage, USAGE_DIMENSIONS, usageTable, usageTotals } from './usage-pivot.js';
import { UsageChart } from './usage-chart.js';

const HOUR = 3_600_000;

/** Each range with a bucket width that gives 48-60 round buckets. */
export const RANGES = {
  '1h': { ms: HOUR, bucketMs: 60_000, label: 'Last hour' },
  '24h': { ms: 24 * HOUR, bucketMs: 30 * 60_000, label: 'Last 24 hours' },
  '7d': { ms: 7 * 24 * HOUR, bucketMs: 3 * HOUR, label: 'Last 7 days' },
} as const;
export type RangeKey = keyof typeof RANGES;

const rangeOf = (query: RouteQuery): RangeKey => {
  const r = query['range'];
  return r === '1h' || r === '7d' ? r : '24h';
};

type Load =
  { kind: 'loading' } | { kind: 'loaded'; report: UsageReport } | { kind: 'failed'; message: string };

/** Tokens and USD per workflow, role and model over a range, from `usage()` (fetched again per range). */
export function CostPage({ query }: { query: RouteQuery }) {
  const { client, can } = useTroupe();
  const range = rangeOf(query);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    if (!can('tasks:read')) return;
    const controller = new AbortController();
    const until = Date.now();
    const { ms, bucketMs } = RANGES[range];
    setLoad((before) => (before.kind === 'loaded' ? before : { kind: 'loading' }));
    client.usage({ since: until - ms, until, bucketMs, signal: controller.signal }).then(
      (report) => setLoad({ kind: 'loaded', report }),
      (err: unknown) => {
        if (!controller.signal.aborted) setLoad({ kind: 'failed', message: describeError(err) });
      },
    );
    return () => controller.abort();
  }, [client, can, range, refresh]);

  const report = load.kind === 'loaded' ? load.report : null;
  const pivots = useMemo(
    () => (report ? USAGE_DIMENSIONS.map((by) => pivotUsage(report, by)) : []),
    [report],
  );
  const totals = useMemo(() => usageTotals(report?.rows ?? []), [report]);
  const table = useMemo(() => usageTable(report?.rows ?? []), [report]);

  return (
    <div className="cost-page">
      <div className="toolbar">
        <h1 className="page-title">Cost</h1>
        <div className="segmented" role="group" aria-label="Range" data-testid="cost-range">
          {(Object.keys(RANGES) as RangeKey[]).map((r) => (
            <button
              key={r}
              type="button"
              className={r === range ? 'active' : undefined}
              aria-pressed={r === range}
              data-range={r}
              title={RANGES[r].label}
              onClick={() =>
                navigate(hrefFor({ page: 'cost', query: { range: r === '24h' ? '' : r } }), { replace: true })
              }
            >
              {r}
            </button>
          ))}
        </div>
        <button type="button" className="btn btn-small" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
        <span className="spacer" />
        {report && (
          <span className="muted">
            {formatDateTime(report.since)} – {formatDateTime(report.until)}
          </span>
        )}
      </div>
      {!can('tasks:read') && (
        <div className="banner">This API key cannot read usage: it lacks the tasks:read scope.</div>
      )}
      {load.kind === 'failed' && (
        <div className="banner banner-error" role="alert">
          {load.message}
        </div>
      )}
      <div
        className="cost-totals"
        data-testid="cost-total"
        data-cost-usd={totals.costUsd}
        data-tokens={totals.tokens}
        aria-busy={load.kind === 'loading'}
      >
        <div className="stat">
          <span className="stat-label">Cost</span>
          <span className="stat-value">{formatUsd(totals.costUsd)}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Tokens</span>
          <span className="stat-value">{formatTokens(totals.tokens)}</span>
          <span className="muted">
            {formatTokens(totals.inputTokens)} in · {formatTokens(totals.outputTokens)} out
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Steps</span>
          <span className="stat-value">{formatCount(totals.steps)}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Per step</span>
          <span className="stat-value">
            {totals.steps > 0 ? formatUsd(totals.costUsd / totals.steps) : '–'}
          </span>
        </div>
      </div>
      {load.kind === 'loading' && <p className="muted">Loading usage…</p>}
      <div className="cost-charts">
        {report &&
          pivots.map((p) => (
            <UsageChart key={p.by} pivot={p} bucketMs={report.bucketMs} longRange={range === '7d'} />
          ))}
      </div>
      {report && (
        <section className="panel">
          <h2 className="panel-title">By workflow, role and model</h2>
          <div className="table-wrap">
            <table className="data" data-testid="cost-table">
              <thead>
                <tr>
                  <th>Workflow</th>
                  <th>Role</th>
                  <th>Model</th>
                  <th className="num">Steps</th>
                  <th className="num">Input</th>
                  <th className="num">Output</th>
                  <th className="num">USD</th>
                  <th>Share</th>
                </tr>
              </thead>
              <tbody>
                {table.length === 0 && (
                  <tr>
                    <td colSpan={8} className="empty">
                      No steps finished in this range.
                    </td>
                  </tr>
                )}
                {table.map((r) => (
                  <tr key={`${r.workflow}\u0000${r.role}\u0000${r.model}`}>
                    <td>{r.workflow}</td>
                    <td>{r.role}</td>
                    <td className="mono">{r.model}</td>
                    <td className="num">{formatCount(r.steps)}</td>
                    <td className="num">{formatTokens(r.inputTokens)}</td>
                    <td className="num">{formatTokens(r.outputTokens)}</td>
                    <td className="num">{formatUsd(r.costUsd)}</td>
                    <td>
                      <span className="share" aria-hidden="true">
                        <span
                          style={{ width: `${totals.costUsd > 0 ? (100 * r.costUsd) / totals.costUsd : 0}%` }}
                        />
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}
