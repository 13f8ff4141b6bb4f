export type TimerHandle = { readonly id: number };

/** Time as Troupe reads it. Production uses `systemClock`; tests use `createSimulatedClock()`. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

const realHandles = new Map<number, ReturnType<typeof setTimeout>>();
let nextRealId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const id = nextRealId++;
    const t = setTimeout(() => {
      realHandles.delete(id);
      fn();
    }, ms);
    // A browser's timer is a number (the dashboard loads this through @troupe/client); Node's can be unref'd.
    (t as unknown as { unref?: () => void }).unref?.();
    realHandles.set(id, t);
    return { id };
  },
  clearTimeout(handle) {
    const t = realHandles.get(handle.id);
    if (t) clearTimeout(t);
    realHandles.delete(handle.id);
  },
};

export interface SimulatedClock extends Clock {
  /** Moves time forward, firing every timer that falls due, in order. */
  increment(ms: number): void;
  set(now: number): void;
  pendingTimers(): number;
}

export function createSimulatedClock(start = 0): SimulatedClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const fireDue = () => {
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers) {
        if (entry[1].at <= now && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) return;
      timers.delete(due[0]);
      due[1].fn();
    }
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { id };
    },
    clearTimeout(handle) {
      timers.delete(handle.id);
    },
    increment(ms) {
      now += ms;
      fireDue();
    },
    set(t) {
      now = t;
      fireDue();
    },
    pendingTimers: () => timers.size,
  };
}

/** Resolves after `ms` on `clock` (the system clock by default): the pause of a retry's backoff. */
export function pause(ms: number, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
