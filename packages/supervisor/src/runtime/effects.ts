import { AbortSchema, markTimeline, subjects, type Bus, type Clock, type StepAssignment } from '@troupe/bus';
import type { TroupeMetrics } from '@troupe/telemetry';
import type { Effect } from '../workflow/effects.js';
import type { TaskRecord } from './task-record.js';

export interface EffectsOptions {
  bus: Bus;
  clock: Clock;
  metrics: TroupeMetrics;
  onTaskFinished?: ((record: TaskRecord) => void) | undefined;
}

export interface Effects {
  /**
   * Carries out a stored transition's effects: its assignments and aborts. Its progress events and audit
   * records are already stored, in the record's revision (the journal).
   */
  carryOut(record: TaskRecord, effects: readonly Effect[]): Promise<void>;
}

export function createEffects({ bus, clock, metrics, onTaskFinished }: EffectsOptions): Effects {
  return {
    async carryOut(record, effects) {
      const { taskId, tenant } = record;
      const work: Array<Promise<unknown>> = [];
      for (const effect of effects) {
        switch (effect.kind) {
          case 'dispatch': {
            const assignment: StepAssignment = {
              v: 1,
              taskId,
              tenant,
              workflow: record.workflow,
              stepKey: effect.stepKey,
              stepId: effect.stepId,
              attempt: effect.attempt,
              role: effect.role,
              input: effect.input,
              ...(effect.model ? { model: effect.model } : {}),
              ...(effect.tier ? { tier: effect.tier } : {}),
              timeoutMs: effect.timeoutMs,
              deadline: effect.deadline,
              dispatchedAt: effect.dispatchedAt,
            };
            work.push(
              bus.publishDurable(subjects.work(effect.role), assignment, { msgId: effect.dispatchId }),
            );
            break;
          }
          case 'abort':
            bus.publish(
              subjects.abort(taskId),
              AbortSchema.parse({
                v: 1,
                taskId,
                stepKeys: effect.stepKeys,
                reason: effect.reason,
                at: clock.now(),
              }),
            );
            break;
          case 'event':
          case 'audit':
            break;
          case 'complete':
            if (effect.status === 'completed') metrics.taskCompleted({ workflow: record.workflow });
            else
              metrics.taskFailed({
                workflow: record.workflow,
                errorType: effect.error?.code ?? effect.status,
              });
            onTaskFinished?.(record);
            break;
          default: {
            const never: never = effect;
            throw new Error(`unknown effect ${String((never as Effect).kind)}`);
          }
        }
      }
      markTimeline('effects-sent', { taskId });
      await Promise.all(work);
    },
  };
}
