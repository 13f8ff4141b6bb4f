import type { Clock, TypedKv } from '@troupe/bus';
import { TERMINAL_STATUSES, type TaskRecord, type Wakeup } from './task-record.js';
import { createWakeTable } from './wake-table.js';

export interface WakeupsOptions {
  /** KV `troupe_wakeups`. */
  wakeups: TypedKv<Wakeup>;
  clock: Clock;
  supervisorId: string;
  /** How long a wake-up another supervisor wrote waits before this one ticks the task itself. */
  foreignWakeGraceMs: number;
  onError: (err: unknown, context: string) => void;
  /** A task's wake-up fell due. */
  fire: (key: string) => Promise<void>;
}

export interface Wakeups {
  /**
   * Moves the task's wake-up to `after`, or removes it when the task ended or waits for nothing (`after` is
   * null). `force` writes KV even where what this process knows of it says the write changes nothing.
   */
  schedule(
    key: string,
    after: number | null,
    terminal: boolean,
    force?: boolean,
  ): Promise<unknown> | undefined;
  /** A wake-up found nothing due: store the task's real next deadline, or remove the wake-up. */
  rewake(key: string, record: TaskRecord): Promise<unknown> | undefined;
  /** Starts following KV `troupe_wakeups`: every stored wake-up, this supervisor's or not, arms a timer here. */
  watch(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What KV `troupe_wakeups` holds per task, as this process last wrote or watched it. The stored time is a
 * lower bound of the task's next deadline, not the deadline itself: it is written only when the deadline
 * moves earlier (or the stored one has passed), so a task whose steps each push the deadline later costs
 * one write when it starts and one when it ends. A wake-up that comes too early finds nothing due, and
 * `rewake` then stores the real time.
 */
export function createWakeups(options: WakeupsOptions): Wakeups {
  const { wakeups, clock, supervisorId: id, onError } = options;
  const timers = createWakeTable(clock, options.foreignWakeGraceMs, id, options.fire);
  const storedWake = new Map<string, number>();
  let stopWatching: () => Promise<void> = () => Promise.resolve();

  const schedule = (key: string, after: number | null, terminal: boolean, force = false) => {
    const stored = storedWake.get(key);
    if (terminal || after === null) {
      timers.forget(key);
      if (stored === undefined && !force) return undefined;
      storedWake.delete(key);
      return wakeups.delete(key).catch((err) => onError(err, 'wakeups.delete'));
    }
    timers.set(key, { wakeAt: after, by: id });
    if (!force && stored !== undefined && stored <= after && stored > clock.now()) return undefined;
    storedWake.set(key, after);
    return wakeups.put(key, { wakeAt: after, by: id }).catch((err) => onError(err, 'wakeups.put'));
  };

  return {
    schedule,
    rewake: (key, record) =>
      schedule(
        key,
        record.wakeAt,
        record.snapshot === undefined || TERMINAL_STATUSES.has(record.status),
        true,
      ),
    async watch() {
      const watcher = new AbortController();
      const watching = (async () => {
        for await (const change of wakeups.watch('>', { signal: watcher.signal })) {
          if (change.type === 'deleted') {
            storedWake.delete(change.key);
            timers.forget(change.key);
          } else if (change.type === 'value') {
            storedWake.set(change.key, change.value.wakeAt);
            timers.set(change.key, change.value);
          } else if (change.type === 'invalid') {
            onError(change.error, 'wakeups.watch');
          }
        }
      })();
      stopWatching = async () => {
        watcher.abort();
        await watching.catch(() => undefined);
      };
    },
    async stop() {
      timers.stop();
      await stopWatching();
    },
  };
}
