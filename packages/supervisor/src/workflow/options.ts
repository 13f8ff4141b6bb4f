import { z } from 'zod';
import { isModelRef, TaskOptionsSchema } from '@troupe/bus';
import { WorkflowError, WorkflowErrorCode } from './errors.js';
import type { RetryPolicy } from './types.js';

export const RetryPolicySchema = z
  .object({
    attempts: z.int().min(1).max(20),
    backoffMs: z.int().min(0),
    maxBackoffMs: z.int().min(0),
    jitter: z.number().min(0).max(1),
  })
  .strict();

/**
 * The options of one task: what a client may send (`TaskOptionsSchema` of `@troupe/bus`) plus engine
 * tuning that a workflow's defaults (or the runtime) may set.
 */
export const WorkflowTaskOptionsSchema = TaskOptionsSchema.extend({
  /** Fan-out instances of one step dispatched at once. */
  maxParallel: z.int().min(1).max(256).optional(),
  /** Per-attempt timeout of steps that set none. */
  stepTimeoutMs: z.int().positive().optional(),
  /** Retry policy of steps that set none (merged field by field under the step's own). */
  retry: RetryPolicySchema.partial().optional(),
  /** A lost step (agent died, deliveries exhausted) is reassigned this many times before it counts as a failure. */
  maxReassign: z.int().min(0).max(20).optional(),
}).strict();

export type WorkflowTaskOptions = z.input<typeof WorkflowTaskOptionsSchema>;
export type WorkflowOptionDefaults = WorkflowTaskOptions;

/** Options as a task's snapshot keeps them: every default applied. */
export interface ResolvedTaskOptions {
  budget: { tokens?: number; costUsd?: number; wallTimeMs?: number };
  budgetPolicy: 'stop' | 'downgrade';
  models: Record<string, string>;
  cheapModel?: string;
  reviewThreshold: number;
  maxReviewRounds: number;
  reviewTimeoutMs: number;
  reviewTimeoutPolicy: 'reject' | 'approve';
  /** `always`: a person decides every review step; `low-confidence`: only verdicts below the threshold. */
  humanReview: 'always' | 'low-confidence';
  maxParallel: number;
  stepTimeoutMs: number;
  retry: RetryPolicy;
  maxReassign: number;
}

export const DEFAULT_TASK_OPTIONS = {
  budgetPolicy: 'stop',
  reviewThreshold: 0.5,
  maxReviewRounds: 2,
  reviewTimeoutMs: 24 * 60 * 60 * 1000,
  reviewTimeoutPolicy: 'reject',
  humanReview: 'low-confidence',
  maxParallel: 4,
  stepTimeoutMs: 120_000,
  retry: { attempts: 3, backoffMs: 1_000, maxBackoffMs: 30_000, jitter: 0.2 },
  maxReassign: 3,
} as const satisfies Omit<ResolvedTaskOptions, 'budget' | 'models' | 'cheapModel'>;

export function parseTaskOptions(value: unknown, what: string): WorkflowTaskOptions {
  const parsed = WorkflowTaskOptionsSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    const keys = issue && 'keys' in issue && Array.isArray(issue.keys) ? ` ${issue.keys.join(', ')}` : '';
    throw new WorkflowError(
      WorkflowErrorCode.InvalidOptions,
      `${what}${path ? ` "${path}"` : ''}${keys ? ` (unknown:${keys})` : ''}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** Task options over workflow defaults over the engine's defaults; checked as a whole at the end. */
export function resolveTaskOptions(defaults: WorkflowOptionDefaults, options: unknown): ResolvedTaskOptions {
  const task = parseTaskOptions(options, 'invalid task option');
  const base = defaults;
  const pick = <K extends keyof WorkflowTaskOptions>(key: K): WorkflowTaskOptions[K] =>
    task[key] ?? base[key];
  const budget = { ...base.budget, ...task.budget };
  const resolved: ResolvedTaskOptions = {
    budget: Object.fromEntries(Object.entries(budget).filter(([, v]) => v !== undefined)),
    budgetPolicy: pick('budgetPolicy') ?? DEFAULT_TASK_OPTIONS.budgetPolicy,
    models: { ...base.models, ...task.models },
    reviewThreshold: pick('reviewThreshold') ?? DEFAULT_TASK_OPTIONS.reviewThreshold,
    maxReviewRounds: pick('maxReviewRounds') ?? DEFAULT_TASK_OPTIONS.maxReviewRounds,
    reviewTimeoutMs: pick('reviewTimeoutMs') ?? DEFAULT_TASK_OPTIONS.reviewTimeoutMs,
    reviewTimeoutPolicy: pick('reviewTimeoutPolicy') ?? DEFAULT_TASK_OPTIONS.reviewTimeoutPolicy,
    humanReview: pick('humanReview') ?? DEFAULT_TASK_OPTIONS.humanReview,
    maxParallel: pick('maxParallel') ?? DEFAULT_TASK_OPTIONS.maxParallel,
    stepTimeoutMs: pick('stepTimeoutMs') ?? DEFAULT_TASK_OPTIONS.stepTimeoutMs,
    retry: { ...DEFAULT_TASK_OPTIONS.retry, ...base.retry, ...task.retry },
    maxReassign: pick('maxReassign') ?? DEFAULT_TASK_OPTIONS.maxReassign,
  };
  const cheapModel = pick('cheapModel');
  if (cheapModel !== undefined) resolved.cheapModel = cheapModel;
  if (resolved.retry.maxBackoffMs < resolved.retry.backoffMs) {
    throw new WorkflowError(
      WorkflowErrorCode.InvalidOptions,
      `invalid task option "retry.maxBackoffMs": ${resolved.retry.maxBackoffMs} is below retry.backoffMs ${resolved.retry.backoffMs}`,
    );
  }
  for (const [role, model] of Object.entries(resolved.models)) checkModelRef(model, `models.${role}`);
  if (resolved.cheapModel !== undefined) checkModelRef(resolved.cheapModel, 'cheapModel');
  return resolved;
}

function checkModelRef(value: string, option: string): void {
  if (!isModelRef(value)) {
    throw new WorkflowError(
      WorkflowErrorCode.InvalidOptions,
      `invalid task option "${option}": "${value}" is not a "provider:model" reference`,
    );
  }
}
