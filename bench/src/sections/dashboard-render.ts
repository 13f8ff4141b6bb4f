import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Buckets, connect, newTaskId, subjects, type Bus } from '@troupe/bus';
import { freePort, repoRoot, spawnTs, startNatsServer } from '@troupe/bus/testing';
import { TaskRecordSchema, taskKey, type TaskRecord } from '@troupe/supervisor';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../dashboard/chromium.js';
import {
  clickSpanRow,
  renderMarks,
  scrollWaterfall,
  storeApiKey,
  watchTaskList,
  watchTraceRender,
  type FrameRecord,
  type RenderMarks,
} from '../dashboard/page-probes.js';
import { syntheticTrace } from '../dashboard/synthetic-trace.js';
import { BenchError, BenchErrorCode } from '../errors.js';
import { formatTable } from '../report.js';
import { percentile, round, summarise, type LatencySummary } from '../stats.js';
import { atMost, type Target } from '../targets.js';

const TENANT = 'bench';
const API_KEY = 'bench-dashboard-key-0123456789';
/** One frame at 60 Hz, ms; a frame that took more than two of them dropped at least one. */
const FRAME_MS = 1000 / 60;
const DROPPED_MS = 2 * FRAME_MS;
const LONG_FRAME_MS = 50;
const SPANS_PER_MESSAGE = 100;
/** A brisk mouse-wheel scroll: four 24-px rows a frame, 5,760 px a second. */
const WHEEL_PX = 96;
const WAIT = { timeout: 120_000 };

export interface DashboardRenderOptions {
  /** Trace sizes to open, in spans (the issue: 2,000 and 10,000). */
  traceSizes: readonly number[];
  /** Page loads per size; the median counts. */
  runs: number;
  /** Span rows clicked on the largest trace. */
  clicks: number;
  scrollMs: number;
  /** Tasks in the live list and how long, how often each is updated. */
  liveTasks: number;
  liveMs: number;
  updatesPerTaskPerSec: number;
}

export interface FrameFigures {
  frames: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Frames over 50 ms (long enough to feel). */
  over50Ms: number;
  /** Frames over two frame times (33.3 ms): at least one frame was dropped. */
  dropped: number;
}

/** Opening a trace: from the start (navigation or route change) to the frame after it showed. */
export interface OpenFigures {
  /** Until `span-count` showed every span with rows on screen: median, and each run. */
  renderMs: number;
  renderRunsMs: number[];
  /** Until the first span row was on screen (median). */
  firstRowMs: number;
  /** Main-thread tasks over 50 ms meanwhile (the median run): count and the longest. */
  longTasks: number;
  longestTaskMs: number;
}

export type ScrollFigures = FrameFigures & { pxPerFrame: number; maxDomRows: number };

export interface TraceRenderFigures {
  spans: number;
  /** A new tab on the task's URL: page load (no cached assets), sign-in from the session, the whole trace. */
  pageLoad: OpenFigures;
  /** The loaded app routed from the task list to the task, as a click on its row does. */
  fromList: OpenFigures;
  /** `span-row` elements in the DOM once rendered: a screenful when virtualised. */
  domRows: number;
  /** Scrolling the waterfall at a brisk wheel pace, and flinging it top to bottom in the same time. */
  scrollWheel: ScrollFigures;
  scrollFling: ScrollFigures;
  /** Click on a span row → `span-detail` shown and painted, ms. */
  click: LatencySummary;
}

export interface LiveListFigures {
  tasks: number;
  seconds: number;
  /** KV puts of task records while the frames were recorded. */
  updatesWritten: number;
  updatesPerSec: number;
  /** `data-status` changes the page made on the rows it shows (the rest are scrolled out of a virtual list). */
  statusChangesSeen: number;
  mutationsSeen: number;
  maxDomRows: number;
  frames: FrameFigures;
  /** The same page for as long before the updates, nothing changing: what the machine drops anyway. */
  idleFrames: FrameFigures;
}

export interface DashboardRenderResult {
  browser: string;
  scrollSeconds: number;
  traces: TraceRenderFigures[];
  live: LiveListFigures;
}

function frameFigures(intervals: readonly number[]): FrameFigures {
  const sorted = [...intervals].sort((a, b) => a - b);
  return {
    frames: sorted.length,
    p50Ms: round(percentile(sorted, 0.5), 1),
    p95Ms: round(percentile(sorted, 0.95), 1),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 1),
    over50Ms: sorted.filter((t) => t > LONG_FRAME_MS).length,
    dropped: sorted.filter((t) => t > DROPPED_MS).length,
  };
}

const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

