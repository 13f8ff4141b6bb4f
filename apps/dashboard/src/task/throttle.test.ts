import { describe, expect, it } from 'vitest';
import { createThrottle, type Timers } from './throttle.js';

function manualTimers() {
  let now = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const timers: Timers = {
    setTimeout(fn, ms) {
      const id = next++;
      queue.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      queue.delete(handle as number);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...queue].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > now) continue;
      queue.delete(id);
      t.fn();
    }
  };
  return { timers, advance, pending: () => queue.size };
}

describe('createThrottle', () => {
  it('runs at once, then once at the end of a burst', () => {
    const clock = manualTimers();
    let runs = 0;
    const throttle = createThrottle(() => runs++, 250, clock.timers);
    throttle.call();
    expect(runs).toBe(1);
    for (let i = 0; i < 50; i++) throttle.call();
    expect(runs).toBe(1);
    clock.advance(250);
    expect(runs).toBe(2);
    clock.advance(250);
    expect(runs).toBe(2);
    expect(clock.pending()).toBe(0);
    throttle.call();
    expect(runs).toBe(3);
  });

  it('runs nothing after dispose', () => {
    const clock = manualTimers();
    let runs = 0;
    const throttle = createThrottle(() => runs++, 250, clock.timers);
    throttle.call();
    throttle.call();
    throttle.dispose();
    clock.advance(1_000);
    throttle.call();
    expect(runs).toBe(1);
  });
});
