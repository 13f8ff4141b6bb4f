import { expect, it } from 'vitest';
import { createSimulatedClock } from './clock.js';

it('fires timers in order as simulated time passes', () => {
  const clock = createSimulatedClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b'), 200);
  const a = clock.setTimeout(() => fired.push('a'), 100);
  clock.setTimeout(() => fired.push('c'), 300);
  clock.clearTimeout(a);
  clock.increment(250);
  expect(fired).toEqual(['b']);
  expect(clock.now()).toBe(1250);
  clock.increment(100);
  expect(fired).toEqual(['b', 'c']);
  expect(clock.pendingTimers()).toBe(0);
});
