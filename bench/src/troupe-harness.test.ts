import { describe, expect, it } from 'vitest';
import { settledStreams, type StreamCounters } from './troupe-harness.js';

const at = (tasks: number, agents: number): Record<string, StreamCounters> => ({
  KV_troupe_tasks: { lastSeq: tasks, bytes: 0, messages: tasks },
  KV_troupe_agents: { lastSeq: agents, bytes: 0, messages: agents },
});

describe('settledStreams', () => {
  it('reads the counters once the task streams stop moving, whatever the heartbeats do', async () => {
    const readings = [at(10, 1), at(12, 2), at(12, 3), at(99, 4)];
    const pauses: number[] = [];
    const settled = await settledStreams(
      { streams: async () => readings.shift()! },
      { quietMs: 300, maxMs: 3_000 },
      async (ms) => pauses.push(ms),
    );
    expect(settled).toEqual(at(12, 3));
    expect(pauses).toEqual([300, 300]);
  });

  it('gives up after maxMs with the last reading', async () => {
    let seq = 0;
    const pauses: number[] = [];
    const settled = await settledStreams(
      { streams: async () => at(++seq, 0) },
      { quietMs: 300, maxMs: 900 },
      async (ms) => pauses.push(ms),
    );
    expect(pauses).toEqual([300, 300, 300]);
    expect(settled).toEqual(at(4, 0));
  });
});
