import { AuditDecision, ProgressEventType } from './effects.js';
import type { DispatchEffect } from './effects.js';
import type { EngineContext, StepInstance } from './context.js';
import { userCall } from './finish.js';
import { buildStepContext } from './step-context.js';
import { dispatchId } from './step-key.js';
import type { Txn } from './txn.js';
import { audit, emit, progress, stepDef } from './txn.js';
import type { AnyWorkflow, CompiledStep } from './types.js';

/** Role, model and tier of an instance's next attempt. */
export function routeFor(
  def: CompiledStep,
  ctx: EngineContext,
  instance: Pick<StepInstance, 'fallback'>,
): { role: string; model?: string; tier?: 'cheap' } {
  const role = instance.fallback && def.fallback?.role ? def.fallback.role : def.role;
  if (instance.fallback && def.fallback?.model) return { role, model: def.fallback.model };
  if (ctx.budget.downgraded) {
    return ctx.options.cheapModel ? { role, model: ctx.options.cheapModel } : { role, tier: 'cheap' };
  }
  const model = def.model ?? ctx.options.models[role];
  return model === undefined ? { role } : { role, model };
}

/** The JSON an instance's agent receives; for a fan-out item, `forEach` is asked again (it must be pure). */
export function inputFor(
  wf: AnyWorkflow,
  def: CompiledStep,
  ctx: EngineContext,
  instance: StepInstance,
): unknown {
  if (instance.index === undefined) return def.input(buildStepContext(wf, ctx));
  const items = def.forEach?.(buildStepContext(wf, ctx)) ?? [];
  if (instance.index >= items.length) {
    throw new Error(
      `forEach(ctx) returned ${items.length} items, item ${instance.index + 1} is gone (forEach must be pure)`,
    );
  }
  return def.input(buildStepContext(wf, ctx, { index: instance.index, item: items[instance.index] }));
}

/** Sends an instance's next attempt. Returns false when the task failed instead (its `input` threw). */
export function dispatchInstance(t: Txn, instance: StepInstance): boolean {
  const { ctx, at } = t;
  const def = stepDef(t, instance.step);
  const input = userCall(
    t,
    `step "${instance.key}": input(ctx)`,
    () => inputFor(t.wf, def, ctx, instance),
    instance.key,
  );
  if (!input.ok) return false;
  const route = routeFor(def, ctx, instance);
  const timeoutMs = def.timeoutMs ?? ctx.options.stepTimeoutMs;
  instance.attempt += 1;
  instance.status = 'dispatched';
  instance.dispatchedAt = at;
  instance.deadline = at + timeoutMs;
  delete instance.nextRetryAt;
  delete instance.agentId;
  if (route.model === undefined) delete instance.model;
  else instance.model = route.model;
  if (route.tier === undefined) delete instance.tier;
  else instance.tier = route.tier;

  const effect: Omit<DispatchEffect, 'id'> = {
    kind: 'dispatch',
    dispatchId: dispatchId(ctx.taskId, instance.key, instance.attempt),
    stepKey: instance.key,
    stepId: instance.step,
    attempt: instance.attempt,
    round: instance.round,
    role: route.role,
    input: input.value,
    timeoutMs,
    deadline: instance.deadline,
    dispatchedAt: at,
  };
  if (route.model !== undefined) effect.model = route.model;
  if (route.tier !== undefined) effect.tier = route.tier;
  emit(t, effect);

  const data: Record<string, unknown> = { stepId: instance.step, role: route.role, round: instance.round };
  if (route.model !== undefined) data.model = route.model;
  if (route.tier !== undefined) data.tier = route.tier;
  if (instance.fallback) data.fallback = true;
  if (ctx.budget.downgraded) data.downgraded = true;
  progress(
    t,
    ProgressEventType.StepDispatched,
    { ...data, attempt: instance.attempt, deadline: instance.deadline },
    instance.key,
  );
  const record: Parameters<typeof audit>[1] = {
    type: 'step.dispatched',
    decision: AuditDecision.Dispatch,
    stepKey: instance.key,
    attempt: instance.attempt,
    data: { ...data, timeoutMs },
  };
  if (route.model !== undefined) record.model = route.model;
  audit(t, record);
  return true;
}
