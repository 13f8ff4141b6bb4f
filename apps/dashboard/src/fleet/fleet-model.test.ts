import type { FleetMember } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { countStates, groupFleet, heartbeatAge } from './fleet-model.js';

function member(over: Partial<FleetMember> & Pick<FleetMember, 'id'>): FleetMember {
  return {
    kind: 'agent',
    roles: ['researcher'],
    host: 'node-a',
    pid: null,
    state: 'ready',
    inFlight: 0,
    concurrency: 2,
    lastHeartbeat: 1_000,
    startedAt: 0,
    version: '0.1.0',
    handled: 0,
    perMinute: null,
    ...over,
  };
}

describe('groupFleet', () => {
  it('lists supervisors first, then agents by role set, each by host and id', () => {
    const groups = groupFleet([
      member({ id: 'r2', host: 'node-b', inFlight: 1 }),
      member({ id: 'sup-1', kind: 'supervisor', roles: [], host: 'node-a', concurrency: 8 }),
      member({ id: 'all-1', roles: ['reviewer', 'drafter'] }),
      member({ id: 'r1', host: 'node-b', inFlight: 2 }),
      member({ id: 'r0', host: 'node-a' }),
    ]);
    expect(groups.map((g) => [g.key, g.label, g.count])).toEqual([
      ['supervisors', 'supervisors', 1],
      ['agents:drafter+reviewer', 'drafter · reviewer', 1],
      ['agents:researcher', 'researcher', 3],
    ]);
    const researchers = groups[2]!;
    expect(researchers.hosts.map((h) => [h.host, h.members.map((m) => m.id)])).toEqual([
      ['node-a', ['r0']],
      ['node-b', ['r1', 'r2']],
    ]);
    expect([researchers.inFlight, researchers.concurrency]).toEqual([3, 6]);
  });

  it('counts members by state', () => {
    expect(
      countStates([
        member({ id: 'a', state: 'busy' }),
        member({ id: 'b', state: 'busy' }),
        member({ id: 'c', state: 'stale' }),
      ]),
    ).toEqual({ ready: 0, busy: 2, draining: 0, stale: 1 });
  });
});

describe('heartbeatAge', () => {
  it("ages a heartbeat on the server's clock plus the time since the fleet arrived", () => {
    // Sent when the heartbeat was 2 s old; received at browser time 50_000; now 53_500.
    expect(heartbeatAge(10_000, 12_000, 50_000, 53_500)).toBe(5_500);
    // A browser clock behind the server's changes nothing.
    expect(heartbeatAge(10_000, 12_000, 1_000, 4_500)).toBe(5_500);
    expect(heartbeatAge(12_500, 12_000, 50_000, 49_000)).toBe(0);
  });
});
