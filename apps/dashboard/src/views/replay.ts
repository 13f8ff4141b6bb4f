import type { TaskEvent, TaskStatus } from '@troupe/client';
import { isAgentEvent, ProgressEventType } from './progress-events.js';
import {
  buildStepGraph,
  reviewMarks,
  type StepGraphModel,
  type StepInstanceState,
  type WorkflowStep,
} from './step-graph.js';
import { roundOfKey, stepIdOfKey, stepKey } from './step-key.js';
import type { LegendEntry, Waterfall, WaterfallRow } from './waterfall.js';

/**
 * ★ Replay: the task as it was at any moment, rebuilt from what was stored: its progress events (each with
 * its time `at`) and its spans. Step states are replayed from the events the way the supervisor produced them;
 * the waterfall hides spans that had not started and shows those still running as open up to that moment.
 */

export type MarkTone = 'task' | 'step' | 'review' | 'error';

/** A moment worth jumping to on the scrubber. */
export interface ReplayMark {
  at: number;
  type: string;
  stepKey: string | undefined;
  tone: MarkTone;
  label: string;
}

export interface ReplayRange {
  start: number;
  end: number;
  marks: ReplayMark[];
}

export interface ReplayFrame {
  t: number;
  status: TaskStatus;
  instances: StepInstanceState[];
  graph: StepGraphModel;
  waterfall: Waterfall;
}

const FINAL_EVENTS: ReadonlyMap<string, TaskStatus> = new Map<string, TaskStatus>([
  [ProgressEventType.TaskCompleted, 'completed'],
  [ProgressEventType.TaskFailed, 'failed'],
  [ProgressEventType.TaskCancelled, 'cancelled'],
]);

const toneOf = (type: string): MarkTone => {
  if (type.startsWith('task.')) return type === ProgressEventType.TaskFailed ? 'error' : 'task';
  if (type.startsWith('review.')) return 'review';
  if (
    type === ProgressEventType.StepFailed ||
    type === ProgressEventType.StepTimeout ||
    type === ProgressEventType.StepLost ||
    type === ProgressEventType.BudgetExceeded
  ) {
    return 'error';
  }
  return 'step';
};

/** When the task ended, from its final event; undefined while it runs. */
export function finalEventTime(events: readonly TaskEvent[]): number | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (FINAL_EVENTS.has(e.type)) return e.at;
  }
  return undefined;
}

/**
 * The scrubber's range, from the task's creation to its end (or `now` while it runs), widened to take in every
 * span, and the supervisor's events as marks (the agents' token deltas would only be noise there).
 */
export function replayRange(input: {
  createdAt: number;
  events: readonly TaskEvent[];
  waterfall?: Waterfall;
  now: number;
}): ReplayRange {
  const { createdAt, events, waterfall, now } = input;
  let start = createdAt;
  let end = finalEventTime(events) ?? now;
  const marks: ReplayMark[] = [];
  for (const e of events) {
    if (isAgentEvent(e.type)) continue;
    if (e.at < start) start = e.at;
    if (e.at > end) end = e.at;
    marks.push({ at: e.at, type: e.type, stepKey: e.stepKey, tone: toneOf(e.type), label: markLabel(e) });
  }
  if (waterfall && waterfall.rows.length > 0) {
    start = Math.min(start, waterfall.start);
    end = Math.max(end, waterfall.end);
  }
  marks.sort((a, b) => a.at - b.at);
  return { start, end: Math.max(start, end), marks };
}

function markLabel(e: TaskEvent): string {
  const decision = typeof e.data['decision'] === 'string' ? ` (${e.data['decision']})` : '';
  return e.stepKey === undefined ? `${e.type}${decision}` : `${e.type} ${e.stepKey}${decision}`;
}

/** The first mark after `t`, or undefined. */
export function nextMark(marks: readonly ReplayMark[], t: number): ReplayMark | undefined {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]!.at <= t) lo = mid + 1;
    else hi = mid;
  }
  return marks[lo];
}

/** The last mark before `t`, or undefined. */
export function previousMark(marks: readonly ReplayMark[], t: number): ReplayMark | undefined {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]!.at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? marks[lo - 1] : undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Every step a step's restart reaches: itself and whatever needs it, directly or not. */
function withDependents(steps: readonly WorkflowStep[], from: string): Set<string> {
  const reached = new Set([from]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps) {
      if (reached.has(s.id)) continue;
      if (s.needs.some((n) => reached.has(n))) {
        reached.add(s.id);
        grew = true;
      }
    }
  }
  return reached;
}

/** The fan-out item a key names (`research-3` → 2), given its step and round. */
function indexOfKey(key: string, stepId: string, round: number): number | undefined {
  const base = stepKey(stepId, round);
  const match = /^-(\d+)$/.exec(key.slice(base.length));
  return key.startsWith(base) && match ? Number(match[1]) - 1 : undefined;
}

