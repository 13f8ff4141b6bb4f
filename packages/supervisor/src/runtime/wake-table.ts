import type { Clock, TimerHandle } from '@troupe/bus';
import type { Wakeup } from './task-record.js';

export interface WakeTable {
  /** Sets the task's wake-up, replacing the one it had. */
  set(key: string, wakeup: Wakeup): void;
  forget(key: string): void;
  /** Disarms the timer for good: nothing fires after this. */
  stop(): void;
}

/**
 * Every task's next wake-up time, with one timer. The timer may be early (its entry was replaced by a later
 * time or forgotten): it then finds nothing due and is armed again from one scan of the table. Only a time
 * earlier than the timer's moves it, so setting an entry costs no scan. A wake-up written by another
 * supervisor (`by` is not `self`) falls due `graceMs` late: its writer gets to tick the task first.
 */
export function createWakeTable(
  clock: Clock,
  graceMs: number,
  self: string,
  fire: (key: string) => Promise<void>,
): WakeTable {
  const table = new Map<string, Wakeup>();
  let timer: TimerHandle | undefined;
  let timerAt = Infinity;
  let stopped = false;
  const due = (w: Wakeup) => w.wakeAt + (w.by === self ? 0 : graceMs);
  const armAt = (at: number) => {
    if (stopped || at >= timerAt) return;
    if (timer) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(run, Math.max(0, at - clock.now()));
  };
  const run = () => {
    timer = undefined;
    timerAt = Infinity;
    const now = clock.now();
    const ready: string[] = [];
    let next = Infinity;
    for (const [key, w] of table) {
      const at = due(w);
      if (at <= now) ready.push(key);
      else if (at < next) next = at;
    }
    for (const key of ready) table.delete(key);
    if (next !== Infinity) armAt(next);
    for (const key of ready) void fire(key);
  };
  return {
    set(key, wakeup) {
      table.set(key, wakeup);
      armAt(due(wakeup));
    },
    forget(key) {
      table.delete(key);
    },
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}
