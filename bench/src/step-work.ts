/**
 * The one piece of "work" every system in the peer comparison does per step, so that the figures
 * compare coordination and nothing else: append the step's name to a trail, count, and hash.
 */
export interface StepPayload {
  question: string;
  trail: string[];
  n: number;
  digest: string;
}

/** FNV-1a, 32 bits, as hex. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function firstPayload(question: string): StepPayload {
  return { question, trail: [], n: 0, digest: fnv1a(question) };
}

export function stepWork(step: string, input: StepPayload): StepPayload {
  return {
    question: input.question,
    trail: [...input.trail, step],
    n: input.n + 1,
    digest: fnv1a(`${input.digest}:${step}:${input.n}`),
  };
}

/**
 * `stepWork` after waiting `waitMs`, as a step that calls a model would (the offline model's `latencyMs` is
 * the same wait for `runAgent`); 0 runs it at once.
 */
export async function waitingStepWork(
  step: string,
  input: StepPayload,
  waitMs: number,
): Promise<StepPayload> {
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  return stepWork(step, input);
}

/** The four steps of the pipeline, in order, in every system. */
export const PIPELINE_STEPS = ['fetch', 'parse', 'score', 'check'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];
