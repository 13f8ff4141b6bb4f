import type { BusError } from '@troupe/bus';
import type { TroupeMetrics } from '@troupe/telemetry';
import type { Effect } from '../workflow/effects.js';
import type { Effects } from './effects.js';
import { TERMINAL_STATUSES, type TaskRecord } from './task-record.js';
import { RECORD_TOO_LARGE, type StoredRecord, type TaskStore } from './task-store.js';
import type { Wakeups } from './wakeups.js';

/** Runs each event's handling inside a span (packages/telemetry plugs in here). */
export type Instrument = <T>(
  info: { taskId: string; workflow: string; event: string },
  fn: () => Promise<T>,
) => Promise<T>;

export interface AfterWriteOptions {
  store: TaskStore;
  effects: Effects;
  wakeups: Wakeups;
  metrics: TroupeMetrics;
  instrument: Instrument;
  onTaskFinished?: ((record: TaskRecord) => void) | undefined;
}

/** What follows a write of a task's record. */
export interface AfterWrite {
  /** Events applied by this supervisor (a write that won its compare-and-set). */
  readonly applied: number;
  /** A transition's record is stored: remember it, carry out its effects, move its wake-up. */
  written(
    key: string,
    before: TaskRecord | undefined,
    entry: StoredRecord,
    effects: readonly Effect[],
    label: string,
  ): Promise<void>;
  /** A transition's record was too large to store: the task fails instead (see `TaskStore.failTooLarge`). */
  failTooLarge(key: string, stored: { value: TaskRecord; revision?: number }, cause: BusError): Promise<void>;
}

export function createAfterWrite(options: AfterWriteOptions): AfterWrite {
  const { store, effects, wakeups, metrics, instrument, onTaskFinished } = options;
  let applied = 0;
  return {
    get applied() {
      return applied;
    },
    async written(key, before, entry, transitionEffects, label) {
      const next = entry.value;
      applied++;
      if (before?.snapshot === undefined) metrics.taskStarted({ workflow: next.workflow });
      // Only running tasks stay cached. A finished one is not read again (save for a stray late result), and
      // one that waits for a person hears nothing for minutes or days: keeping either costs its record's heap.
      if (next.status === 'running') store.remember(key, entry);
      else store.forget(key);
      await Promise.all([
        instrument({ taskId: next.taskId, workflow: next.workflow, event: label }, () =>
          effects.carryOut(next, transitionEffects),
        ),
        wakeups.schedule(key, next.wakeAt, TERMINAL_STATUSES.has(next.status)),
      ]);
    },
    async failTooLarge(key, stored, cause) {
      const failed = await store.failTooLarge(key, stored, cause);
      await wakeups.schedule(key, null, true, true);
      metrics.taskFailed({ workflow: stored.value.workflow, errorType: RECORD_TOO_LARGE });
      onTaskFinished?.(failed);
    },
  };
}
