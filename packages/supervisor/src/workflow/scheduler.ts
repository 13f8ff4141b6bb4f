import { TaskErrorCode } from './errors.js';
import { AuditDecision, ProgressEventType } from './effects.js';
import type { EngineContext, StepInstance, StepState } from './context.js';
import { isFinal } from './context.js';
import { dispatchInstance } from './dispatch.js';
import { completeTask, failTask, userCall } from './finish.js';
import { settleLoopStep, settleReviewStep } from './review-gate.js';
import { buildStepContext } from './step-context.js';
import { stepKey } from './step-key.js';
import type { Txn } from './txn.js';
import { audit, progress } from './txn.js';
import type { CompiledStep } from './types.js';

function needsMet(ctx: EngineContext, def: CompiledStep): boolean {
  return def.needs.every((need) => {
    const phase = ctx.steps[need]?.phase;
    return phase === 'done' || phase === 'skipped';
  });
}

function currentInstances(ctx: EngineContext, def: CompiledStep, state: StepState): StepInstance[] {
  return ctx.instances.filter((i) => i.step === def.id && i.round === state.gen);
}

function newInstance(def: CompiledStep, round: number, index?: number): StepInstance {
  const instance: StepInstance = {
    key: stepKey(def.id, round, index),
    step: def.id,
    round,
    status: 'pending',
    attempt: 0,
    failures: 0,
  };
  if (index !== undefined) instance.index = index;
  return instance;
}

/** A waiting step whose needs are met: skipped (`when`), fanned out (`forEach`), or given one instance. */
function expand(t: Txn, def: CompiledStep, state: StepState): boolean {
  const key = stepKey(def.id, state.gen);
  if (def.when) {
    const run = userCall(t, `step "${key}": when(ctx)`, () => def.when!(buildStepContext(t.wf, t.ctx)), key);
    if (!run.ok) return false;
    if (!run.value) {
      state.phase = 'skipped';
      progress(t, ProgressEventType.StepSkipped, { stepId: def.id, round: state.gen }, key);
      audit(t, {
        type: 'step.skipped',
        decision: AuditDecision.Skip,
        stepKey: key,
        data: { stepId: def.id },
      });
      return true;
    }
  }
  if (!def.forEach) {
    t.ctx.instances.push(newInstance(def, state.gen));
    state.phase = 'running';
    return true;
  }
  const items = userCall(
    t,
    `step "${key}": forEach(ctx)`,
    () => def.forEach!(buildStepContext(t.wf, t.ctx)),
    key,
  );
  if (!items.ok) return false;
  if (!Array.isArray(items.value)) {
    failTask(t, {
      code: TaskErrorCode.WorkflowCodeFailed,
      stepKey: key,
      message: `step "${key}": forEach(ctx) did not return an array`,
    });
    return false;
  }
  const count = items.value.length;
  const maxParallel = def.maxParallel ?? t.ctx.options.maxParallel;
  state.total = count;
  for (let index = 0; index < count; index++) t.ctx.instances.push(newInstance(def, state.gen, index));
  state.phase = 'running';
  if (count === 0) {
    state.phase = 'done';
    state.doneRound = state.gen;
  }
  const data = { stepId: def.id, count, maxParallel, round: state.gen };
  progress(t, ProgressEventType.StepFannedOut, data, key);
  audit(t, { type: 'step.fanned_out', decision: AuditDecision.FanOut, stepKey: key, data });
  return true;
}

/** Every instance of the step's round succeeded: run its gate or loop, or mark it done. */
function settle(t: Txn, def: CompiledStep, state: StepState, instances: StepInstance[]): void {
  if (def.review) {
    settleReviewStep(t, def, state, instances[0]!);
  } else if (def.loop) {
    settleLoopStep(t, def, state);
  } else {
    state.phase = 'done';
    state.doneRound = state.gen;
  }
}

/**
 * Dispatches pending instances whose backoff is over, at most `maxParallel` per fan-out step. An instance
 * waiting out a retry backoff keeps its slot, so its retry is never starved by items not yet started.
 */
function dispatchReady(t: Txn): void {
  const { ctx } = t;
  const busy = new Map<string, number>();
  for (const i of ctx.instances) {
    const waiting = i.status === 'pending' && i.nextRetryAt !== undefined && i.nextRetryAt > t.at;
    if (i.status === 'dispatched' || waiting) busy.set(i.step, (busy.get(i.step) ?? 0) + 1);
  }
  for (const instance of ctx.instances) {
    if (instance.status !== 'pending') continue;
    if (instance.nextRetryAt !== undefined && instance.nextRetryAt > t.at) continue;
    const def = t.wf.steps.find((s) => s.id === instance.step)!;
    const limit = def.forEach ? (def.maxParallel ?? ctx.options.maxParallel) : Infinity;
    const used = busy.get(def.id) ?? 0;
    if (used >= limit) {
      // Due but no slot (cannot happen while backoffs hold their slot; kept so wakeAt never lies in the past).
      delete instance.nextRetryAt;
      continue;
    }
    if (!dispatchInstance(t, instance)) return;
    busy.set(def.id, used + 1);
  }
}

/**
 * Moves the task as far as it can go at `t.at`: expands steps whose needs are met, settles completed steps
 * (gates, loops), dispatches what is ready, and completes the task when every step is done or skipped.
 */
export function advance(t: Txn): void {
  const { ctx } = t;
  // Each pass either changes a step's phase or stops; a loop or review restart adds a bounded number of passes.
  for (;;) {
    if (isFinal(ctx.status)) return;
    let moved = false;
    for (const def of t.wf.steps) {
      const state = ctx.steps[def.id]!;
      if (state.phase === 'waiting' && needsMet(ctx, def)) {
        if (!expand(t, def, state)) return;
        moved = true;
      }
      if (state.phase === 'running') {
        const instances = currentInstances(ctx, def, state);
        if (instances.length === (state.total ?? 1) && instances.every((i) => i.status === 'succeeded')) {
          settle(t, def, state, instances);
          moved = true;
        }
      }
      if (isFinal(ctx.status)) return;
    }
    if (!moved) break;
  }
  dispatchReady(t);
  if (ctx.status !== 'running') return;
  if (Object.values(ctx.steps).every((s) => s.phase === 'done' || s.phase === 'skipped')) completeTask(t);
}
