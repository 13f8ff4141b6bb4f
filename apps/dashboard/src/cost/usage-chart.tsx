import { useMemo } from 'react';
import uPlot from 'uplot';
import { formatClock, formatTokens, formatUsd } from '../lib/format.js';
import { cssVar, useColorScheme } from '../lib/use-color-scheme.js';
import { seriesColour } from './chart-colours.js';
import type { UsageDimension, UsagePivot } from './usage-pivot.js';
import { UPlotChart } from './uplot-chart.js';

const TITLE: Record<UsageDimension, string> = { workflow: 'By workflow', role: 'By role', model: 'By model' };

/** Tokens and USD over time for one breakdown: two charts on the same buckets and a key with totals. */
export function UsageChart({
  pivot,
  bucketMs,
  longRange,
}: {
  pivot: UsagePivot;
  bucketMs: number;
  longRange: boolean;
}) {
  const scheme = useColorScheme();
  const keys = pivot.series.map((s) => s.key).join('\u0000');
  const tokenOptions = useMemo(
    () => chartOptions(keys.split('\u0000'), formatTokens, longRange, scheme),
    [keys, longRange, scheme],
  );
  const usdOptions = useMemo(
    () => chartOptions(keys.split('\u0000'), formatUsd, longRange, scheme),
    [keys, longRange, scheme],
  );
  const tokens = useMemo(() => stepData(pivot, bucketMs, 'tokens'), [pivot, bucketMs]);
  const usd = useMemo(() => stepData(pivot, bucketMs, 'costUsd'), [pivot, bucketMs]);

  return (
    <section className="panel cost-chart" data-testid="cost-chart" data-by={pivot.by}>
      <h2 className="panel-title">{TITLE[pivot.by]}</h2>
      {pivot.series.length === 0 ? (
        <p className="muted empty">No usage in this range.</p>
      ) : (
        <>
          <ul className="chart-key">
            {pivot.series.map((s, i) => (
              <li key={s.key}>
                <span className="swatch" style={{ background: seriesColour(s.key, i) }} aria-hidden="true" />
                <span className="ellipsis" title={s.key}>
                  {s.key}
                </span>
                <span className="num">{formatUsd(s.totalCostUsd)}</span>
                <span className="num muted">{formatTokens(s.totalTokens)} tok</span>
              </li>
            ))}
          </ul>
          <div className="chart-pair">
            <figure>
              <figcaption>Tokens</figcaption>
              <UPlotChart options={tokenOptions} data={tokens} height={150} />
            </figure>
            <figure>
              <figcaption>USD</figcaption>
              <UPlotChart options={usdOptions} data={usd} height={150} />
            </figure>
          </div>
        </>
      )}
    </section>
  );
}

/**
 * x in seconds, one point per bucket start and one more where the last bucket ends: a step drawn from each
 * start holds its value across the bucket, the last one included.
 */
function stepData(pivot: UsagePivot, bucketMs: number, metric: 'tokens' | 'costUsd'): uPlot.AlignedData {
  const last = pivot.starts[pivot.starts.length - 1];
  const x = [...pivot.starts, ...(last === undefined ? [] : [last + bucketMs])].map((ms) => ms / 1000);
  return [x, ...pivot.series.map((s) => [...s[metric], s[metric][s[metric].length - 1] ?? 0])];
}

function chartOptions(
  keys: readonly string[],
  format: (n: number) => string,
  longRange: boolean,
  // Only a dependency: the colours below are read from CSS for the current scheme.
  _scheme: 'dark' | 'light',
): Omit<uPlot.Options, 'width' | 'height'> {
  const axis = cssVar('--fg-muted', '#777');
  const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
  const step = uPlot.paths.stepped?.({ align: 1 });
  return {
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      // From zero, with some room above; an all-zero series (free offline models) still gets an axis.
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        stroke: axis,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        values: (_u, splits) =>
          splits.map((s) => {
            const d = new Date(s * 1000);
            return longRange && d.getHours() === 0 && d.getMinutes() === 0
              ? `${d.getMonth() + 1}/${d.getDate()}`
              : formatClock(s * 1000).slice(0, 5);
          }),
      },
      {
        stroke: axis,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        size: 56,
        values: (_u, splits) => splits.map(format),
      },
    ],
    series: [
      {},
      ...keys.map((key, i) => ({
        label: key,
        stroke: seriesColour(key, i),
        fill: `${seriesColour(key, i)}22`,
        width: 1.5,
        ...(step ? { paths: step } : {}),
        points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
      })),
    ],
  };
}
