import { describe, expect, it } from 'vitest';
import { createSimulatedClock } from '@troupe/bus/testing';
import { createWakeTable } from './wake-table.js';

const T0 = 1_000_000;
const GRACE = 2_000;

const setup = () => {
  const clock = createSimulatedClock(T0);
  const fired: Array<{ key: string; at: number }> = [];
  const table = createWakeTable(clock, GRACE, 'me', async (key) => {
    fired.push({ key, at: clock.now() });
  });
  return { clock, fired, table };
};

describe('createWakeTable on a simulated clock', () => {
  it('fires each wake-up once, when it falls due, in time order, on one timer', () => {
    const { clock, fired, table } = setup();
    table.set('acme.b', { wakeAt: T0 + 200, by: 'me' });
    table.set('acme.a', { wakeAt: T0 + 100, by: 'me' });
    expect(clock.pendingTimers()).toBe(1);
    clock.increment(99);
    expect(fired).toEqual([]);
    clock.increment(1);
    expect(fired).toEqual([{ key: 'acme.a', at: T0 + 100 }]);
    clock.increment(100);
    expect(fired).toEqual([
      { key: 'acme.a', at: T0 + 100 },
      { key: 'acme.b', at: T0 + 200 },
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("gives another supervisor's wake-up the grace period before it fires here", () => {
    const { clock, fired, table } = setup();
    table.set('acme.t', { wakeAt: T0 + 100, by: 'other' });
    clock.increment(100 + GRACE - 1);
    expect(fired).toEqual([]);
    clock.increment(1);
    expect(fired).toEqual([{ key: 'acme.t', at: T0 + 100 + GRACE }]);
  });

  it('a wake-up moved later fires at its new time; the early timer finds nothing due and re-arms', () => {
    const { clock, fired, table } = setup();
    table.set('acme.t', { wakeAt: T0 + 100, by: 'me' });
    table.set('acme.t', { wakeAt: T0 + 500, by: 'me' });
    clock.increment(100);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
    clock.increment(400);
    expect(fired).toEqual([{ key: 'acme.t', at: T0 + 500 }]);
  });

  it('a wake-up in the past fires on the next move of the clock', () => {
    const { clock, fired, table } = setup();
    table.set('acme.t', { wakeAt: T0 - 5_000, by: 'me' });
    clock.increment(0);
    expect(fired).toEqual([{ key: 'acme.t', at: T0 }]);
  });

  it('fires nothing forgotten, and nothing after stop', () => {
    const { clock, fired, table } = setup();
    table.set('acme.a', { wakeAt: T0 + 100, by: 'me' });
    table.set('acme.b', { wakeAt: T0 + 200, by: 'me' });
    table.forget('acme.a');
    clock.increment(150);
    expect(fired).toEqual([]);
    table.stop();
    expect(clock.pendingTimers()).toBe(0);
    table.set('acme.c', { wakeAt: T0 + 300, by: 'me' });
    clock.increment(10_000);
    expect(fired).toEqual([]);
  });
});
