import type { StepInstance } from '../context.js';

/** A step instance of round 1, attempt 1: succeeded with `output`, or still dispatched without one. */
export const stepInstance = (key: string, output?: unknown): StepInstance => ({
  key,
  step: key,
  round: 1,
  status: output === undefined ? 'dispatched' : 'succeeded',
  attempt: 1,
  failures: 0,
  ...(output === undefined ? {} : { output }),
});
