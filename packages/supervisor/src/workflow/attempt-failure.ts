import { computeBackoff } from './backoff.js';
import { StepErrorCode, TaskErrorCode } from './errors.js';
import { AuditDecision, ProgressEventType } from './effects.js';
import type { StepInstance } from './context.js';
import { failTask } from './finish.js';
import type { Txn } from './txn.js';
import { audit, progress, stepDef } from './txn.js';
import type { RetryPolicy } from './types.js';

export interface AttemptError {
  code: string;
  message: string;
  retryable: boolean;
}

export function retryPolicyFor(t: Txn, stepId: string): RetryPolicy {
  return { ...t.ctx.options.retry, ...stepDef(t, stepId).retry };
}

/**
 * A failed attempt (error, timeout, invalid output, lost too often). In order: retry after a backoff while
 * the policy allows (an error marked not retryable skips this; INVALID_OUTPUT is retried within the policy,
 * never beyond), then the step's fallback, then the task fails with a sentence naming step, attempts and cause.
 */
export function failAttempt(t: Txn, instance: StepInstance, error: AttemptError): void {
  const def = stepDef(t, instance.step);
  const policy = retryPolicyFor(t, instance.step);
  instance.failures += 1;
  instance.error = { code: error.code, message: error.message };
  delete instance.deadline;
  const allowed = instance.fallback ? (def.fallback?.attempts ?? 1) : policy.attempts;
  const retryable = error.retryable || error.code === StepErrorCode.InvalidOutput;
  progress(
    t,
    ProgressEventType.StepFailed,
    { attempt: instance.attempt, code: error.code, message: error.message, retryable },
    instance.key,
  );
  const base = { stepKey: instance.key, attempt: instance.attempt, error: error.message };

  if (retryable && instance.failures < allowed) {
    const delayMs = computeBackoff(policy, instance.failures, {
      taskId: t.ctx.taskId,
      stepKey: instance.key,
      attempt: instance.attempt,
    });
    instance.status = 'pending';
    instance.nextRetryAt = t.at + delayMs;
    const data = {
      code: error.code,
      nextAttempt: instance.attempt + 1,
      delayMs,
      retryAt: instance.nextRetryAt,
    };
    progress(t, ProgressEventType.StepRetryScheduled, data, instance.key);
    audit(t, { type: 'step.failed', decision: AuditDecision.Retry, ...base, data });
    return;
  }

  if (def.fallback && !instance.fallback) {
    instance.fallback = true;
    instance.failures = 0;
    instance.status = 'pending';
    delete instance.nextRetryAt;
    const data: Record<string, unknown> = {
      code: error.code,
      afterAttempts: instance.attempt,
      role: def.fallback.role ?? def.role,
    };
    if (def.fallback.model !== undefined) data.model = def.fallback.model;
    progress(t, ProgressEventType.StepFallback, data, instance.key);
    audit(t, { type: 'step.failed', decision: AuditDecision.Fallback, ...base, data });
    return;
  }

  instance.status = 'failed';
  const state = t.ctx.steps[instance.step];
  if (state) state.phase = 'failed';
  audit(t, { type: 'step.failed', decision: AuditDecision.Fail, ...base, data: { code: error.code } });
  const attempts = `${instance.attempt} attempt${instance.attempt === 1 ? '' : 's'}`;
  failTask(t, {
    code: TaskErrorCode.StepFailed,
    stepKey: instance.key,
    message: `step ${instance.key} failed after ${attempts}: ${error.message}`,
  });
}
