import type { Heartbeat } from '@troupe/bus';
import { defineWorkflow, type AnyWorkflow } from '@troupe/supervisor';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openPrincipal, type Principal } from '../auth/api-keys.js';
import { FleetRates } from './fleet-rates.js';
import { buildFleet, fleetScope, memberState } from './fleet-view.js';

const TTL = 15_000;

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

const oneStep = (name: string, role: string): AnyWorkflow =>
  defineWorkflow({
    name,
    version: 1,
    input: z.object({}),
    steps: [{ id: 'only', role, input: () => ({}) }],
    result: ({ outputs }) => outputs.only,
  }) as AnyWorkflow;
const WORKFLOWS = [oneStep('write', 'drafter'), oneStep('check', 'reviewer')];

const principal = (over: Partial<Principal>): Principal => ({
  keyId: 'k',
  name: 'k',
  tenant: 'acme',
  scopes: new Set(['tasks:read'] as const),
  workflows: undefined,
  open: false,
  ...over,
});

describe('fleet member state', () => {
  it('is stale past the liveness window, else draining, busy or ready', () => {
    expect(memberState(heartbeat({ at: 0 }), TTL, TTL)).toBe('ready');
    expect(memberState(heartbeat({ at: 0, inFlight: 2 }), TTL, TTL)).toBe('busy');
    expect(memberState(heartbeat({ at: 0, inFlight: 2, status: 'draining' }), TTL, TTL)).toBe('draining');
    expect(memberState(heartbeat({ at: 0, inFlight: 2, status: 'draining' }), TTL + 1, TTL)).toBe('stale');
  });
});

describe('fleet scoping', () => {
  const members: Array<[string, Heartbeat]> = [
    ['drafter-1', heartbeat({ agentId: 'drafter-1', roles: ['drafter'], at: 10_000, handled: 3 })],
    ['reviewer-1', heartbeat({ agentId: 'reviewer-1', roles: ['reviewer'], at: 10_000, inFlight: 1 })],
    ['other-1', heartbeat({ agentId: 'other-1', roles: ['translator'], at: 1_000 })],
    ['supervisor.sup-1', heartbeat({ kind: 'supervisor', agentId: 'sup-1', roles: [], at: 10_000 })],
  ];
  const view = (p: Principal, now = 10_000) =>
    buildFleet(members, { now, ttlMs: TTL, scope: fleetScope(p, WORKFLOWS), rates: new FleetRates() });

  it('admin sees every member with its pid, supervisors first', () => {
    const fleet = view(principal({ scopes: new Set(['admin'] as const) }), 17_000);
    expect(fleet.at).toBe(17_000);
    expect(fleet.members.map((m) => [m.kind, m.id, m.state, m.pid])).toEqual([
      ['supervisor', 'sup-1', 'ready', 42],
      ['agent', 'drafter-1', 'ready', 42],
      ['agent', 'other-1', 'stale', 42],
      ['agent', 'reviewer-1', 'busy', 42],
    ]);
    expect(fleet.members[1]).toMatchObject({ handled: 3, perMinute: null, lastHeartbeat: 10_000 });
    expect(fleet.members[2]!.handled).toBeNull();
    expect(view(openPrincipal()).members).toHaveLength(4);
  });

  it('another key sees the supervisors and the agents of the roles of its workflows, without pids', () => {
    const all = view(principal({}));
    expect(all.members.map((m) => m.id)).toEqual(['sup-1', 'drafter-1', 'reviewer-1']);
    expect(all.members.every((m) => m.pid === null)).toBe(true);
    const writeOnly = view(principal({ workflows: new Set(['write']) }));
    expect(writeOnly.members.map((m) => m.id)).toEqual(['sup-1', 'drafter-1']);
  });

  it('leaves out a member not heard from for four liveness windows', () => {
    const fleet = view(principal({ scopes: new Set(['admin'] as const) }), 1_000 + 4 * TTL + 1);
    expect(fleet.members.map((m) => m.id)).not.toContain('other-1');
  });
});
