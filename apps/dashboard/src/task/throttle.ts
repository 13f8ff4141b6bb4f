/** The timer functions a throttle uses; the page's own by default, fake ones in tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const pageTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Throttle {
  /** Runs `fn` now if it has not run within the interval, else once when the interval ends. */
  call(): void;
  dispose(): void;
}

/**
 * At most one run per `intervalMs`, the first at once and the last never lost: a burst of 50 events costs one
 * fetch at its start and one after it.
 */
export function createThrottle(fn: () => void, intervalMs: number, timers: Timers = pageTimers): Throttle {
  let timer: unknown = null;
  let wanted = false;
  let disposed = false;
  const open = () => {
    timer = timers.setTimeout(() => {
      timer = null;
      if (!wanted || disposed) return;
      wanted = false;
      fn();
      open();
    }, intervalMs);
  };
  return {
    call() {
      if (disposed) return;
      if (timer !== null) {
        wanted = true;
        return;
      }
      fn();
      open();
    },
    dispose() {
      disposed = true;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
  };
}
