import type { AuditRecord, TaskEvent, TaskLog } from '@troupe/bus';
import type { Effect } from '../workflow/effects.js';
import type { WorkflowEngine } from '../workflow/engine.js';
import { withLog, type TaskRecord } from './task-record.js';

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

/**
 * The record one transition leaves: its snapshot, the status and next timer the engine reads from it, the
 * result or error of an ending, and the log records the write adds (an agent's result's first).
 */
export function transitionedRecord(
  record: TaskRecord,
  engine: WorkflowEngine,
  transition: { snapshot: unknown; effects: readonly Effect[] },
  now: number,
  incoming?: TaskLog,
): TaskRecord {
  const view = engine.status(transition.snapshot);
  const complete = transition.effects.find((e) => e.kind === 'complete');
  return {
    ...withLog(record, transitionLog(record.taskId, transition.effects, incoming)),
    status: view.status,
    updatedAt: now,
    seq: record.seq + 1,
    wakeAt: view.wakeAt,
    snapshot: transition.snapshot,
    ...(complete?.kind === 'complete'
      ? {
          ...(complete.result !== undefined ? { result: complete.result } : {}),
          ...(complete.error ? { error: complete.error } : {}),
        }
      : {}),
  };
}
