import type { Task, TaskEvent, TraceSpan, WorkflowInfo } from '@troupe/client';
import { useDeferredValue, useMemo } from 'react';
import { replayAt, replayRange, type ReplayFrame, type ReplayRange } from '../views/replay.js';
import {
  buildStepGraph,
  liveInstances,
  reviewMarks,
  type StepGraphModel,
  type WorkflowStep,
} from '../views/step-graph.js';
import { layoutStepGraph, type StepGraphLayout } from '../views/step-graph-layout.js';
import { stepIdOfKey } from '../views/step-key.js';
import { buildWaterfall, type Waterfall, type WaterfallRow } from '../views/waterfall.js';

export interface TaskViewsInput {
  task: Task | undefined;
  workflows: WorkflowInfo[] | undefined;
  events: readonly TaskEvent[];
  spans: ReadonlyMap<string, TraceSpan>;
  spanVersion: number;
  openSpans: number;
  /** When the task ended, if it did. */
  endedAt: number | undefined;
  now: number;
  /** The replay time; undefined while live. */
  t: number | undefined;
  /** The step whose spans are singled out. */
  focusStep: string | undefined;
}

export interface TaskViews {
  steps: WorkflowStep[];
  layout: StepGraphLayout;
  /** The whole trace as known now. */
  waterfall: Waterfall;
  /** The step graph as the task is now. */
  liveGraph: StepGraphModel;
  range: ReplayRange;
  /** The task at the replay time, while replaying. */
  frame: ReplayFrame | undefined;
  /** Whether a row ran for the focused step; undefined without one. */
  focus: ((row: WaterfallRow) => boolean) | undefined;
}

/**
 * The task page's view models, each memoised on what it reads: the 10,000-span waterfall is rebuilt when spans
 * arrive (or, with spans open, as time passes), not on every render; replay derives from it in O(n) per move.
 */
export function useTaskViews(input: TaskViewsInput): TaskViews {
  const { task, workflows, events, spans, spanVersion, openSpans, endedAt, now, t, focusStep } = input;

  const steps = useMemo(() => {
    if (workflows === undefined) return [];
    const known = workflows.find((w) => w.name === task?.workflow)?.steps;
    if (known) return known;
    // The workflow is not served (any more): its steps as the task knows them, without their needs.
    const seen = new Map<string, WorkflowStep>();
    for (const s of task?.steps ?? []) {
      if (!seen.has(s.stepId)) seen.set(s.stepId, { id: s.stepId, role: s.role, needs: [] });
    }
    return [...seen.values()];
  }, [workflows, task?.workflow, task?.steps]);
  const layout = useMemo(() => layoutStepGraph(steps), [steps]);

  // Open spans run to the present while the task runs and to its end once it ended; without open spans the
  // waterfall does not depend on the time, so it is not rebuilt every second.
  const spanNow = endedAt ?? (openSpans > 0 ? now : 0);
  const waterfall = useMemo(
    () => buildWaterfall(spans, { now: spanNow }),
    // spanVersion stands for the contents of the span map, which grows in place.
    [spans, spanVersion, spanNow],
  );

  const liveGraph = useMemo(() => {
    const marks = reviewMarks(
      events,
      steps.map((s) => s.id),
    );
    const pending = task?.review?.pending;
    if (pending)
      marks.set(pending.stepId, { state: 'awaiting', rounds: marks.get(pending.stepId)?.rounds ?? 0 });
    return buildStepGraph(steps, liveInstances(task?.steps ?? [], events), marks);
  }, [steps, task, events]);

  const range = useMemo(
    () => replayRange({ createdAt: task?.createdAt ?? now, events, waterfall, now: endedAt ?? now }),
    [task?.createdAt, events, waterfall, endedAt, now],
  );
  // The scrubber stays responsive; the frame follows as fast as it can be built.
  const deferredT = useDeferredValue(t);
  const frame = useMemo(() => {
    if (deferredT === undefined) return undefined;
    const at = Math.min(range.end, Math.max(range.start, deferredT));
    return replayAt({ events, steps, waterfall, t: at });
  }, [deferredT, range, events, steps, waterfall]);

  const focus = useMemo(() => {
    if (focusStep === undefined) return undefined;
    const ids = steps.map((s) => s.id);
    const byKey = new Map<string, boolean>();
    return (row: WaterfallRow) => {
      if (row.stepKey === undefined) return false;
      let hit = byKey.get(row.stepKey);
      if (hit === undefined) byKey.set(row.stepKey, (hit = stepIdOfKey(row.stepKey, ids) === focusStep));
      return hit;
    };
  }, [focusStep, steps]);

  return { steps, layout, waterfall, liveGraph, range, frame, focus };
}
