import { startAgentHost } from '@troupe/agents';
import { createSimulatedClock } from '@troupe/bus/testing';
import { FleetSchema, type Fleet, type FleetMember } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { http, KEYS, sseFrames, startTroupe, TEST_KEYS } from './fixtures/troupe.js';

const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0, latencyMs: 1, model: 'm', provider: 'offline' };
const byId = (fleet: Fleet) => new Map(fleet.members.map((m) => [m.id, m] as [string, FleetMember]));

describe('fleet', () => {
  it('lists the supervisor and the agents with kinds and states, scoped by key; /v1/agents stays agents only', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    // An agent serving a role no workflow of the ask-only key uses.
    const gate = await startAgentHost({
      bus: troupe.bus,
      roles: ['gate'],
      agentId: 'gate-agent',
      execute: async () => ({ output: {}, usage }),
    });
    try {
      const call = http(troupe.url);
      const fleetOf = async (key: string) =>
        FleetSchema.parse((await call('GET', '/v1/fleet', { key })).body);
      // Each process writes its first heartbeat as it starts.
      await expect.poll(async () => (await fleetOf(KEYS.acmeAdmin)).members.length).toBe(3);
      const fleet = await fleetOf(KEYS.acmeAdmin);
      expect(fleet.members.map((m) => [m.kind, m.id])).toEqual([
        ['supervisor', troupe.supervisor.id.replace(/[^A-Za-z0-9_-]/g, '_')],
        ['agent', 'fixture-agent'],
        ['agent', 'gate-agent'],
      ]);
      const [supervisor, agent] = fleet.members as [FleetMember, FleetMember];
      expect(supervisor).toMatchObject({ roles: [], pid: process.pid, state: 'ready', concurrency: 64 });
      expect(agent).toMatchObject({ roles: expect.arrayContaining(['assistant', 'gate']), pid: process.pid });
      expect(['ready', 'busy']).toContain(agent.state);

      // The ask-only key: the supervisor and the agent serving `assistant`, no pids.
      const askOnly = await fleetOf(KEYS.acmeAskOnly);
      expect(askOnly.members.map((m) => m.id)).toEqual([supervisor.id, 'fixture-agent']);
      expect(askOnly.members.every((m) => m.pid === null)).toBe(true);
      // A reader of every workflow sees the gate agent too (the gated workflow uses its role).
      const reader = await fleetOf(KEYS.acmeReader);
      expect(reader.members).toHaveLength(3);

      const agents = await call('GET', '/v1/agents', { key: KEYS.acmeAdmin });
      expect((agents.body as { agents: Array<{ agentId: string }> }).agents.map((a) => a.agentId)).toEqual([
        'fixture-agent',
        'gate-agent',
      ]);
    } finally {
      await gate.drain();
    }
  });

  it('the stream sends the fleet at once, again when an agent stops, and shows staleness on the clock', async () => {
    const clock = createSimulatedClock(Date.now());
    await using troupe = await startTroupe({ keys: TEST_KEYS, apiClock: clock });
    const gate = await startAgentHost({
      bus: troupe.bus,
      roles: ['gate'],
      agentId: 'gate-agent',
      execute: async () => ({ output: {}, usage }),
    });
    const res = await fetch(`${troupe.url}/v1/fleet/stream`, {
      headers: { authorization: `Bearer ${KEYS.acmeAdmin}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = sseFrames(res);
    const nextFleet = async (): Promise<Fleet> => {
      for (;;) {
        const { value, done } = await frames.next();
        if (done) throw new Error('the fleet stream ended');
        if (value.event === 'fleet') return FleetSchema.parse(JSON.parse(value.data!));
      }
    };

    const first = await nextFleet();
    expect(byId(first).get('gate-agent')).toMatchObject({ kind: 'agent', state: 'ready' });
    expect(first.members.some((m) => m.kind === 'supervisor')).toBe(true);

    await gate.drain();
    // Changes reach the stream at most once a second: each frame that still shows the agent moves time on.
    let fleet = first;
    while (byId(fleet).has('gate-agent')) {
      clock.increment(1_000);
      fleet = await nextFleet();
    }
    expect([...byId(fleet).keys()]).toContain('fixture-agent');

    // No heartbeat within the liveness window, as the API's clock reads it: every member is stale.
    clock.increment(troupe.bus.topology.agentTtlMs + 1_000);
    do fleet = await nextFleet();
    while (fleet.members.some((m) => m.state !== 'stale'));
    expect(fleet.members.map((m) => m.kind).sort()).toEqual(['agent', 'supervisor']);
    await frames.return();
  });
});
