import { StepErrorCode, TaskErrorCode, errorMessage } from './errors.js';
import { AuditDecision, ProgressEventType } from './effects.js';
import type { EngineContext, StepInstance } from './context.js';
import { isFinal } from './context.js';
import { failAttempt } from './attempt-failure.js';
import { addUsage, checkSpend, checkWallTime, wallAlertAt } from './budget.js';
import type { WorkflowEvent, WorkflowEventOf } from './events.js';
import { cancelTask, failTask } from './finish.js';
import type { ResolvedTaskOptions } from './options.js';
import { decideReview } from './review-gate.js';
import { advance } from './scheduler.js';
import { validateSync } from './standard-schema.js';
import type { Txn } from './txn.js';
import { audit, beginTxn, commitTxn, emit, progress, stepDef } from './txn.js';
import type { AnyWorkflow } from './types.js';

/** What the machine is created with (`engine.start` has validated input and options). */
export interface EngineStartInput {
  taskId: string;
  tenant: string;
  input: unknown;
  options: ResolvedTaskOptions;
  thread?: unknown;
  at: number;
}

export function findInstance(ctx: EngineContext, key: string): StepInstance | undefined {
  for (let i = ctx.instances.length - 1; i >= 0; i--)
    if (ctx.instances[i]!.key === key) return ctx.instances[i];
  return undefined;
}

/** The result is for the attempt the task is waiting for: anything else is stale or a duplicate. */
export function isCurrentAttempt(ctx: EngineContext, stepKey: string, attempt: number): boolean {
  const instance = findInstance(ctx, stepKey);
  return instance !== undefined && instance.status === 'dispatched' && instance.attempt === attempt;
}

/** Something falls due at `at`: a deadline, a backoff, a review timeout, the wall-time budget or its alert. */
export function isTickDue(ctx: EngineContext, at: number): boolean {
  if (isFinal(ctx.status)) return false;
  if (ctx.wakeAt !== null && at >= ctx.wakeAt) return true;
  const alertAt = wallAlertAt(ctx);
  return alertAt !== undefined && at >= alertAt;
}

/** The context of a new task, after its first transition (root steps dispatched). */
export function startContext(wf: AnyWorkflow, start: EngineStartInput): EngineContext {
  const ctx: EngineContext = {
    v: 1,
    workflow: wf.name,
    version: wf.version,
    taskId: start.taskId,
    tenant: start.tenant,
    input: start.input,
    options: start.options,
    startedAt: start.at,
    seq: 0,
    status: 'running',
    round: 1,
    loops: {},
    steps: Object.fromEntries(wf.steps.map((s) => [s.id, { gen: 1, phase: 'waiting' as const }])),
    instances: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    budget: { alerted: [], exceeded: [], downgraded: false },
    review: { rounds: 0, revisions: 0 },
    notes: [],
    wakeAt: null,
    outbox: [],
  };
  if (start.thread !== undefined) ctx.thread = start.thread;
  if (start.options.budget.wallTimeMs !== undefined)
    ctx.budget.wallDeadline = start.at + start.options.budget.wallTimeMs;
  return runTransition(wf, ctx, start.at, (t) => {
    progress(t, ProgressEventType.TaskStarted, { workflow: wf.name, version: wf.version });
    audit(t, {
      type: 'task.started',
      decision: AuditDecision.Start,
      data: { workflow: wf.name, version: wf.version, tenant: start.tenant, budget: start.options.budget },
    });
    advance(t);
  });
}

/** After anything that spends or takes time: budgets first, then move on. */
function proceed(t: Txn): void {
  if (isFinal(t.ctx.status)) return;
  if (!checkSpend(t)) return;
  if (!checkWallTime(t)) return;
  advance(t);
}

function onStepSucceeded(t: Txn, event: WorkflowEventOf<'step.succeeded'>): void {
  const instance = findInstance(t.ctx, event.stepKey)!;
  const def = stepDef(t, instance.step);
  const { usage } = event;
  addUsage(t, usage);
  instance.agentId = event.agentId;
  let output = event.output;
  if (def.output) {
    const checked = validateSync(def.output, event.output);
    if (!checked.ok) {
      audit(t, {
        type: 'step.output_rejected',
        decision: AuditDecision.RejectOutput,
        stepKey: instance.key,
        attempt: instance.attempt,
        agentId: event.agentId,
        model: usage.model,
        tokens: { input: usage.inputTokens, output: usage.outputTokens },
        costUsd: usage.costUsd,
        error: checked.message,
        data: { role: def.role },
      });
      failAttempt(t, instance, {
        code: StepErrorCode.InvalidOutput,
        message: `output does not match the step's schema: ${checked.message}`,
        retryable: true,
      });
      proceed(t);
      return;
    }
    output = checked.value;
  }
  instance.status = 'succeeded';
  instance.output = output;
  instance.usage = usage;
  delete instance.deadline;
  delete instance.nextRetryAt;
  delete instance.error;
  const tokens = { input: usage.inputTokens, output: usage.outputTokens };
  progress(
    t,
    ProgressEventType.StepSucceeded,
    {
      attempt: instance.attempt,
      agentId: event.agentId,
      model: usage.model,
      provider: usage.provider,
      tokens,
      costUsd: usage.costUsd,
      latencyMs: usage.latencyMs,
    },
    instance.key,
  );
  const data: Record<string, unknown> = { provider: usage.provider, stepId: instance.step };
  if (usage.fallback) data.fallback = usage.fallback;
  audit(t, {
    type: 'step.succeeded',
    decision: AuditDecision.Accept,
    stepKey: instance.key,
    attempt: instance.attempt,
    agentId: event.agentId,
    model: usage.model,
    tokens,
    costUsd: usage.costUsd,
    durationMs: usage.latencyMs,
    data,
  });
  proceed(t);
}

