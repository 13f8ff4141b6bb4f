import type { Usage } from '@troupe/bus';
import type { Effect, TaskError, TaskStatus } from './effects.js';
import type { ResolvedTaskOptions } from './options.js';
import type { ReviewOutcome, UsageTotals } from './types.js';

export type InstanceStatus = 'pending' | 'dispatched' | 'succeeded' | 'failed' | 'skipped';

/** One run of a step: a plain step, one item of a fan-out, or a step again in a later round. */
export interface StepInstance {
  key: string;
  step: string;
  round: number;
  /** Fan-out item index (0-based) and the item itself. */
  index?: number;
  item?: unknown;
  status: InstanceStatus;
  /** Dispatches so far; while dispatched, the attempt whose result counts. */
  attempt: number;
  /** Failed attempts on the current role and model (against the retry policy). */
  failures: number;
  /** Times reassigned after being lost. */
  lost?: number;
  /** On the fallback role/model. */
  fallback?: true;
  model?: string;
  tier?: 'cheap';
  dispatchedAt?: number;
  deadline?: number;
  nextRetryAt?: number;
  agentId?: string;
  output?: unknown;
  usage?: Usage;
  error?: { code: string; message: string };
}

export type StepPhase = 'waiting' | 'running' | 'review' | 'done' | 'skipped' | 'failed';

/** A step (definition) in its current round. */
export interface StepState {
  /** The round its current instances belong to. */
  gen: number;
  phase: StepPhase;
  /** Fan-out: instances of this round. */
  total?: number;
  /** The round whose output `ctx.outputs` shows (the latest completed one). */
  doneRound?: number;
}

export type BudgetDimension = 'tokens' | 'costUsd' | 'wallTimeMs';

export interface PendingReview {
  stepId: string;
  stepKey: string;
  since: number;
  deadline: number;
}

/** The machine's context: what a task's snapshot holds. JSON only. */
export interface EngineContext {
  /** Layout version of this context. */
  v: 1;
  workflow: string;
  version: number;
  taskId: string;
  tenant: string;
  input: unknown;
  thread?: unknown;
  options: ResolvedTaskOptions;
  startedAt: number;
  endedAt?: number;
  /** Transitions applied so far; effect ids use it. */
  seq: number;
  /** Mirrors the machine's state. */
  status: TaskStatus;
  round: number;
  /** Loop restarts done, by the step that owns the loop. */
  loops: Record<string, number>;
  steps: Record<string, StepState>;
  instances: StepInstance[];
  usage: UsageTotals;
  budget: {
    alerted: BudgetDimension[];
    exceeded: BudgetDimension[];
    downgraded: boolean;
    /** Absolute; pushed back by the time spent waiting for a person. */
    wallDeadline?: number;
  };
  /** Reviews run, revisions the reviewer agent asked for, the review waiting for a person, the latest outcome. */
  review: { rounds: number; revisions: number; pending?: PendingReview; last?: ReviewOutcome };
  notes: string[];
  /** The earliest time a `tick` must be delivered, or null. */
  wakeAt: number | null;
  error?: TaskError;
  /**
   * The effects of the last transition. Persisted without dispatch inputs and results (those are recomputed
   * from the context by `engine.pendingEffects`), so no step output is stored twice.
   */
  outbox: Effect[];
}

export function isFinal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