function openFigures(runs: readonly RenderMarks[]): OpenFigures {
  const typical = [...runs].sort((a, b) => a.allMs! - b.allMs!)[Math.floor(runs.length / 2)]!;
  return {
    renderMs: round(median(runs.map((m) => m.allMs!)), 1),
    renderRunsMs: runs.map((m) => round(m.allMs!, 1)),
    firstRowMs: round(median(runs.map((m) => m.firstRowMs ?? Number.NaN)), 1),
    longTasks: typical.longTasks,
    longestTaskMs: round(typical.longestTaskMs, 1),
  };
}

const scrollFigures = (r: FrameRecord): ScrollFigures => ({
  ...frameFigures(r.intervals),
  pxPerFrame: round(r.pxPerFrame ?? 0, 0),
  maxDomRows: r.maxDomRows,
});

/** A task record for a synthetic task: finished, its trace id in the metadata as the API writes it. */
function taskRecord(taskId: string, traceId: string, createdAt: number, endedAt: number): TaskRecord {
  return {
    v: 1,
    taskId,
    tenant: TENANT,
    workflow: 'report',
    workflowVersion: 1,
    status: 'completed',
    input: { question: 'How does a 10,000-span trace render?' },
    options: {},
    metadata: { traceId },
    createdAt,
    updatedAt: endedAt,
    seq: 1,
    wakeAt: null,
    result: { document: '# A synthetic report\n\nSpans only.', citations: [] },
  };
}

/** Stores a synthetic trace of `spans` spans and its task record; returns the task id. */
async function storeTrace(bus: Bus, spans: number): Promise<string> {
  const createdAt = Date.now() - 180_000;
  const trace = syntheticTrace(spans, createdAt);
  for (let i = 0; i < trace.spans.length; i += SPANS_PER_MESSAGE) {
    await bus.publishDurable(subjects.spans(trace.traceId), trace.spans.slice(i, i + SPANS_PER_MESSAGE));
  }
  const taskId = newTaskId(createdAt);
  const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
  await tasks.put(taskKey(TENANT, taskId), taskRecord(taskId, trace.traceId, createdAt, trace.end));
  return taskId;
}

/** A fresh browser context, signed in with the bench key by its session storage. */
async function signedInContext(newContext: () => Promise<BrowserContext>): Promise<BrowserContext> {
  const context = await newContext();
  // tsx compiles this file with esbuild's keepNames, which wraps inner functions in `__name(fn, "name")`:
  // the probes' source text carries those calls into the page.
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  await context.addInitScript(storeApiKey, API_KEY);
  return context;
}

/**
 * The dashboard in headless Chromium (Debian's, driven by playwright-core) against a real API (`troupe api`)
 * on a fresh nats-server: synthetic traces of 2,000 and 10,000 spans across processes, each opened on the task
 * page in a new tab and from the loaded app's task list (time until every span is counted and rows are
 * painted), then scrolled and clicked (frame intervals, time to the span detail); and the tasks page while
 * `liveTasks` task records change `updatesPerTaskPerSec` times a second each (frame intervals, beside the
 * same page idle).
 */
