import type { EventApplier } from './apply-event.js';
import { TERMINAL_STATUSES } from './task-record.js';
import type { Wakeups } from './wakeups.js';

export interface TicksOptions {
  applier: EventApplier;
  wakeups: Wakeups;
  onError: (err: unknown, context: string) => void;
}

/** What a task's wake-up does when it falls due: ticks the task's machine (timeouts, retries, budgets). */
export function createTicks({ applier, wakeups, onError }: TicksOptions): (key: string) => Promise<void> {
  return async (key) => {
    const known = await applier
      .apply(key, {
        label: 'tick',
        transition: (record, engine, now) =>
          record.snapshot === undefined || TERMINAL_STATUSES.has(record.status)
            ? { snapshot: record.snapshot, effects: [], changed: false }
            : engine.apply(record.snapshot, { type: 'tick', at: now }),
        unchanged: (record) => wakeups.rewake(key, record),
      })
      .catch((err: unknown) => {
        onError(err, 'tick');
        return true;
      });
    if (!known) await wakeups.schedule(key, null, true, true);
  };
}
