import type { EngineContext, StepInstance } from './context.js';
import type { AnyWorkflow, StepContext } from './types.js';

/** The latest completed output of each step: one value, or the items' outputs in order for a fan-out. */
export function collectOutputs(wf: AnyWorkflow, ctx: EngineContext): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const step of wf.steps) {
    const state = ctx.steps[step.id];
    if (state?.doneRound === undefined) continue;
    const done = ctx.instances.filter(
      (i) => i.step === step.id && i.round === state.doneRound && i.status === 'succeeded',
    );
    outputs[step.id] = step.forEach
      ? done.sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((i) => i.output)
      : done[0]?.output;
  }
  return outputs;
}

/** Every succeeded instance's output by step key, in the order the instances were created. */
export function collectStepOutputs(ctx: EngineContext): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const i of ctx.instances) if (i.status === 'succeeded') steps[i.key] = i.output;
  return steps;
}

/** Built per call; `outputs` and `steps` are computed on first read. */
export function buildStepContext(
  wf: AnyWorkflow,
  ctx: EngineContext,
  instance?: Pick<StepInstance, 'index' | 'item'>,
): StepContext {
  let outputs: Record<string, unknown> | undefined;
  let steps: Record<string, unknown> | undefined;
  const base: StepContext = {
    input: ctx.input,
    notes: ctx.notes,
    round: ctx.round,
    thread: ctx.thread,
    review: ctx.review.last,
    usage: { ...ctx.usage },
    get outputs() {
      outputs ??= collectOutputs(wf, ctx);
      return outputs;
    },
    get steps() {
      steps ??= collectStepOutputs(ctx);
      return steps;
    },
  };
  if (instance?.index === undefined) return base;
  return Object.defineProperties(base, {
    item: { value: instance.item, enumerable: true },
    index: { value: instance.index, enumerable: true },
  });
}
