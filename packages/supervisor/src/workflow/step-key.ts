/**
 * A step instance's key: subject-safe and readable, unique within a task.
 * `plan`; fan-out items `research-1`, `research-2` (1-based); later rounds `draft-r2`, `research-r2-3`.
 * `${taskId}.${stepKey}.${attempt}` is the dispatch id (the `Nats-Msg-Id` of the assignment).
 */
export function stepKey(stepId: string, round: number, index?: number): string {
  const r = round > 1 ? `-r${round}` : '';
  const i = index === undefined ? '' : `-${index + 1}`;
  return `${stepId}${r}${i}`;
}

/** The suffixes `stepKey` may add; a step id that looks like another step's key would collide. */
export const STEP_KEY_SUFFIX = /^(r\d+)?(-?\d+)?$/;

export function dispatchId(taskId: string, key: string, attempt: number): string {
  return `${taskId}.${key}.${attempt}`;
}