export async function runDashboardRender(o: DashboardRenderOptions): Promise<DashboardRenderResult> {
  const dashboard = join(repoRoot(), 'apps', 'dashboard', 'dist', 'index.html');
  if (!existsSync(dashboard)) {
    throw new BenchError(
      BenchErrorCode.InvalidOptions,
      `the dashboard is not built (${dashboard} is missing): run pnpm --filter @troupe/dashboard build`,
    );
  }
  await using server = await startNatsServer();
  const port = await freePort();
  await using api = spawnTs(join(repoRoot(), 'apps', 'cli', 'src', 'main.ts'), {
    args: ['api', '--port', String(port), '--nats', server.url],
    env: { TROUPE_API_KEYS: `${API_KEY}:${TENANT}:tasks:read+tasks:write+review` },
  });
  const killApi = () => api.child.kill('SIGKILL');
  process.on('exit', killApi);
  try {
    await api.waitForLine(/^ready api /, 60_000).catch((err: unknown) => {
      throw new BenchError(BenchErrorCode.ProcessFailed, `the API did not start: ${(err as Error).message}`, {
        cause: err,
      });
    });
    const ui = `http://127.0.0.1:${port}/ui/`;
    await using bus = await connect({ servers: server.url, name: 'bench-dashboard' });
    await bus.ensureTopology();
    await using chromium = await launchChromium();
    const newContext = () => chromium.browser.newContext({ viewport: { width: 1440, height: 900 } });

    const traces: TraceRenderFigures[] = [];
    for (const spans of o.traceSizes) {
      const taskId = await storeTrace(bus, spans);
      const hash = `#/tasks/${taskId}`;
      const loads: RenderMarks[] = [];
      for (let run = 0; run < o.runs; run++) {
        const context = await signedInContext(newContext);
        await context.addInitScript(watchTraceRender, { spans });
        const page = await context.newPage();
        await page.goto(`${ui}${hash}`);
        loads.push((await (await page.waitForFunction(renderMarks, undefined, WAIT)).jsonValue())!);
        await context.close();
      }
      const context = await signedInContext(newContext);
      const page = await context.newPage();
      const routes: RenderMarks[] = [];
      for (let run = 0; run < o.runs; run++) {
        await page.goto(`${ui}#/tasks`);
        await page.getByTestId('task-list').waitFor(WAIT);
        routes.push(await page.evaluate(watchTraceRender, { spans, hash }));
      }
      // Interactivity, on the page that has just rendered the whole trace.
      const wheel = await page.evaluate(scrollWaterfall, { durationMs: o.scrollMs, pxPerFrame: WHEEL_PX });
      const fling = await page.evaluate(scrollWaterfall, { durationMs: o.scrollMs });
      const clicks: number[] = [];
      for (let i = 0; i < o.clicks; i++) clicks.push(await page.evaluate(clickSpanRow, 2 + ((i * 3) % 15)));
      await context.close();
      if (clicks.some((ms) => ms < 0)) {
        throw new BenchError(
          BenchErrorCode.Incomplete,
          'a click on a span row showed no span-detail within 5 s',
        );
      }
      traces.push({
        spans,
        pageLoad: openFigures(loads),
        fromList: openFigures(routes),
        domRows: routes[0]?.domRows ?? 0,
        scrollWheel: scrollFigures(wheel),
        scrollFling: scrollFigures(fling),
        click: summarise(clicks),
      });
    }

    const live = await measureLiveList(bus, newContext, `${ui}#/tasks`, o);
    return { browser: chromium.browser.version(), scrollSeconds: o.scrollMs / 1_000, traces, live };
  } finally {
    process.off('exit', killApi);
  }
}

