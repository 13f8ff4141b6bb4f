/**
 * The benchmark figures as SVG charts for docs/benchmarks.md, from the result files `pnpm bench` writes
 * (bench/results/*.json). Hand-written SVG, no dependency: horizontal bars (grouped or stacked), labels, a
 * value at the end of each bar, a light grid. Pure: `benchCharts(results)` returns the files' names and text;
 * `bench/charts.ts` reads the results (`readBenchResults`) and writes them to docs/img/.
 */
import { formatNumber } from './report.js';
import type { BenchResults, PeerRow, PeersResult } from './results.js';

// ---- a horizontal bar chart -------------------------------------------------------------------------------

export const Palette = {
  troupe: '#2f6fde',
  troupeLight: '#9dbcf2',
  floor: '#4b5563',
  peer: '#9ca3af',
  ink: '#1f2937',
  muted: '#6b7280',
  grid: '#e5e7eb',
  background: '#ffffff',
} as const;

export interface BarSeries {
  name: string;
  /** Fill of this series' bars; a row's `colour` wins for single-series charts. */
  colour: string;
}

export interface BarRow {
  label: string;
  /** One value per series; undefined draws no bar. */
  values: ReadonlyArray<number | undefined>;
  colour?: string;
}

export interface BarChart {
  title: string;
  /** Lines under the title: what was measured, then where. */
  subtitle: readonly string[];
  /** Printed after each value and under the axis, e.g. `tasks/s`, `ms`. */
  unit: string;
  series: readonly BarSeries[];
  rows: readonly BarRow[];
  /** Stack the series in one bar per row (their sum is the bar's length) instead of one bar each. */
  stacked?: boolean;
  /** A line of small print under the chart. */
  note?: string;
}

const WIDTH = 760;
const LABEL_WIDTH = 268;
const PLOT_LEFT = LABEL_WIDTH + 12;
const PLOT_RIGHT = WIDTH - 84;
const BAR = 15;
const BAR_GAP = 3;
const ROW_GAP = 12;
const FONT = "font-family='system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif'";

