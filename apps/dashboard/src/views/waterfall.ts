import type { TraceSpan } from '@troupe/client';
import { serviceColour } from './service-colour.js';

/**
 * The trace waterfall's rows: spans from many processes as one tree, ordered for reading top to bottom.
 *
 * Times come from the clock of each process that recorded a span, so a child recorded on a host whose
 * clock runs behind can seem to start before its parent. Each pair of clocks (parent host → child host)
 * gets an offset estimate (the median shift its children need to start no earlier than their parents), and
 * a child that still starts too early is moved, whole, to its parent's start: `skewMs` says by how much.
 * A child may end after its parent: a message's consumer outlives its producer's span, so that is kept.
 */
export interface WaterfallRow {
  spanId: string;
  parentSpanId: string | undefined;
  span: TraceSpan;
  depth: number;
  /** Displayed times, epoch ms, after the clock correction. */
  start: number;
  end: number;
  /** A `started` marker: the span is still open and its bar runs to `now`. */
  open: boolean;
  /** Names a parent that is not among the known spans: shown as a root, not dropped. */
  orphan: boolean;
  /** Everything added to the recorded times (clock offset estimate and clamping). */
  shiftMs: number;
  /** How far the span, after the clock offset, started before its parent and was moved. 0 when it fit. */
  skewMs: number;
  error: boolean;
  /** What the colour stands for: the agent role when the span or an ancestor in its process names one, else the service. */
  colourKey: string;
  colour: string;
  /** The step instance (`troupe.step.id`, e.g. `research-2`) the span or an ancestor in its service ran. */
  stepKey: string | undefined;
  childCount: number;
}

export interface LegendEntry {
  key: string;
  colour: string;
  count: number;
}

export interface Waterfall {
  rows: WaterfallRow[];
  /** Row index by span id. */
  index: ReadonlyMap<string, number>;
  start: number;
  end: number;
  legend: LegendEntry[];
  openCount: number;
  orphanCount: number;
  skewedCount: number;
  errorCount: number;
}

export interface WaterfallOptions {
  /** Where open spans end: the present, or the replay time. */
  now: number;
}

const ROLE_ATTRIBUTES = ['troupe.agent.role', 'gen_ai.agent.name'] as const;
const STEP_ATTRIBUTE = 'troupe.step.id';

export const isOpenSpan = (span: TraceSpan): boolean => span.phase === 'started';

/** Adds a span record to a map of spans by id: an `ended` record replaces a `started` one, never the reverse. */
export function mergeSpan(into: Map<string, TraceSpan>, span: TraceSpan): boolean {
  const known = into.get(span.spanId);
  if (known && !isOpenSpan(known) && isOpenSpan(span)) return false;
  into.set(span.spanId, span);
  return true;
}

export function mergeSpans(spans: Iterable<TraceSpan>): Map<string, TraceSpan> {
  const map = new Map<string, TraceSpan>();
  for (const span of spans) mergeSpan(map, span);
  return map;
}

/** The clock a span was timed with: its host's, or its service's when the record does not say. */
const clockOf = (span: TraceSpan): string => span.host ?? span.service;

/** Offsets by parent clock, then child clock (nested maps: no key string built per span). */
export type ClockOffsets = Map<string, Map<string, number>>;

