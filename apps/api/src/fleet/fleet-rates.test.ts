import type { Heartbeat } from '@troupe/bus';
import { createSimulatedClock } from '@troupe/bus/testing';
import { describe, expect, it } from 'vitest';
import { FleetRates } from './fleet-rates.js';

const heartbeat = (over: Partial<Heartbeat> = {}): Heartbeat => ({
  v: 1,
  kind: 'agent',
  agentId: 'drafter-1',
  roles: ['drafter'],
  host: 'h1',
  pid: 42,
  inFlight: 0,
  concurrency: 4,
  version: '0.1.0',
  startedAt: 0,
  at: 0,
  status: 'ready',
  ...over,
});

describe('fleet perMinute', () => {
  it('is null until two heartbeats, then the rate of handled over the last minute', () => {
    const clock = createSimulatedClock(1_000_000);
    const rates = new FleetRates();
    const beat = (handled: number) => {
      rates.record('a', heartbeat({ at: clock.now(), handled, startedAt: 1 }));
    };
    beat(0);
    expect(rates.perMinute('a', clock.now())).toBeNull();
    // The same heartbeat seen again (a read, then the watch) is not a second one.
    beat(0);
    expect(rates.perMinute('a', clock.now())).toBeNull();
    clock.increment(5_000);
    beat(2);
    expect(rates.perMinute('a', clock.now())).toBe(24);
    // Twelve more beats of 2 steps each: the window holds one minute of them, 24 a minute.
    for (let i = 0; i < 12; i++) {
      clock.increment(5_000);
      beat(4 + 2 * i);
    }
    expect(rates.perMinute('a', clock.now())).toBe(24);
    // Idle for 30 s: 12 steps in the last minute.
    clock.increment(30_000);
    beat(26);
    expect(rates.perMinute('a', clock.now())).toBe(12);
    // Nothing heard for over a minute: nothing handled in it.
    clock.increment(61_000);
    expect(rates.perMinute('a', clock.now())).toBe(0);
  });

  it('starts again when the process restarts under the same id, and without handled counts says null', () => {
    const rates = new FleetRates();
    rates.record('a', heartbeat({ at: 1_000, handled: 10, startedAt: 1 }));
    rates.record('a', heartbeat({ at: 6_000, handled: 20, startedAt: 1 }));
    expect(rates.perMinute('a', 6_000)).toBe(120);
    rates.record('a', heartbeat({ at: 11_000, handled: 1, startedAt: 9_000 }));
    expect(rates.perMinute('a', 11_000)).toBeNull();
    rates.record('b', heartbeat({ at: 1_000 }));
    rates.record('b', heartbeat({ at: 6_000 }));
    expect(rates.perMinute('b', 6_000)).toBeNull();
    rates.forget('a');
    expect(rates.perMinute('a', 11_000)).toBeNull();
  });
});
