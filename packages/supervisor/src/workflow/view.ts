import type { Usage } from '@troupe/bus';
import type { BudgetDimension, EngineContext, InstanceStatus, PendingReview } from './context.js';
import { routeFor } from './dispatch.js';
import type { TaskError, TaskStatus } from './effects.js';
import { partialResult } from './finish.js';
import type { ResolvedTaskOptions } from './options.js';
import { buildStepContext, collectStepOutputs } from './step-context.js';
import { stepKey } from './step-key.js';
import type { AnyWorkflow, ReviewOutcome, UsageTotals } from './types.js';

export interface StepView {
  key: string;
  stepId: string;
  role: string;
  /** `waiting`: its needs are not met yet (no instance exists). */
  status: InstanceStatus | 'waiting';
  round: number;
  index?: number;
  attempt: number;
  fallback?: boolean;
  agentId?: string;
  model?: string;
  tier?: 'cheap';
  dispatchedAt?: number;
  deadline?: number;
  nextRetryAt?: number;
  error?: { code: string; message: string };
  usage?: Pick<Usage, 'inputTokens' | 'outputTokens' | 'costUsd' | 'latencyMs' | 'model' | 'provider'>;
}

export interface TaskView {
  taskId: string;
  tenant: string;
  workflow: { name: string; version: number };
  status: TaskStatus;
  round: number;
  startedAt: number;
  endedAt?: number;
  steps: StepView[];
  usage: UsageTotals;
  budget: {
    limits: ResolvedTaskOptions['budget'];
    policy: ResolvedTaskOptions['budgetPolicy'];
    alerted: BudgetDimension[];
    exceeded: BudgetDimension[];
    downgraded: boolean;
    wallDeadline?: number;
  };
  wakeAt: number | null;
  /** The result once completed; the partial result of a failed or cancelled task. */
  result?: unknown;
  error?: TaskError;
  review?: { pending?: PendingReview; last?: ReviewOutcome };
  /** Every succeeded instance's output by step key, when asked for. */
  outputs?: Record<string, unknown>;
}

export interface ViewOptions {
  /** Include `outputs` (the view stays compact without them). */
  outputs?: boolean;
}

export function viewTask(wf: AnyWorkflow, ctx: EngineContext, options: ViewOptions = {}): TaskView {
  const steps: StepView[] = [];
  for (const i of ctx.instances) {
    const def = wf.steps.find((s) => s.id === i.step);
    const view: StepView = {
      key: i.key,
      stepId: i.step,
      role: def ? routeFor(def, ctx, i).role : i.step,
      status: i.status,
      round: i.round,
      attempt: i.attempt,
    };
    if (i.index !== undefined) view.index = i.index;
    if (i.fallback) view.fallback = true;
    if (i.agentId !== undefined) view.agentId = i.agentId;
    if (i.model !== undefined) view.model = i.model;
    if (i.tier !== undefined) view.tier = i.tier;
    if (i.dispatchedAt !== undefined) view.dispatchedAt = i.dispatchedAt;
    if (i.status === 'dispatched' && i.deadline !== undefined) view.deadline = i.deadline;
    if (i.status === 'pending' && i.nextRetryAt !== undefined) view.nextRetryAt = i.nextRetryAt;
    if (i.error) view.error = { ...i.error };
    if (i.usage) {
      const { inputTokens, outputTokens, costUsd, latencyMs, model, provider } = i.usage;
      view.usage = { inputTokens, outputTokens, costUsd, latencyMs, model, provider };
    }
    steps.push(view);
  }
  for (const def of wf.steps) {
    const state = ctx.steps[def.id];
    if (!state || (state.phase !== 'waiting' && state.phase !== 'skipped')) continue;
    steps.push({
      key: stepKey(def.id, state.gen),
      stepId: def.id,
      role: def.role,
      status: state.phase,
      round: state.gen,
      attempt: 0,
    });
  }

  const view: TaskView = {
    taskId: ctx.taskId,
    tenant: ctx.tenant,
    workflow: { name: ctx.workflow, version: ctx.version },
    status: ctx.status,
    round: ctx.round,
    startedAt: ctx.startedAt,
    steps,
    usage: { ...ctx.usage },
    budget: {
      limits: { ...ctx.options.budget },
      policy: ctx.options.budgetPolicy,
      alerted: [...ctx.budget.alerted],
      exceeded: [...ctx.budget.exceeded],
      downgraded: ctx.budget.downgraded,
    },
    wakeAt: ctx.wakeAt,
  };
  if (ctx.budget.wallDeadline !== undefined) view.budget.wallDeadline = ctx.budget.wallDeadline;
  if (ctx.endedAt !== undefined) view.endedAt = ctx.endedAt;
  if (ctx.error) view.error = { ...ctx.error };
  if (ctx.review.pending || ctx.review.last) {
    view.review = {};
    if (ctx.review.pending) view.review.pending = { ...ctx.review.pending };
    if (ctx.review.last) view.review.last = { ...ctx.review.last };
  }
  if (ctx.status === 'completed') {
    try {
      view.result = wf.result(buildStepContext(wf, ctx));
    } catch {
      // completeTask ran result(ctx) successfully on this very context; a throw here would be a non-pure result().
    }
  } else if (ctx.status === 'failed' || ctx.status === 'cancelled') {
    view.result = partialResult(wf, ctx);
  }
  if (options.outputs) view.outputs = collectStepOutputs(ctx);
  return view;
}