function roleOf(span: TraceSpan): string | undefined {
  for (const key of ROLE_ATTRIBUTES) {
    const value = span.attrs[key];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

function stepOf(span: TraceSpan): string | undefined {
  const value = span.attrs[STEP_ATTRIBUTE];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * For each pair of clocks (parent's → child's), the shift that makes the median child of that pair start no
 * earlier than its parent. Children that already fit count as 0, so a clock that only looks late is left alone.
 */
export function estimateClockOffsets(spans: ReadonlyMap<string, TraceSpan>): ClockOffsets {
  const needs = new Map<string, Map<string, number[]>>();
  for (const child of spans.values()) {
    if (child.parentSpanId === undefined) continue;
    const parent = spans.get(child.parentSpanId);
    if (!parent) continue;
    const from = clockOf(parent);
    const to = clockOf(child);
    if (from === to) continue;
    let byChild = needs.get(from);
    if (!byChild) needs.set(from, (byChild = new Map()));
    let list = byChild.get(to);
    if (!list) byChild.set(to, (list = []));
    list.push(Math.max(0, parent.start - child.start));
  }
  const offsets: ClockOffsets = new Map();
  for (const [from, byChild] of needs) {
    const medians = new Map<string, number>();
    for (const [to, list] of byChild) medians.set(to, median(list));
    offsets.set(from, medians);
  }
  return offsets;
}

const byStartThenId = (a: TraceSpan, b: TraceSpan) =>
  a.start - b.start || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

interface Frame {
  span: TraceSpan;
  depth: number;
  orphan: boolean;
  shift: number;
  skew: number;
  colourKey: string;
  stepKey: string | undefined;
}

/** Builds the rows in O(n log n): one pass to index children, one sort per sibling list, one walk. */
export function buildWaterfall(
  input: ReadonlyMap<string, TraceSpan> | readonly TraceSpan[],
  options: WaterfallOptions,
): Waterfall {
  const spans: ReadonlyMap<string, TraceSpan> = Array.isArray(input)
    ? mergeSpans(input)
    : (input as ReadonlyMap<string, TraceSpan>);
  const { now } = options;
  const offsets = estimateClockOffsets(spans);

  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const span of spans.values()) {
    const parentId = span.parentSpanId;
    if (parentId !== undefined && parentId !== span.spanId && spans.has(parentId)) {
      let list = children.get(parentId);
      if (!list) children.set(parentId, (list = []));
      list.push(span);
    } else {
      roots.push(span);
    }
  }
  roots.sort(byStartThenId);

  const rows: WaterfallRow[] = [];
  const index = new Map<string, number>();
  const legend = new Map<string, LegendEntry>();
  let start = Infinity;
  let end = -Infinity;
  let openCount = 0;
  let orphanCount = 0;
  let skewedCount = 0;
  let errorCount = 0;

  const walk = (root: Frame) => {
    const stack: Frame[] = [root];
    while (stack.length > 0) {
      const frame = stack.pop()!;
      const { span } = frame;
      if (index.has(span.spanId)) continue;
      const open = isOpenSpan(span);
      const rowStart = span.start + frame.shift;
      const recordedEnd = rowStart + span.durationMs;
      const rowEnd = open ? Math.max(recordedEnd, now) : recordedEnd;
      const error = span.status === 'error';
      const kids = children.get(span.spanId) ?? [];
      const colour = serviceColour(frame.colourKey);
      index.set(span.spanId, rows.length);
      rows.push({
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        span,
        depth: frame.depth,
        start: rowStart,
        end: rowEnd,
        open,
        orphan: frame.orphan,
        shiftMs: frame.shift,
        skewMs: frame.skew,
        error,
        colourKey: frame.colourKey,
        colour,
        stepKey: frame.stepKey,
        childCount: kids.length,
      });
      if (rowStart < start) start = rowStart;
      if (rowEnd > end) end = rowEnd;
      if (open) openCount++;
      if (frame.orphan) orphanCount++;
      if (frame.skew > 0) skewedCount++;
      if (error) errorCount++;
      const entry = legend.get(frame.colourKey);
      if (entry) entry.count++;
      else legend.set(frame.colourKey, { key: frame.colourKey, colour, count: 1 });

      if (kids.length === 0) continue;
      const clock = clockOf(span);
      const fromClock = offsets.get(clock);
      const placed: Frame[] = kids.map((child) => {
        const childClock = clockOf(child);
        let shift = frame.shift;
        if (childClock !== clock && fromClock) shift += fromClock.get(childClock) ?? 0;
        const early = rowStart - (child.start + shift);
        const skew = early > 0 ? early : 0;
        const sameService = child.service === span.service;
        return {
          span: child,
          depth: frame.depth + 1,
          orphan: false,
          shift: shift + skew,
          skew,
          colourKey: roleOf(child) ?? (sameService ? frame.colourKey : child.service),
          stepKey: stepOf(child) ?? (sameService ? frame.stepKey : undefined),
        };
      });
      placed.sort(
        (a, b) => a.span.start + a.shift - (b.span.start + b.shift) || byStartThenId(a.span, b.span),
      );
      // Pushed in reverse so the earliest child is walked first.
      for (let i = placed.length - 1; i >= 0; i--) stack.push(placed[i]!);
    }
  };

  const rootFrame = (span: TraceSpan): Frame => ({
    span,
    depth: 0,
    orphan: span.parentSpanId !== undefined,
    shift: 0,
    skew: 0,
    colourKey: roleOf(span) ?? span.service,
    stepKey: stepOf(span),
  });
  for (const root of roots) walk(rootFrame(root));
  // Spans whose parents form a loop are reachable from no root: show them as orphans rather than lose them.
  if (index.size < spans.size) {
    const left = [...spans.values()].filter((s) => !index.has(s.spanId)).sort(byStartThenId);
    for (const span of left) if (!index.has(span.spanId)) walk(rootFrame(span));
  }

  if (rows.length === 0) {
    start = now;
    end = now;
  }
  return {
    rows,
    index,
    start,
    end,
    legend: [...legend.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
    openCount,
    orphanCount,
    skewedCount,
    errorCount,
  };
}

/** The rows without the descendants of collapsed spans, in O(n). */
export function visibleRows(rows: readonly WaterfallRow[], collapsed: ReadonlySet<string>): WaterfallRow[] {
  if (collapsed.size === 0) return rows as WaterfallRow[];
  const out: WaterfallRow[] = [];
  let hideBelow = Infinity;
  for (const row of rows) {
    if (row.depth > hideBelow) continue;
    hideBelow = collapsed.has(row.spanId) && row.childCount > 0 ? row.depth : Infinity;
    out.push(row);
  }
  return out;
}