function onStepFailed(t: Txn, event: WorkflowEventOf<'step.failed'>): void {
  const instance = findInstance(t.ctx, event.stepKey)!;
  addUsage(t, event.usage);
  if (event.agentId !== undefined) instance.agentId = event.agentId;
  failAttempt(t, instance, event.error);
  proceed(t);
}

function onStepLost(t: Txn, event: WorkflowEventOf<'step.lost'>): void {
  const instance = findInstance(t.ctx, event.stepKey)!;
  const lost = (instance.lost ?? 0) + 1;
  instance.lost = lost;
  if (lost > t.ctx.options.maxReassign) {
    failAttempt(t, instance, {
      code: StepErrorCode.Lost,
      message: `lost ${lost} times, last: ${event.reason}`,
      retryable: true,
    });
  } else {
    instance.status = 'pending';
    delete instance.deadline;
    const data = { reason: event.reason, lost, maxReassign: t.ctx.options.maxReassign };
    progress(t, ProgressEventType.StepLost, { ...data, attempt: instance.attempt }, instance.key);
    audit(t, {
      type: 'step.lost',
      decision: AuditDecision.Reassign,
      stepKey: instance.key,
      attempt: instance.attempt,
      data,
    });
  }
  proceed(t);
}

function onTick(t: Txn): void {
  if (!checkWallTime(t)) return;
  const overdue = t.ctx.instances.filter(
    (i) => i.status === 'dispatched' && i.deadline !== undefined && i.deadline <= t.at,
  );
  if (overdue.length > 0) emit(t, { kind: 'abort', stepKeys: overdue.map((i) => i.key), reason: 'timeout' });
  for (const instance of overdue) {
    const timeoutMs = instance.deadline! - (instance.dispatchedAt ?? instance.deadline!);
    progress(t, ProgressEventType.StepTimeout, { attempt: instance.attempt, timeoutMs }, instance.key);
    audit(t, {
      type: 'step.timeout',
      decision: AuditDecision.Timeout,
      stepKey: instance.key,
      attempt: instance.attempt,
      data: { timeoutMs },
    });
    failAttempt(t, instance, {
      code: StepErrorCode.Timeout,
      message: `no result within ${timeoutMs} ms`,
      retryable: true,
    });
    if (isFinal(t.ctx.status)) return;
  }
  const pending = t.ctx.review.pending;
  if (pending && t.at >= pending.deadline) {
    decideReview(t, t.ctx.options.reviewTimeoutPolicy, undefined, 'timeout');
  }
  proceed(t);
}

function onReviewDecision(t: Txn, event: WorkflowEventOf<'review.decision'>): void {
  const notes =
    event.notes === undefined ? undefined : Array.isArray(event.notes) ? event.notes : [event.notes];
  decideReview(t, event.decision, notes, 'human', event.by);
  proceed(t);
}

/** Applies one event to a context: the handler runs on a private copy; the outbox gets its effects. */
export function applyEvent(wf: AnyWorkflow, ctx: EngineContext, event: WorkflowEvent): EngineContext {
  return runTransition(wf, ctx, event.at, (t) => {
    switch (event.type) {
      case 'step.succeeded':
        return onStepSucceeded(t, event);
      case 'step.failed':
        return onStepFailed(t, event);
      case 'step.lost':
        return onStepLost(t, event);
      case 'tick':
        return onTick(t);
      case 'review.decision':
        return onReviewDecision(t, event);
      case 'cancel':
        return cancelTask(t, event.reason);
    }
  });
}

function runTransition(
  wf: AnyWorkflow,
  ctx: EngineContext,
  at: number,
  handle: (t: Txn) => void,
): EngineContext {
  const t = beginTxn(wf, ctx, at);
  try {
    handle(t);
  } catch (err) {
    // A bug in the engine must not take the supervisor down: the task fails and says why.
    failTask(t, { code: TaskErrorCode.Internal, message: `workflow engine error: ${errorMessage(err)}` });
  }
  return commitTxn(t);
}
