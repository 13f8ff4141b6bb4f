import { BusErrorCode, isBusError, markTimeline, type Clock, type TaskLog } from '@troupe/bus';
import type { Effect } from '../workflow/effects.js';
import type { WorkflowEngine } from '../workflow/engine.js';
import type { AfterWrite } from './after-write.js';
import type { Effects } from './effects.js';
import type { TaskRecord } from './task-record.js';
import { RECORD_TOO_LARGE, type TaskStore } from './task-store.js';
import { transitionedRecord } from './transition-log.js';

/** What an event does to a task's machine; `changed: false` when the task does not take it. */
export type Transition = (
  record: TaskRecord,
  engine: WorkflowEngine,
  now: number,
) => {
  snapshot: unknown;
  effects: Effect[];
  changed: boolean;
};

export interface EventToApply {
  /** Names the event in spans and errors. */
  label: string;
  transition: Transition;
  /** Runs when the event changes nothing, or the task cannot take events any more. */
  unchanged?: ((record: TaskRecord) => Promise<unknown> | undefined) | undefined;
  /** The log records an agent's result brought: stored with the transition, or on their own. */
  incoming?: TaskLog | undefined;
}

export interface EventApplierOptions {
  store: TaskStore;
  engines: ReadonlyMap<string, WorkflowEngine>;
  effects: Effects;
  afterWrite: AfterWrite;
  clock: Clock;
  /** The work stream's duplicate window: within half of it, a redelivered event's effects go out again. */
  duplicateWindowMs: number;
}

export interface EventApplier {
  /**
   * Applies one event to one task: read the record → restore its machine → send the event → write back with
   * compare-and-set (read again and retry on a conflict) → carry out the effects. False when the task is
   * unknown.
   */
  apply(key: string, event: EventToApply): Promise<boolean>;
  /** Runs `fn` after everything queued before it for the same task in this process. */
  inTurn<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Compare-and-set attempts of one event before its conflict is thrown. */
const MAX_ATTEMPTS = 50;

export function createEventApplier(options: EventApplierOptions): EventApplier {
  const { store, engines, effects, afterWrite, clock, duplicateWindowMs } = options;

  /**
   * Events for one task are applied one after another within this process: applied at once, all but
   * one would lose the compare-and-set and read again (n² round trips for a fan-out's results).
   */
  const queues = new Map<string, Promise<unknown>>();
  const inTurn = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    queues.set(key, run);
    void run
      .finally(() => {
        if (queues.get(key) === run) queues.delete(key);
      })
      .catch(() => undefined);
    return run;
  };

  const applyNow = async (key: string, { label, transition, unchanged, incoming }: EventToApply) => {
    for (let attempt = 1; ; attempt++) {
      const cached = attempt === 1 ? store.cached(key) : undefined;
      const fromCache = cached !== undefined;
      const entry = cached ?? (await store.read(key));
      if (!entry) return false;
      const record = entry.value;
      // Failed for a record too large to store: its snapshot is the last one that fit, not a final one.
      if (record.error?.code === RECORD_TOO_LARGE) {
        await unchanged?.(record);
        return true;
      }
      const engine = engines.get(record.workflow);
      if (!engine) {
        await store.failUnknownWorkflow(key, entry);
        return true;
      }
      const now = clock.now();
      const { snapshot, effects: transitionEffects, changed } = transition(record, engine, now);
      markTimeline('transitioned', { taskId: record.taskId });
      if (!changed) {
        // Another supervisor may have moved the task on since this copy was cached: decide on a fresh read.
        if (fromCache) continue;
        // A result the task no longer waits for (a stale attempt) still brought its model calls' audit
        // records: they are stored, in a revision that changes nothing else.
        if (incoming && (incoming.audit.length > 0 || incoming.events.length > 0)) {
          if (!(await store.storeLogOnly(key, entry, incoming))) continue;
        }
        // The event was applied before (a redelivery). If its effects may not have gone out, send them again.
        if (record.snapshot !== undefined && now - record.updatedAt < duplicateWindowMs / 2) {
          await effects.carryOut(record, engine.pendingEffects(record.snapshot));
        }
        await unchanged?.(record);
        return true;
      }
      const next = transitionedRecord(
        record,
        engine,
        { snapshot, effects: transitionEffects },
        now,
        incoming,
      );
      let revision: number;
      try {
        revision = await store.update(key, next, entry.revision);
        markTimeline('recorded', { taskId: record.taskId });
      } catch (err) {
        if (isBusError(err, BusErrorCode.CasConflict) && attempt < MAX_ATTEMPTS) continue;
        if (isBusError(err, BusErrorCode.PayloadTooLarge)) {
          await afterWrite.failTooLarge(key, entry, err);
          return true;
        }
        throw err;
      }
      await afterWrite.written(key, record, { value: next, revision }, transitionEffects, label);
      return true;
    }
  };

  return {
    apply: (key, event) => inTurn(key, () => applyNow(key, event)),
    inTurn,
  };
}
