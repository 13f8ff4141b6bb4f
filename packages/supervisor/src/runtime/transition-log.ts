import type { AuditRecord, TaskEvent, TaskLog } from '@troupe/bus';
import type { Effect } from '../workflow/effects.js';

/**
 * The log records one write adds to a task's journal: those an agent's result brought (its step happened
 * first), then the transition's own audit records and progress events.
 */
export function transitionLog(taskId: string, effects: readonly Effect[], incoming?: TaskLog): TaskLog {
  const events: TaskEvent[] = incoming ? [...incoming.events] : [];
  const audit: AuditRecord[] = incoming ? [...incoming.audit] : [];
  for (const effect of effects) {
    if (effect.kind === 'event') {
      events.push({
        v: 1,
        id: effect.id,
        taskId,
        type: effect.type,
        at: effect.at,
        ...(effect.stepKey ? { stepKey: effect.stepKey } : {}),
        data: effect.data,
      });
    } else if (effect.kind === 'audit') {
      const { kind: _kind, id, ...rest } = effect;
      audit.push({ v: 1, id, taskId, ...rest });
    }
  }
  return { events, audit };
}
