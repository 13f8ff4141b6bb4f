import { TaskErrorCode, StepErrorCode, errorMessage } from './errors.js';
import type { TaskError } from './effects.js';
import { AuditDecision, ProgressEventType } from './effects.js';
import type { EngineContext } from './context.js';
import { buildStepContext, collectStepOutputs } from './step-context.js';
import type { Txn } from './txn.js';
import { audit, emit, progress } from './txn.js';
import type { AnyWorkflow } from './types.js';

export type UserCall<T> = { ok: true; value: T } | { ok: false };

/**
 * Runs a workflow's own code (`input`, `when`, `forEach`, `loop.while`, a review verdict, `result`).
 * If it throws, the task fails with WORKFLOW_CODE_FAILED and a message that names the code at fault.
 */
export function userCall<T>(t: Txn, what: string, fn: () => T, stepKey?: string): UserCall<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    const error: TaskError = {
      code: TaskErrorCode.WorkflowCodeFailed,
      message: `${what} threw: ${errorMessage(err)}`,
    };
    if (stepKey !== undefined) error.stepKey = stepKey;
    failTask(t, error);
    return { ok: false };
  }
}

/** The result of a task that ends early: the workflow's `partial(ctx)`, or the outputs so far. */
export function partialResult(wf: AnyWorkflow, ctx: EngineContext): unknown {
  const fallback = () => ({ partial: true, steps: collectStepOutputs(ctx), usage: { ...ctx.usage } });
  if (!wf.partial) return fallback();
  try {
    return wf.partial(buildStepContext(wf, ctx));
  } catch {
    return fallback();
  }
}

/** Marks every unfinished instance skipped; one `abort` effect names the ones an agent may be working on. */
export function abortUnfinished(t: Txn, reason: string): void {
  const aborted: string[] = [];
  for (const i of t.ctx.instances) {
    if (i.status !== 'pending' && i.status !== 'dispatched') continue;
    if (i.status === 'dispatched') aborted.push(i.key);
    i.status = 'skipped';
    i.error = { code: StepErrorCode.Aborted, message: reason };
    delete i.deadline;
    delete i.nextRetryAt;
  }
  if (aborted.length > 0) emit(t, { kind: 'abort', stepKeys: aborted, reason });
}

function end(t: Txn): void {
  t.ctx.endedAt = t.at;
  delete t.ctx.review.pending;
}

export function failTask(t: Txn, error: TaskError): void {
  if (t.ctx.status === 'failed' || t.ctx.status === 'cancelled' || t.ctx.status === 'completed') return;
  abortUnfinished(t, `task failed: ${error.message}`);
  t.ctx.status = 'failed';
  t.ctx.error = error;
  end(t);
  progress(t, ProgressEventType.TaskFailed, { ...error });
  const record: Parameters<typeof audit>[1] = {
    type: 'task.failed',
    decision: AuditDecision.Fail,
    error: error.message,
    data: { code: error.code },
  };
  if (error.stepKey !== undefined) record.stepKey = error.stepKey;
  audit(t, record);
  emit(t, { kind: 'complete', status: 'failed', result: partialResult(t.wf, t.ctx), error });
}

export function completeTask(t: Txn): void {
  const result = userCall(t, 'result(ctx)', () => t.wf.result(buildStepContext(t.wf, t.ctx)));
  if (!result.ok) return;
  t.ctx.status = 'completed';
  end(t);
  progress(t, ProgressEventType.TaskCompleted, { usage: { ...t.ctx.usage }, rounds: t.ctx.round });
  audit(t, {
    type: 'task.completed',
    decision: AuditDecision.Complete,
    tokens: { input: t.ctx.usage.inputTokens, output: t.ctx.usage.outputTokens },
    costUsd: t.ctx.usage.costUsd,
    durationMs: t.at - t.ctx.startedAt,
  });
  emit(t, { kind: 'complete', status: 'completed', result: result.value });
}

export function cancelTask(t: Txn, reason: string | undefined): void {
  const message = reason ? `cancelled: ${reason}` : 'cancelled';
  abortUnfinished(t, message);
  const error: TaskError = { code: TaskErrorCode.Cancelled, message };
  t.ctx.status = 'cancelled';
  t.ctx.error = error;
  end(t);
  progress(t, ProgressEventType.TaskCancelled, { reason: reason ?? null });
  audit(t, { type: 'task.cancelled', decision: AuditDecision.Cancel, data: { reason: reason ?? null } });
  emit(t, { kind: 'complete', status: 'cancelled', result: partialResult(t.wf, t.ctx), error });
}
