import {
  BusErrorCode,
  ControlSchema,
  isBusError,
  parseSubject,
  StepResultSchema,
  Streams,
  subjects,
  TaskSubmitSchema,
  type Bus,
  type Clock,
  type Control,
  type StepResult,
  type WorkMessage,
} from '@troupe/bus';
import type { WorkflowEvent } from '../workflow/events.js';
import type { EventApplier } from './apply-event.js';
import { queuedRecord, taskKey, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

/** What stream TROUPE_RESULTS carries: agents' step results and control messages (cancel, review, step-lost). */
export const ResultOrControlSchema = StepResultSchema.or(ControlSchema);

export interface ResultsOptions {
  bus: Bus;
  clock: Clock;
  store: TaskStore;
  applier: EventApplier;
  onError: (err: unknown, context: string) => void;
  onTaskFinished?: ((record: TaskRecord) => void) | undefined;
}

export interface Results {
  /** Applies a step result or a control message to its task. */
  onResult(msg: WorkMessage<StepResult | Control>): Promise<void>;
}

export function createResults(options: ResultsOptions): Results {
  const { bus, clock, store, applier, onError, onTaskFinished } = options;
  /**
   * A cancel that arrives before any supervisor started the task ends it right there; when it comes before
   * the submission was even read, the task's record is created from its submission, already cancelled, and
   * the submission then finds it ended.
   */
  const cancelQueued = async (key: string, tenant: string, taskId: string, reason: string | undefined) => {
    if (!store.cached(key) && !(await store.read(key))) {
      const submit = await bus.lastOnSubject(
        Streams.Tasks,
        subjects.taskSubmit(tenant, taskId),
        TaskSubmitSchema,
      );
      if (!submit) return;
      await store.create(key, queuedRecord(submit, clock.now())).catch((err: unknown) => {
        if (!isBusError(err, BusErrorCode.CasConflict)) throw err;
      });
    }
    const written = await store.endUnstarted(key, 'cancelled', {
      code: 'CANCELLED',
      message: `cancelled before it started${reason ? `: ${reason}` : ''}`,
    });
    if (written?.value.status === 'cancelled') {
      store.forget(key);
      onTaskFinished?.(written.value);
    }
  };

  return {
    async onResult(msg) {
      const data = msg.data;
      const refusal = refuseByOrigin(msg.subject, data);
      if (refusal) {
        onError(new Error(refusal), 'result');
        return;
      }
      const key = taskKey(data.tenant, data.taskId);
      if ('type' in data && data.type === 'cancel')
        await cancelQueued(key, data.tenant, data.taskId, data.reason);
      const label = 'ok' in data ? (data.ok ? 'step.succeeded' : 'step.failed') : `control.${data.type}`;
      const known = await applier.apply(key, {
        label,
        transition: (record, engine, now) => {
          const event = toEvent(data, now);
          if (!event || record.snapshot === undefined)
            return { snapshot: record.snapshot, effects: [], changed: false };
          return engine.apply(record.snapshot, event);
        },
        incoming: 'ok' in data ? data.log : undefined,
      });
      if (!known) onError(new Error(`${label} for unknown task ${key}`), 'result');
    },
  };
}

/**
 * Why a message may not act from the subject it came on, or undefined. An agent's user may publish only on
 * its role's result subject, so what arrives there is a step result or a lost step, never a cancel or a
 * review; those come on the control subject, which only the API and supervisors may publish to. Either way
 * the subject names the task the message is about.
 */
export function refuseByOrigin(subject: string, data: StepResult | Control): string | undefined {
  const origin = parseSubject(subject);
  if (origin.kind !== 'result' && origin.kind !== 'control') return `${subject} carries no step news`;
  if (origin.taskId !== data.taskId)
    return `${subject} carries a message about another task (${data.taskId})`;
  const isAgentNews = 'ok' in data || data.type === 'step-lost';
  if (origin.kind === 'result' && !isAgentNews)
    return `a ${(data as Control).type} may not come on an agent's result subject (${subject})`;
  return undefined;
}

/** The workflow event a step result or control message stands for, at `at`; undefined for none. */
export function toEvent(data: StepResult | Control, at: number): WorkflowEvent | undefined {
  if ('ok' in data) {
    return data.ok
      ? {
          type: 'step.succeeded',
          at,
          stepKey: data.stepKey,
          attempt: data.attempt,
          output: data.output,
          usage: data.usage,
          agentId: data.agentId,
        }
      : {
          type: 'step.failed',
          at,
          stepKey: data.stepKey,
          attempt: data.attempt,
          error: data.error,
          agentId: data.agentId,
          ...(data.usage ? { usage: data.usage } : {}),
        };
  }
  switch (data.type) {
    case 'cancel':
      return { type: 'cancel', at, ...(data.reason ? { reason: data.reason } : {}) };
    case 'review':
      return {
        type: 'review.decision',
        at,
        decision: data.decision,
        ...(data.notes ? { notes: data.notes } : {}),
        ...(data.by ? { by: data.by } : {}),
      };
    case 'step-lost':
      return { type: 'step.lost', at, stepKey: data.stepKey, attempt: data.attempt, reason: data.reason };
    default:
      return undefined;
  }
}
