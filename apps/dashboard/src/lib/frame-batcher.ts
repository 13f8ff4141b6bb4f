/** Schedules one callback for the next frame; `requestAnimationFrame` in the page. */
export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

export const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(() => callback()),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export interface FrameBatcher<T> {
  push(item: T): void;
  /** Stops; what is pending is dropped (the component that wanted it is going away). */
  dispose(): void;
}

/**
 * Collects items (stream updates) and hands them over once per frame, in arrival order, so that a burst of
 * 200 updates costs one state update and one render instead of 200.
 */
export function createFrameBatcher<T>(
  flush: (items: T[]) => void,
  scheduler: FrameScheduler = animationFrames,
): FrameBatcher<T> {
  let pending: T[] = [];
  let handle: number | null = null;
  let disposed = false;
  const run = () => {
    handle = null;
    const items = pending;
    pending = [];
    if (items.length > 0) flush(items);
  };
  return {
    push(item) {
      if (disposed) return;
      pending.push(item);
      handle ??= scheduler.request(run);
    },
    dispose() {
      disposed = true;
      if (handle !== null) scheduler.cancel(handle);
      handle = null;
      pending = [];
    },
  };
}
