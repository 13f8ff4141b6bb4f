import { Buckets, HeartbeatSchema, type Heartbeat } from '@troupe/bus';
import { createSimulatedClock, startTestBus, natsHandles } from '@troupe/bus/testing';
import { describe, expect, it } from 'vitest';
import { FleetRates } from './fleet-rates.js';
import { createFleetWatcher, type FleetHeartbeats } from './fleet-watcher.js';

const heartbeat = (agentId: string, at: number, handled = 0): Heartbeat => ({
  v: 1,
  kind: 'agent',
  agentId,
  roles: ['drafter'],
  host: 'h',
  pid: 1,
  inFlight: 0,
  concurrency: 1,
  version: '0.1.0',
  startedAt: 0,
  at,
  status: 'ready',
  handled,
});

describe('FleetWatcher on a real nats-server', () => {
  it('one watch for every subscriber: at once, changes at most once a second, a refresh on the clock, stopped after the last', async () => {
    await using testBus = await startTestBus();
    const { bus } = testBus;
    const kv = await bus.kv(Buckets.Agents, HeartbeatSchema);
    const clock = createSimulatedClock(1_000_000);
    await kv.put('a', heartbeat('a', clock.now()));
    // The heartbeats the watcher hands to the rates, as `key:handled`.
    const recorded: string[] = [];
    const rates = new (class extends FleetRates {
      override record(key: string, heartbeat: Heartbeat): void {
        recorded.push(`${key}:${heartbeat.handled}`);
        super.record(key, heartbeat);
      }
    })();
    const errors: unknown[] = [];
    const watcher = createFleetWatcher({
      bus,
      clock,
      rates,
      refreshMs: 5_000,
      forgetAfterMs: 60_000,
      onError: (err) => errors.push(err),
    });
    // Waits for the server, bounded generously: the default second ran out once on a loaded host.
    const WAIT = { timeout: 10_000 };
    // Watches of the bucket someone listens to (a stopped watch's consumer lingers until the server drops it).
    const consumers = async () =>
      (await natsHandles(bus).jsm.consumers.list('KV_troupe_agents').next()).filter((c) => c.push_bound)
        .length;

    const seen1: string[][] = [];
    const seen2: string[][] = [];
    const keys = (h: FleetHeartbeats) => [...h.keys()].sort();
    const stop1 = watcher.subscribe((h) => seen1.push(keys(h)));
    await expect.poll(() => seen1, WAIT).toEqual([['a']]);
    const stop2 = watcher.subscribe((h) => seen2.push(keys(h)));
    expect(seen2).toEqual([['a']]);
    expect(await consumers()).toBe(1);

    // Changes within the second: one update, when the second is over.
    await kv.delete('a');
    await kv.put('b', heartbeat('b', clock.now()));
    await kv.put('c', heartbeat('c', clock.now() - 5_000));
    // The bucket keeps one revision per key: a second put before the watch delivered the first replaces it.
    await expect.poll(() => recorded, WAIT).toContain('c:0');
    await kv.put('c', heartbeat('c', clock.now(), 5));
    // The watch hands changes out in order: once the rates know the last one, the watcher has seen them all.
    await expect.poll(() => rates.perMinute('c', clock.now()), WAIT).toBe(60);
    expect(seen1).toHaveLength(1);
    clock.increment(1_000);
    expect(seen1).toEqual([['a'], ['b', 'c']]);
    expect(seen2).toEqual([['a'], ['b', 'c']]);

    // Nothing changes: the refresh comes anyway.
    clock.increment(5_000);
    expect(seen1).toHaveLength(3);

    stop1();
    expect(watcher.subscribers).toBe(1);
    stop2();
    expect(watcher.subscribers).toBe(0);
    await expect.poll(consumers, WAIT).toBe(0);
    const calls = seen1.length + seen2.length;
    clock.increment(60_000);
    expect(seen1.length + seen2.length).toBe(calls);
    expect(clock.pendingTimers()).toBe(0);
    expect(errors).toEqual([]);
  });
});
