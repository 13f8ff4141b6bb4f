import type { StandardSchemaV1 } from './standard-schema.js';
import type { WorkflowOptionDefaults } from './options.js';

/** Token totals and cost of a task so far. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type ReviewVerdictValue = 'approve' | 'revise';
/** Who settled a review: the reviewer agent, a person (`review.decision`), or the review-timeout policy. */
export type ReviewBy = 'agent' | 'human' | 'timeout';

/** What a review step's output means to the gate. */
export interface ReviewVerdict {
  verdict: ReviewVerdictValue;
  /** 0..1: below the task's `reviewThreshold` the task waits for a person. */
  confidence: number;
  notes: string[];
}

/** The latest settled (or pending) review of a task, as `ctx.review` and in results. */
export interface ReviewOutcome {
  verdict: ReviewVerdictValue | 'reject';
  confidence: number;
  notes: string[];
  by: ReviewBy;
  /** Who decided, when a person did (the `by` of `review.decision`). */
  reviewer?: string;
  /** Reviews run so far (one per reviewer step completion). */
  rounds: number;
  stepKey: string;
}

/** What `input`, `when`, `forEach`, `loop.while`, `result` and `partial` receive. Built fresh for each call. */
export interface StepContext<TInput = unknown> {
  /** The task's validated input. */
  readonly input: TInput;
  /**
   * The latest completed output of each step, by step id: one value, or an array (in item order) for a
   * `forEach` step. Skipped steps and steps that have not completed are absent.
   */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Notes of the latest "revise" (from the reviewer agent or a person); empty before any. */
  readonly notes: readonly string[];
  /** The task's round: 1, then +1 each time a loop or a review sends the task back. */
  readonly round: number;
  /** The summary of the task this one continues (`continueFrom`), when there is one. */
  readonly thread: unknown;
  /** The latest review outcome, once a review step has run. */
  readonly review: ReviewOutcome | undefined;
  /** Usage so far. */
  readonly usage: UsageTotals;
  /** Every succeeded step instance's output by step key (`plan`, `research-2`, `draft-r2`), oldest first. */
  readonly steps: Readonly<Record<string, unknown>>;
  /** For a `forEach` step's `input`: this instance's item and its 0-based index. */
  readonly item?: unknown;
  readonly index?: number;
}

export interface RetryPolicy {
  /** Attempts in all (the first try included) on the step's own role and model. */
  attempts: number;
  /** Delay before the second attempt; doubles each further attempt. */
  backoffMs: number;
  maxBackoffMs: number;
  /** 0..1: the delay is shortened by up to this fraction, deterministically per task, step and attempt. */
  jitter: number;
}

export interface StepFallback {
  /** The role that takes over once the retries are spent (default: the step's role). */
  role?: string;
  /** `provider:model` used for the fallback attempts. */
  model?: string;
  /** Attempts on the fallback (default 1). */
  attempts?: number;
}

export interface ReviewGateDefinition {
  /** The step a "revise" sends the task back to (an earlier step this one needs, directly or not). */
  revise: string;
  /** Reviews the agents run on their own before the last verdict stands (default: task `maxReviewRounds`). */
  maxRounds?: number;
  /** Below this confidence the task waits for a person (default: task `reviewThreshold`). */
  threshold?: number;
  /** Reads the verdict from the step's output (default: its `verdict`, `confidence` and `notes` fields). */
  verdict?(output: unknown): ReviewVerdict;
}

export interface LoopDefinition<TInput = unknown> {
  /** The step to go back to: this step or an earlier one it needs. */
  to: string;
  /** Asked after this step completes: true → another round. */
  while(ctx: StepContext<TInput>): boolean;
  /** Runs of this step at most, the first included (≥ 1). */
  maxRounds: number;
}

/**
 * One step of a workflow. Callbacks are methods (not arrow-typed fields) so a `Workflow<{ question: string }>`
 * is usable wherever a `Workflow<unknown>` is expected.
 */
export interface StepDefinition<TInput = unknown> {
  /** `^[A-Za-z0-9_-]+$`, unique in the workflow. */
  id: string;
  /** The agent role that handles it. */
  role: string;
  description?: string;
  /** Steps that must complete (or be skipped) first. */
  needs?: readonly string[];
  /** The JSON sent to the agent. */
  input(ctx: StepContext<TInput>): unknown;
  /** Validates the agent's output; a mismatch is an INVALID_OUTPUT failure of the attempt. */
  output?: StandardSchemaV1;
  retry?: Partial<RetryPolicy>;
  /** Per attempt (default: task option `stepTimeoutMs`). */
  timeoutMs?: number;
  fallback?: StepFallback;
  /** Branch: the step is skipped (and counts as done for its dependents) when this returns false. */
  when?(ctx: StepContext<TInput>): boolean;
  /** Fan-out: one instance per item, at most `maxParallel` dispatched at once; the output is the array. */
  forEach?(ctx: StepContext<TInput>): readonly unknown[];
  maxParallel?: number;
  /** Review gate on this step's output. */
  review?: ReviewGateDefinition;
  /** Bounded loop back to an earlier step. */
  loop?: LoopDefinition<TInput>;
  /** `provider:model` for this step's dispatches. */
  model?: string;
}

export interface WorkflowDefinition<TSchema extends StandardSchemaV1 = StandardSchemaV1, TResult = unknown> {
  /** `^[A-Za-z0-9_-]+$`. */
  name: string;
  /** A positive integer; a snapshot is only ever continued by the version that wrote it. */
  version: number;
  description?: string;
  /** The task input schema (zod or any Standard Schema, synchronous). */
  input: TSchema;
  steps: ReadonlyArray<StepDefinition<StandardSchemaV1.InferOutput<TSchema>>>;
  /** The task result, computed when every step is done. */
  result(ctx: StepContext<StandardSchemaV1.InferOutput<TSchema>>): TResult;
  /** The result of a task that ends early (budget, wall time, rejection): default `{ partial, steps, usage }`. */
  partial?(ctx: StepContext<StandardSchemaV1.InferOutput<TSchema>>): unknown;
  /** Defaults under the task's own options. */
  options?: WorkflowOptionDefaults;
}

export interface DefineWorkflowOptions {
  /** When given, every step role (and fallback role) must be one of these. */
  knownRoles?: readonly string[];
}

/** A step as the engine keeps it: `needs` resolved, its dependents precomputed. */
export interface CompiledStep<TInput = unknown> extends StepDefinition<TInput> {
  readonly needs: readonly string[];
  /** Steps that need this one, directly or not. */
  readonly dependents: readonly string[];
}

/** A checked workflow, as `defineWorkflow` returns it. */
export interface Workflow<TInput = unknown, TResult = unknown> {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly inputSchema: StandardSchemaV1<unknown, TInput>;
  /** In a topological order of `needs` (definition order kept where the graph allows). */
  readonly steps: ReadonlyArray<CompiledStep<TInput>>;
  readonly roles: readonly string[];
  readonly defaults: WorkflowOptionDefaults;
  result(ctx: StepContext<TInput>): TResult;
  partial?(ctx: StepContext<TInput>): unknown;
}

/** Any workflow, whatever its input and result types. */
export type AnyWorkflow = Workflow<unknown, unknown>;
export type inferWorkflowInput<TWorkflow> =
  TWorkflow extends Workflow<infer TInput, unknown> ? TInput : never;
export type inferWorkflowResult<TWorkflow> =
  TWorkflow extends Workflow<unknown, infer TResult> ? TResult : never;
