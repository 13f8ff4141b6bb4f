import type { AuditEffect, Effect, EventEffect, ProgressEventType } from './effects.js';
import type { EngineContext } from './context.js';
import { isFinal } from './context.js';
import type { AnyWorkflow, CompiledStep } from './types.js';

/** One transition in progress: a private copy of the context that the handlers change, and its effects. */
export interface Txn {
  readonly wf: AnyWorkflow;
  readonly ctx: EngineContext;
  readonly at: number;
  readonly effects: Effect[];
}

type WithoutId<T> = T extends Effect ? Omit<T, 'id'> : never;

/** Copies every part of the context a handler may change (outputs are shared: they never change). */
export function beginTxn(wf: AnyWorkflow, ctx: EngineContext, at: number): Txn {
  const draft: EngineContext = {
    ...ctx,
    seq: ctx.seq + 1,
    loops: { ...ctx.loops },
    steps: Object.fromEntries(Object.entries(ctx.steps).map(([id, s]) => [id, { ...s }])),
    instances: ctx.instances.map((i) => ({ ...i })),
    usage: { ...ctx.usage },
    budget: { ...ctx.budget, alerted: [...ctx.budget.alerted], exceeded: [...ctx.budget.exceeded] },
    review: { ...ctx.review },
    outbox: [],
  };
  return { wf, ctx: draft, at, effects: [] };
}

export function commitTxn(t: Txn): EngineContext {
  t.ctx.outbox = t.effects;
  t.ctx.wakeAt = computeWakeAt(t.ctx);
  return t.ctx;
}

export function emit(t: Txn, effect: WithoutId<Effect>): void {
  t.effects.push({ ...effect, id: `${t.ctx.taskId}.${t.ctx.seq}.${t.effects.length}` } as Effect);
}

export function progress(
  t: Txn,
  type: ProgressEventType,
  data: Record<string, unknown>,
  stepKey?: string,
): void {
  const effect: Omit<EventEffect, 'id'> = { kind: 'event', type, at: t.at, data };
  if (stepKey !== undefined) effect.stepKey = stepKey;
  emit(t, effect);
}

export function audit(
  t: Txn,
  record: Omit<AuditEffect, 'id' | 'kind' | 'at' | 'actor' | 'data'> & {
    actor?: string;
    data?: Record<string, unknown>;
  },
): void {
  emit(t, { kind: 'audit', at: t.at, actor: 'supervisor', data: {}, ...record });
}

export function stepDef(t: Txn, stepId: string): CompiledStep {
  const step = t.wf.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`unknown step "${stepId}"`);
  return step;
}

/** Earliest of: dispatched deadlines, retry backoffs, the review timeout, the wall-time deadline. */
export function computeWakeAt(ctx: EngineContext): number | null {
  if (isFinal(ctx.status)) return null;
  let wake = Infinity;
  for (const i of ctx.instances) {
    if (i.status === 'dispatched' && i.deadline !== undefined) wake = Math.min(wake, i.deadline);
    if (i.status === 'pending' && i.nextRetryAt !== undefined) wake = Math.min(wake, i.nextRetryAt);
  }
  if (ctx.review.pending) wake = Math.min(wake, ctx.review.pending.deadline);
  else if (ctx.budget.wallDeadline !== undefined) wake = Math.min(wake, ctx.budget.wallDeadline);
  return wake === Infinity ? null : wake;
}