/** Text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const px = (n: number) => (Math.round(n * 10) / 10).toString();

/** 1, 2 or 5 × 10ⁿ steps from 0 past `max`, 4–8 of them. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 0.999; t += step) ticks.push(Math.round(t / magnitude) * magnitude);
  return ticks;
}

/** A tick's label: the number as short as it is (`0`, `2.5`, `1,000`). */
function formatTick(n: number): string {
  const rounded = Number(n.toPrecision(6));
  const [whole = '0', fraction] = String(rounded).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ? `.${fraction}` : ''}`;
}

/** The legend's entries placed left to right from the chart's left edge, wrapping onto more rows. */
function layoutLegend(series: readonly BarSeries[]): Array<Array<{ series: BarSeries; x: number }>> {
  const rows: Array<Array<{ series: BarSeries; x: number }>> = [[]];
  let x = 16;
  for (const s of series) {
    const width = 30 + s.name.length * 6.6;
    if (x + width > WIDTH - 16 && rows[rows.length - 1]!.length > 0) {
      rows.push([]);
      x = 16;
    }
    rows[rows.length - 1]!.push({ series: s, x });
    x += width;
  }
  return rows;
}

export function renderBarChart(chart: BarChart): string {
  const perRow = chart.stacked ? 1 : chart.series.length;
  const rowHeight = perRow * BAR + (perRow - 1) * BAR_GAP;
  const legendRows = chart.series.length > 1 ? layoutLegend(chart.series) : [];
  const subtitleBottom = 30 + chart.subtitle.length * 17;
  const legendTop = subtitleBottom + 6;
  const top = legendTop + legendRows.length * 20 + (legendRows.length > 0 ? 6 : 0);
  const plotHeight = chart.rows.length * (rowHeight + ROW_GAP) + ROW_GAP;
  const height = top + plotHeight + 40 + (chart.note ? 18 : 0);

  const totals = chart.rows.map((r) =>
    chart.stacked
      ? r.values.reduce<number>((sum, v) => sum + (v ?? 0), 0)
      : Math.max(0, ...r.values.map((v) => v ?? 0)),
  );
  const ticks = niceTicks(Math.max(0, ...totals));
  const axisMax = ticks[ticks.length - 1]!;
  const x = (v: number) => PLOT_LEFT + ((PLOT_RIGHT - PLOT_LEFT) * v) / axisMax;
  const value = (v: number) => `${formatNumber(v)} ${chart.unit}`;

  const out: string[] = [];
  out.push(
    `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH}' height='${px(height)}' viewBox='0 0 ${WIDTH} ${px(height)}' role='img' aria-labelledby='title desc' ${FONT}>`,
    `<title id='title'>${escapeXml(chart.title)}</title>`,
    `<desc id='desc'>${escapeXml(
      chart.rows
        .map(
          (r) =>
            `${r.label}: ${r.values
              .map((v, i) => (v === undefined ? '' : `${chart.series[i]?.name} ${value(v)}`))
              .filter(Boolean)
              .join(', ')}`,
        )
        .join('; '),
    )}</desc>`,
    `<rect width='${WIDTH}' height='${px(height)}' rx='6' fill='${Palette.background}'/>`,
    `<text x='16' y='26' font-size='16' font-weight='600' fill='${Palette.ink}'>${escapeXml(chart.title)}</text>`,
    ...chart.subtitle.map(
      (line, i) =>
        `<text x='16' y='${45 + i * 17}' font-size='12' fill='${Palette.muted}'>${escapeXml(line)}</text>`,
    ),
  );
  legendRows.forEach((items, row) => {
    const y = legendTop + row * 20;
    for (const { series, x: lx } of items) {
      out.push(
        `<rect x='${px(lx)}' y='${y}' width='12' height='12' rx='2' fill='${series.colour}'/>`,
        `<text x='${px(lx + 17)}' y='${px(y + 10.5)}' font-size='12' fill='${Palette.ink}'>${escapeXml(series.name)}</text>`,
      );
    }
  });
  const plotBottom = top + plotHeight;
  for (const t of ticks) {
    out.push(
      `<line x1='${px(x(t))}' y1='${top}' x2='${px(x(t))}' y2='${px(plotBottom)}' stroke='${Palette.grid}'/>`,
      `<text x='${px(x(t))}' y='${px(plotBottom + 15)}' font-size='11' text-anchor='middle' fill='${Palette.muted}'>${escapeXml(formatTick(t))}</text>`,
    );
  }
  out.push(
    `<text x='${px((PLOT_LEFT + PLOT_RIGHT) / 2)}' y='${px(plotBottom + 32)}' font-size='11' text-anchor='middle' fill='${Palette.muted}'>${escapeXml(chart.unit)}</text>`,
  );

  chart.rows.forEach((row, r) => {
    const y0 = top + ROW_GAP + r * (rowHeight + ROW_GAP);
    out.push(
      `<text x='${LABEL_WIDTH}' y='${px(y0 + rowHeight / 2 + 4)}' font-size='12' text-anchor='end' fill='${Palette.ink}'>${escapeXml(row.label)}</text>`,
    );
    if (chart.stacked) {
      let start = 0;
      row.values.forEach((v, i) => {
        if (v === undefined || v <= 0) return;
        const fill = chart.series[i]!.colour;
        out.push(
          `<rect x='${px(x(start))}' y='${y0}' width='${px(x(start + v) - x(start))}' height='${BAR}' fill='${fill}'><title>${escapeXml(`${chart.series[i]!.name}: ${value(v)}`)}</title></rect>`,
        );
        start += v;
      });
      out.push(
        `<text x='${px(x(start) + 5)}' y='${px(y0 + BAR / 2 + 4)}' font-size='11' fill='${Palette.ink}'>${escapeXml(value(start))}</text>`,
      );
      return;
    }
    row.values.forEach((v, i) => {
      if (v === undefined) return;
      const y = y0 + i * (BAR + BAR_GAP);
      const fill = chart.series.length === 1 && row.colour ? row.colour : chart.series[i]!.colour;
      out.push(
        `<rect x='${PLOT_LEFT}' y='${y}' width='${px(Math.max(0, x(v) - PLOT_LEFT))}' height='${BAR}' rx='2' fill='${fill}'/>`,
        `<text x='${px(x(v) + 5)}' y='${px(y + BAR / 2 + 4)}' font-size='11' fill='${Palette.ink}'>${escapeXml(value(v))}</text>`,
      );
    });
  });
  if (chart.note) {
    out.push(
      `<text x='16' y='${px(height - 12)}' font-size='11' fill='${Palette.muted}'>${escapeXml(chart.note)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// ---- the charts of docs/benchmarks.md ---------------------------------------------------------------------

export interface ChartFile {
  /** `bench-<what>.svg`, written to docs/img/. */
  name: string;
  svg: string;
}

/** `Troupe, runAgent on the offline model` → `Troupe: runAgent, offline model`: the result's names, shorter. */
function shortName(system: string): string {
  return system
    .replace(/^Troupe, runAgent on the offline model$/, 'Troupe: runAgent (offline model)')
    .replace(/^Troupe, bare agent host.*$/, 'Troupe: bare agent host')
    .replace(/^bus floor: .*$/, 'bus floor: the hop on bare nats.js')
    .replace(/^LangGraph\.js, (\S+).*\(1 process\)$/, 'LangGraph.js, $1 (1 process)')
    .replace(/^BullMQ \(Redis, (\d) worker processes\)$/, 'BullMQ (Redis, $1 workers)');
}

function machineLine(r: PeersResult): string {
  const m = r.machine;
  const changed = m.git.changedFiles > 0 ? ` + ${m.git.changedFiles} changed files` : '';
  const nats = m.natsServer ? ` · ${m.natsServer.replace(/^nats-server:\s*/, 'nats-server ')}` : '';
  return `commit ${m.git.commit}${changed} · ${m.cpu.replace(/\(R\)/g, '')}, ${m.cores} cores${nats} · ${r.date.slice(0, 10)}${r.quick ? ' · quick run' : ''}`;
}

interface System {
  label: string;
  colour: string;
  row: PeerRow;
}

function systems(r: PeersResult): System[] {
  const isFloor = (s: string) => s.startsWith('bus floor');
  return [
    ...r.result.troupe.map((row) => ({ label: shortName(row.system), colour: Palette.troupe, row })),
    ...r.result.peers.map((row) => ({
      label: shortName(row.system),
      colour: isFloor(row.system) ? Palette.floor : Palette.peer,
      row,
    })),
  ];
}

/** CPU per task by kind of process: the names differ per system (supervisors, workers, redis, …). */
const CPU_PARTS = [
  { name: 'coordinator', keys: ['supervisors', 'supervisor'], colour: Palette.troupe },
  { name: 'steps', keys: ['agents', 'workers', 'process'], colour: Palette.troupeLight },
  { name: 'broker', keys: ['natsServer', 'redis'], colour: Palette.floor },
  { name: 'submitter', keys: ['submitter'], colour: Palette.peer },
] as const;

export function benchCharts(results: BenchResults): ChartFile[] {
  const peers = results.peers;
  const all = systems(peers);
  const machine = machineLine(peers);
  const charts: ChartFile[] = [
    {
      name: 'bench-throughput.svg',
      svg: renderBarChart({
        title: 'Throughput: four-step tasks per second',
        subtitle: ['500 tasks submitted at once, median of 3 runs', machine],
        unit: 'tasks/s',
        series: [{ name: 'tasks/s', colour: Palette.troupe }],
        rows: all.map((s) => ({ label: s.label, values: [s.row.burst.tasksPerSec], colour: s.colour })),
        note: 'Blue: Troupe. Dark grey: the bus floor (the same hop on bare nats.js, what the bus allows). Grey: peers.',
      }),
    },
    {
      name: 'bench-latency.svg',
      svg: renderBarChart({
        title: 'Latency of one four-step task',
        subtitle: ['one task at a time, from submit to the task.completed event', machine],
        unit: 'ms',
        series: [
          { name: 'p50', colour: Palette.troupe },
          { name: 'p99', colour: Palette.troupeLight },
        ],
        rows: all.map((s) => ({ label: s.label, values: [s.row.latency.p50, s.row.latency.p99] })),
        note: 'LangGraph.js runs the four steps inside one process: no broker, no process hops.',
      }),
    },
    {
      name: 'bench-cpu.svg',
      svg: renderBarChart({
        title: 'CPU time per task under load, by process',
        subtitle: ['every process of the pipeline, read from /proc during the throughput runs', machine],
        unit: 'ms CPU',
        stacked: true,
        series: CPU_PARTS.map((p) => ({ name: p.name, colour: p.colour })),
        rows: all
          .filter((s) => s.row.burst.cpuMsPerTask !== undefined)
          .map((s) => {
            const cpu = s.row.burst.cpuMsPerTask!;
            return {
              label: s.label,
              values: CPU_PARTS.map((p) => {
                const parts = p.keys.map((k) => cpu[k]).filter((v): v is number => v !== undefined);
                return parts.length > 0 ? parts.reduce((a, b) => a + b, 0) : undefined;
              }),
            };
          }),
        note: 'coordinator: supervisor (Troupe, bus floor) · steps: agents, workers or the one LangGraph process · broker: nats-server or redis-server',
      }),
    },
  ];
  const dashboard = results.dashboard;
  if (dashboard) {
    charts.push({
      name: 'bench-dashboard.svg',
      svg: renderBarChart({
        title: 'Dashboard: one trace in headless Chromium',
        subtitle: [
          'time until every span of the trace is rendered in the waterfall',
          `Chromium ${dashboard.result.browser} · ${dashboard.date.slice(0, 10)}${dashboard.quick ? ' · quick run (one run each)' : ''}`,
        ],
        unit: 'ms',
        series: [
          { name: "new tab on the task's URL (no cache)", colour: Palette.troupe },
          { name: 'opened from the task list', colour: Palette.troupeLight },
        ],
        rows: dashboard.result.traces.map((t) => ({
          label: `${formatNumber(t.spans)} spans`,
          values: [t.pageLoad.renderMs, t.fromList.renderMs],
        })),
        note: `p50 of a click on a span row until its detail shows, and p95 frame while wheel-scrolling: ${dashboard.result.traces
          .map(
            (t) =>
              `${formatNumber(t.click.p50)} ms and ${formatNumber(t.scrollWheel.p95Ms)} ms (${formatNumber(t.spans)} spans)`,
          )
          .join('; ')}.`,
      }),
    });
  }
  return charts;
}