/** The task's status and step instances after the events up to and including `t`, in stream order. */
export function instancesAt(
  events: readonly TaskEvent[],
  steps: readonly WorkflowStep[],
  t: number,
): { status: TaskStatus; instances: StepInstanceState[] } {
  const ids = steps.map((s) => s.id);
  const instances = new Map<string, StepInstanceState>();
  let status: TaskStatus = 'queued';

  const settleUnfinished = (among?: ReadonlySet<string>) => {
    for (const i of instances.values()) {
      if (among && !among.has(i.stepId)) continue;
      if (i.status === 'pending' || i.status === 'dispatched' || i.status === 'running') i.status = 'skipped';
    }
  };
  const instanceOf = (
    key: string,
    stepId: string | undefined,
    knownRound: number | undefined,
  ): StepInstanceState | undefined => {
    const known = instances.get(key);
    if (known) return known;
    const id = stepId ?? stepIdOfKey(key, ids);
    if (id === undefined) return undefined;
    const round = knownRound ?? roundOfKey(key, id);
    const created: StepInstanceState = { key, stepId: id, status: 'pending', round, attempt: 0 };
    const index = indexOfKey(key, id, round);
    if (index !== undefined) created.index = index;
    instances.set(key, created);
    return created;
  };

  for (const e of events) {
    if (e.at > t) continue;
    const d = e.data;
    const key = e.stepKey;
    const final = FINAL_EVENTS.get(e.type);
    if (final) {
      status = final;
      settleUnfinished();
      continue;
    }
    switch (e.type) {
      case ProgressEventType.TaskStarted:
        status = 'running';
        continue;
      case ProgressEventType.ReviewRequested:
        status = 'awaiting_review';
        continue;
      case ProgressEventType.ReviewDecided:
        if (status === 'awaiting_review') status = 'running';
        continue;
      case ProgressEventType.StepFannedOut: {
        const stepId = str(d['stepId']);
        const round = num(d['round']) ?? 1;
        const count = num(d['count']) ?? 0;
        if (stepId === undefined) continue;
        for (let index = 0; index < count; index++) {
          const k = stepKey(stepId, round, index);
          if (!instances.has(k))
            instances.set(k, { key: k, stepId, status: 'pending', round, attempt: 0, index });
        }
        continue;
      }
      case ProgressEventType.StepLoop: {
        const to = str(d['to']);
        if (to !== undefined) settleUnfinished(withDependents(steps, to));
        continue;
      }
    }
    if (key === undefined) continue;
    if (isAgentEvent(e.type)) {
      const i = instances.get(key);
      const attempt = num(d['attempt']);
      if (i && i.status === 'dispatched' && (attempt === undefined || attempt === i.attempt))
        i.status = 'running';
      continue;
    }
    const i = instanceOf(key, str(d['stepId']), num(d['round']));
    if (!i) continue;
    switch (e.type) {
      case ProgressEventType.StepDispatched: {
        i.status = 'dispatched';
        i.attempt = num(d['attempt']) ?? i.attempt + 1;
        const model = str(d['model']);
        if (model !== undefined) i.model = model;
        break;
      }
      case ProgressEventType.StepSucceeded:
        i.status = 'succeeded';
        break;
      case ProgressEventType.StepFailed:
        i.status = 'failed';
        break;
      case ProgressEventType.StepRetryScheduled:
      case ProgressEventType.StepFallback:
      case ProgressEventType.StepLost:
        i.status = 'pending';
        break;
      case ProgressEventType.StepSkipped:
        i.status = 'skipped';
        break;
    }
  }
  return { status, instances: [...instances.values()] };
}

/**
 * The waterfall at `t`: rows that had started, those still running cut at `t` and shown open. The time axis
 * (`start`, `end`) stays the whole task's, so bars grow in place while the scrubber moves. O(n).
 */
export function waterfallAt(full: Waterfall, t: number): Waterfall {
  const kept: WaterfallRow[] = [];
  const children = new Map<string, number>();
  for (const row of full.rows) {
    if (row.start > t) continue;
    kept.push(row);
    if (row.parentSpanId !== undefined)
      children.set(row.parentSpanId, (children.get(row.parentSpanId) ?? 0) + 1);
  }
  const rows: WaterfallRow[] = [];
  const index = new Map<string, number>();
  const legend = new Map<string, LegendEntry>();
  let openCount = 0;
  let orphanCount = 0;
  let skewedCount = 0;
  let errorCount = 0;
  for (const row of kept) {
    const running = row.end > t;
    const childCount = children.get(row.spanId) ?? 0;
    const shown =
      running || childCount !== row.childCount
        ? { ...row, childCount, ...(running ? { end: t, open: true, error: false } : {}) }
        : row;
    index.set(shown.spanId, rows.length);
    rows.push(shown);
    if (shown.open) openCount++;
    if (shown.orphan) orphanCount++;
    if (shown.skewMs > 0) skewedCount++;
    if (shown.error) errorCount++;
    const entry = legend.get(shown.colourKey);
    if (entry) entry.count++;
    else legend.set(shown.colourKey, { key: shown.colourKey, colour: shown.colour, count: 1 });
  }
  return {
    rows,
    index,
    start: full.start,
    end: full.end,
    legend: [...legend.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
    openCount,
    orphanCount,
    skewedCount,
    errorCount,
  };
}

/** Everything the task page shows in replay at `t`. */
export function replayAt(input: {
  events: readonly TaskEvent[];
  steps: readonly WorkflowStep[];
  waterfall: Waterfall;
  t: number;
}): ReplayFrame {
  const { events, steps, waterfall, t } = input;
  const { status, instances } = instancesAt(events, steps, t);
  const graph = buildStepGraph(
    steps,
    instances,
    reviewMarks(
      events,
      steps.map((s) => s.id),
      t,
    ),
  );
  return { t, status, instances, graph, waterfall: waterfallAt(waterfall, t) };
}
