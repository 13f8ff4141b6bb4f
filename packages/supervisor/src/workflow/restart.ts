import { StepErrorCode } from './errors.js';
import type { Txn } from './txn.js';
import { emit, stepDef } from './txn.js';

/**
 * Sends the task back to `stepId`: a new round begins, that step and every step that needs it (directly or
 * not) wait to run again with new instance keys (`draft-r2`). Their unfinished instances are superseded
 * (an `abort` names the dispatched ones); their latest completed outputs stay visible until replaced.
 */
export function restartFrom(t: Txn, stepId: string, reason: string): void {
  const ctx = t.ctx;
  ctx.round += 1;
  const affected = new Set([stepId, ...stepDef(t, stepId).dependents]);
  const aborted: string[] = [];
  for (const i of ctx.instances) {
    if (!affected.has(i.step) || (i.status !== 'pending' && i.status !== 'dispatched')) continue;
    if (i.status === 'dispatched') aborted.push(i.key);
    i.status = 'skipped';
    i.error = { code: StepErrorCode.Superseded, message: reason };
    delete i.deadline;
    delete i.nextRetryAt;
  }
  for (const id of affected) {
    const previous = ctx.steps[id];
    ctx.steps[id] =
      previous?.doneRound === undefined
        ? { gen: ctx.round, phase: 'waiting' }
        : { gen: ctx.round, phase: 'waiting', doneRound: previous.doneRound };
  }
  if (aborted.length > 0) emit(t, { kind: 'abort', stepKeys: aborted, reason });
}