/** The tasks page while `liveTasks` running tasks each change status `updatesPerTaskPerSec` times a second. */
async function measureLiveList(
  bus: Bus,
  newContext: () => Promise<BrowserContext>,
  url: string,
  o: DashboardRenderOptions,
): Promise<LiveListFigures> {
  const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
  const now = Date.now();
  const records = Array.from({ length: o.liveTasks }, (_, i) => {
    const taskId = newTaskId(now - i * 1_000);
    return {
      ...taskRecord(taskId, '0'.repeat(32), now - i * 1_000, now),
      status: 'running' as const,
      result: undefined,
    };
  });
  await Promise.all(records.map((r) => tasks.put(taskKey(TENANT, r.taskId), r)));

  const context = await signedInContext(newContext);
  const page = await context.newPage();
  await page.goto(url);
  // Listed once the page counts them all (the earlier trace tasks are in the list too).
  await page.waitForFunction(
    (n) => {
      const text = (
        globalThis as unknown as {
          document: { querySelector(s: string): { textContent: string | null } | null };
        }
      ).document.querySelector('[data-testid="task-count"]')?.textContent;
      return Number((/\d[\d,]*/.exec(text ?? '')?.[0] ?? '0').replaceAll(',', '')) >= n;
    },
    o.liveTasks,
    { timeout: 60_000 },
  );

  // The control: the same page for as long with nothing changing, the frames this machine drops anyway.
  const idle = await page.evaluate(watchTaskList, o.liveMs);
  const watching = page.evaluate(watchTaskList, o.liveMs);
  const started = performance.now();
  const interval = 1_000 / o.updatesPerTaskPerSec;
  let written = 0;
  for (let pass = 1; performance.now() - started < o.liveMs; pass++) {
    const at = Date.now();
    const status = pass % 2 === 1 ? ('queued' as const) : ('running' as const);
    await Promise.all(
      records.map((r) => tasks.put(taskKey(TENANT, r.taskId), { ...r, status, updatedAt: at, seq: pass })),
    );
    written += records.length;
    const next = started + pass * interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const seconds = (performance.now() - started) / 1_000;
  const seen = await watching;
  await context.close();
  return {
    tasks: o.liveTasks,
    seconds: round(seconds, 1),
    updatesWritten: written,
    updatesPerSec: round(written / seconds, 0),
    statusChangesSeen: seen.statusChanges ?? 0,
    mutationsSeen: seen.mutations ?? 0,
    maxDomRows: seen.maxDomRows,
    frames: frameFigures(seen.intervals),
    idleFrames: frameFigures(idle.intervals),
  };
}

const spansLabel = (n: number) => n.toLocaleString('en-US');

/** The section's table (console text; the Markdown report gets it too). */
export function formatDashboardRender(r: DashboardRenderResult, title: string): string {
  const rows: Array<[string, string | number]> = [];
  const open = (f: OpenFigures) =>
    `${f.renderMs} (${f.renderRunsMs.join(' / ')}); first rows ${f.firstRowMs}; long tasks ${f.longTasks} (longest ${f.longestTaskMs})`;
  const scroll = (f: ScrollFigures) =>
    `${f.frames} frames, ${f.p50Ms} / ${f.p95Ms} / ${f.maxMs}; over 50 ms ${f.over50Ms}, dropped ${f.dropped}; rows in the DOM ≤ ${f.maxDomRows}`;
  for (const t of r.traces) {
    const n = spansLabel(t.spans);
    rows.push(
      [
        `${n} spans, opened from the task list: every span counted and painted, ms (median; runs)`,
        open(t.fromList),
      ],
      [`${n} spans, new tab on its URL (page load, no cache): the same`, open(t.pageLoad)],
      [`${n} spans: span rows in the DOM`, String(t.domRows)],
      [
        `${n} spans: wheel scroll ${t.scrollWheel.pxPerFrame} px/frame for ${r.scrollSeconds} s: frame ms p50 / p95 / max`,
        scroll(t.scrollWheel),
      ],
      [
        `${n} spans: fling top to bottom in ${r.scrollSeconds} s (${t.scrollFling.pxPerFrame} px/frame): the same`,
        scroll(t.scrollFling),
      ],
      [
        `${n} spans: click a row → span detail painted, ms p50 / p90 / max (n)`,
        `${round(t.click.p50, 1)} / ${round(t.click.p90, 1)} / ${round(t.click.max, 1)} (${t.click.n})`,
      ],
    );
  }
  const l = r.live;
  rows.push(
    [
      `${l.tasks} live tasks, ${l.seconds} s at ${l.updatesPerSec} record updates/s: frame ms p50 / p95 / max`,
      `${l.frames.frames} frames, ${l.frames.p50Ms} / ${l.frames.p95Ms} / ${l.frames.maxMs}; over 50 ms ${l.frames.over50Ms}, dropped ${l.frames.dropped}`,
    ],
    [
      `the same list, ${l.seconds} s with no update (control): the same`,
      `${l.idleFrames.frames} frames, ${l.idleFrames.p50Ms} / ${l.idleFrames.p95Ms} / ${l.idleFrames.maxMs}; over 50 ms ${l.idleFrames.over50Ms}, dropped ${l.idleFrames.dropped}`,
    ],
    [
      `${l.tasks} live tasks: status changes shown on the rows in the DOM (most rows in the DOM)`,
      `${l.statusChangesSeen} (${l.maxDomRows})`,
    ],
  );
  return formatTable(title, ['measure', 'value'], rows);
}

/**
 * The figures as targets: a 2,000-span trace renders in under a second (opened from the list, and in a
 * new tab), a 10,000-span one stays interactive (a click answers within 100 ms, a wheel scroll keeps 95 % of
 * frames under two frame times), and 200 live tasks update without a dropped frame.
 */
export function dashboardTargets(r: DashboardRenderResult): Target[] {
  const targets: Target[] = [];
  const small = r.traces.find((t) => t.spans === 2_000);
  const large = r.traces.reduce<TraceRenderFigures | undefined>(
    (a, t) => (a && a.spans >= t.spans ? a : t),
    undefined,
  );
  if (small) {
    targets.push(
      atMost(
        'dashboard: 2,000-span trace renders in < 1 s, from the task list',
        small.fromList.renderMs,
        1_000,
        'ms',
      ),
      atMost('dashboard: 2,000-span trace renders in < 1 s, new tab', small.pageLoad.renderMs, 1_000, 'ms'),
    );
  }
  if (large) {
    const n = spansLabel(large.spans);
    targets.push(
      atMost(`dashboard: ${n}-span trace, click → span detail p90 ≤ 100 ms`, large.click.p90, 100, 'ms'),
      atMost(
        `dashboard: ${n}-span trace, wheel scroll frame p95 ≤ 33.3 ms`,
        large.scrollWheel.p95Ms,
        DROPPED_MS,
        'ms',
        '33.3 ms',
      ),
    );
  }
  const dropped = r.live.frames.dropped;
  targets.push({
    target: `dashboard: ${r.live.tasks} live tasks update without dropped frames`,
    measured: `${dropped} of ${r.live.frames.frames} frames over 33.3 ms`,
    ratio: round(dropped / Math.max(1, r.live.frames.frames), 3),
    pass: dropped === 0,
    verdict:
      dropped === 0
        ? 'PASS'
        : `MISS: ${dropped} dropped (longest frame ${r.live.frames.maxMs} ms; ${r.live.idleFrames.dropped} with no update)`,
  });
  return targets;
}
