import { BusErrorCode, isBusError, type Clock, type TaskSubmit, type WorkMessage } from '@troupe/bus';
import type { Effect } from '../workflow/effects.js';
import type { WorkflowEngine } from '../workflow/engine.js';
import { isWorkflowError } from '../workflow/errors.js';
import type { AfterWrite } from './after-write.js';
import type { EventApplier } from './apply-event.js';
import { queuedRecord, taskKey, TERMINAL_STATUSES, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { buildThread } from './thread.js';
import { transitionedRecord } from './transition-log.js';

export interface SubmissionsOptions {
  store: TaskStore;
  engines: ReadonlyMap<string, WorkflowEngine>;
  applier: EventApplier;
  afterWrite: AfterWrite;
  clock: Clock;
  onTaskFinished?: ((record: TaskRecord) => void) | undefined;
}

export interface Submissions {
  /** Starts a submitted task (stream TROUPE_TASKS). */
  onSubmit(msg: WorkMessage<TaskSubmit>): Promise<void>;
}

export function createSubmissions(options: SubmissionsOptions): Submissions {
  const { store, engines, applier, afterWrite, clock, onTaskFinished } = options;

  /**
   * Starts a submitted task by creating its record already started. 'exists' when a record is there (the
   * submission is redelivered, or someone else created it); 'not-started' when the task cannot start here
   * (unknown workflow, a thread to read first, input the workflow refuses): the caller takes the long way.
   */
  const createStarted = async (
    key: string,
    queued: TaskRecord,
    now: number,
  ): Promise<'started' | 'exists' | 'not-started'> => {
    const engine = engines.get(queued.workflow);
    if (!engine || queued.continueFrom !== undefined) return 'not-started';
    let started: { snapshot: unknown; effects: Effect[] };
    try {
      started = engine.start({
        taskId: queued.taskId,
        tenant: queued.tenant,
        input: queued.input,
        options: queued.options,
        at: now,
      });
    } catch (err) {
      if (isWorkflowError(err)) return 'not-started';
      throw err;
    }
    const record = transitionedRecord(queued, engine, started, now);
    let revision: number;
    try {
      revision = await store.create(key, record);
    } catch (err) {
      if (isBusError(err, BusErrorCode.CasConflict)) return 'exists';
      if (isBusError(err, BusErrorCode.PayloadTooLarge)) {
        await afterWrite.failTooLarge(key, { value: queued }, err);
        return 'started';
      }
      throw err;
    }
    await afterWrite.written(key, undefined, { value: record, revision }, started.effects, 'task.submit');
    return 'started';
  };

  return {
    async onSubmit(msg) {
      const submit = msg.data;
      const key = taskKey(submit.tenant, submit.taskId);
      const now = clock.now();
      const queued = queuedRecord(submit, now);
      // The supervisor is the only writer of task records: a submission's record is created already
      // started, one KV write before the first dispatch. It exists already when the submission comes
      // again, or when a cancel came first.
      const created = await applier.inTurn(key, () => createStarted(key, queued, now));
      if (created === 'started') return;
      if (created === 'not-started') {
        try {
          store.remember(key, { value: queued, revision: await store.create(key, queued) });
        } catch (err) {
          if (!isBusError(err, BusErrorCode.CasConflict)) throw err;
        }
      }
      const thread = submit.continueFrom
        ? buildThread((await store.read(taskKey(submit.tenant, submit.continueFrom)))?.value)
        : undefined;
      await applier
        .apply(key, {
          label: 'task.submit',
          transition: (record, engine, now) => {
            if (record.snapshot !== undefined || TERMINAL_STATUSES.has(record.status)) {
              return { snapshot: record.snapshot, effects: [], changed: false };
            }
            const started = engine.start({
              taskId: record.taskId,
              tenant: record.tenant,
              input: record.input,
              options: record.options,
              ...(thread !== undefined ? { thread } : {}),
              at: now,
            });
            return { snapshot: started.snapshot, effects: started.effects, changed: true };
          },
        })
        .catch(async (err: unknown) => {
          // Input or options the workflow refuses: the task fails with the reason, and the message is done.
          if (!isWorkflowError(err)) throw err;
          const ended = await store.endUnstarted(key, 'failed', { code: err.code, message: err.message });
          if (ended) onTaskFinished?.(ended.value);
        });
    },
  };
}
