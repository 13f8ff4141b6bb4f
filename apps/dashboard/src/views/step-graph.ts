import type { StepView, TaskEvent, WorkflowInfo } from '@troupe/client';
import { isAgentEvent, ProgressEventType } from './progress-events.js';
import { stepIdOfKey } from './step-key.js';

/**
 * The step graph's model: one node per workflow step (not per instance), its state aggregated from the
 * instances of its latest round, with the fan-out count, retries and review round a person looks for.
 */
export const STEP_STATES = [
  'waiting',
  'pending',
  'dispatched',
  'running',
  'succeeded',
  'failed',
  'skipped',
] as const;
export type StepState = (typeof STEP_STATES)[number];

export type WorkflowStep = WorkflowInfo['steps'][number];

/** One step instance: a plain step, one fan-out item, or a step again in a later round. */
export interface StepInstanceState {
  key: string;
  stepId: string;
  status: StepState;
  round: number;
  attempt: number;
  index?: number;
  model?: string;
}

export interface ReviewMark {
  state: 'awaiting' | 'approve' | 'revise' | 'reject';
  /** Review rounds so far (the agent reviewer's verdicts). */
  rounds: number;
}

export interface StepNode {
  id: string;
  role: string;
  description: string | undefined;
  state: StepState;
  /** The latest round that has instances (1 unless a review or loop sent the task back). */
  round: number;
  /** Instances of the latest round by state. */
  counts: Record<StepState, number>;
  /** Instances in the latest round. */
  instances: number;
  fanOut: boolean;
  /** Attempts beyond the first, over every instance and round. */
  retries: number;
  review: ReviewMark | undefined;
  /** Instance keys of the latest round. */
  keys: string[];
  models: string[];
}

export interface StepEdge {
  from: string;
  to: string;
  /** `done` once the step it comes from succeeded (or was skipped). */
  state: 'done' | 'waiting';
}

export interface StepGraphModel {
  nodes: StepNode[];
  edges: StepEdge[];
}

const KNOWN: ReadonlySet<string> = new Set(STEP_STATES);

const emptyCounts = (): Record<StepState, number> => ({
  waiting: 0,
  pending: 0,
  dispatched: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  skipped: 0,
});

/** A step is as far as its least settled instance: a failure shows first, then work in flight, then waiting. */
function aggregate(counts: Record<StepState, number>, instances: number): StepState {
  if (instances === 0) return 'waiting';
  if (counts.failed > 0) return 'failed';
  if (counts.running > 0) return 'running';
  if (counts.dispatched > 0) return 'dispatched';
  if (counts.pending > 0) return 'pending';
  if (counts.waiting > 0) return 'waiting';
  if (counts.succeeded > 0) return 'succeeded';
  return 'skipped';
}

const activityKey = (stepKey: string, attempt: unknown) =>
  `${stepKey}#${typeof attempt === 'number' ? attempt : '*'}`;

/**
 * The task's step instances as the API reports them, with `running` for a dispatched attempt whose agent has
 * already sent events (a model or tool call): the API knows only that it was handed out.
 */
export function liveInstances(steps: readonly StepView[], events: readonly TaskEvent[]): StepInstanceState[] {
  const active = new Set<string>();
  for (const e of events) {
    if (e.stepKey === undefined || !isAgentEvent(e.type)) continue;
    active.add(activityKey(e.stepKey, e.data['attempt']));
  }
  return steps.map((s) => {
    let status: StepState = KNOWN.has(s.status) ? (s.status as StepState) : 'pending';
    if (
      status === 'dispatched' &&
      (active.has(activityKey(s.key, s.attempt)) || active.has(activityKey(s.key, undefined)))
    ) {
      status = 'running';
    }
    const instance: StepInstanceState = {
      key: s.key,
      stepId: s.stepId,
      status,
      round: s.round,
      attempt: s.attempt,
    };
    if (typeof s['index'] === 'number') instance.index = s['index'];
    if (typeof s['model'] === 'string') instance.model = s['model'];
    return instance;
  });
}

/** Each reviewed step's latest review state from the task's events (up to `until` when given). */
export function reviewMarks(
  events: readonly TaskEvent[],
  stepIds: Iterable<string>,
  until = Infinity,
): Map<string, ReviewMark> {
  const ids = [...stepIds];
  const marks = new Map<string, ReviewMark>();
  for (const e of events) {
    if (e.at > until || e.stepKey === undefined) continue;
    if (e.type !== ProgressEventType.ReviewRequested && e.type !== ProgressEventType.ReviewDecided) continue;
    const stepId = stepIdOfKey(e.stepKey, ids);
    if (stepId === undefined) continue;
    const rounds = typeof e.data['rounds'] === 'number' ? e.data['rounds'] : (marks.get(stepId)?.rounds ?? 0);
    if (e.type === ProgressEventType.ReviewRequested) {
      marks.set(stepId, { state: 'awaiting', rounds });
      continue;
    }
    const decision = e.data['decision'];
    if (decision === 'approve' || decision === 'revise' || decision === 'reject') {
      marks.set(stepId, { state: decision, rounds });
    }
  }
  return marks;
}

/** Builds nodes in the workflow's step order (steps the workflow does not name come last) and their edges. */
export function buildStepGraph(
  steps: readonly WorkflowStep[],
  instances: readonly StepInstanceState[],
  reviews: ReadonlyMap<string, ReviewMark> = new Map(),
): StepGraphModel {
  const defs = new Map<string, WorkflowStep>();
  for (const s of steps) defs.set(s.id, s);
  const byStep = new Map<string, StepInstanceState[]>();
  for (const i of instances) {
    if (!defs.has(i.stepId)) defs.set(i.stepId, { id: i.stepId, role: i.stepId, needs: [] });
    let list = byStep.get(i.stepId);
    if (!list) byStep.set(i.stepId, (list = []));
    list.push(i);
  }

  const nodes: StepNode[] = [];
  for (const def of defs.values()) {
    const all = byStep.get(def.id) ?? [];
    let round = 0;
    let retries = 0;
    for (const i of all) {
      if (i.round > round) round = i.round;
      if (i.attempt - 1 > retries) retries = i.attempt - 1;
    }
    const current = all.filter((i) => i.round === round);
    const counts = emptyCounts();
    const models = new Set<string>();
    for (const i of current) {
      counts[i.status]++;
      if (i.model) models.add(i.model);
    }
    nodes.push({
      id: def.id,
      role: def.role,
      description: def.description,
      state: aggregate(counts, current.length),
      round: Math.max(round, 1),
      counts,
      instances: current.length,
      fanOut: current.some((i) => i.index !== undefined),
      retries,
      review: reviews.get(def.id),
      keys: current.map((i) => i.key),
      models: [...models],
    });
  }

  const states = new Map(nodes.map((n) => [n.id, n.state]));
  const edges: StepEdge[] = [];
  for (const def of defs.values()) {
    for (const need of def.needs) {
      if (!defs.has(need)) continue;
      const from = states.get(need);
      edges.push({
        from: need,
        to: def.id,
        state: from === 'succeeded' || from === 'skipped' ? 'done' : 'waiting',
      });
    }
  }
  return { nodes, edges };
}
