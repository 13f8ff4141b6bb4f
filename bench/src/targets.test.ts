import { describe, expect, it } from 'vitest';
import { floorTargetsBudget, ParkedReference, writePathTargets, type WritePathFigures } from './targets.js';

/** Figures that meet every #16 target exactly at its bound. */
const atTheBounds: WritePathFigures = {
  runAgent: { tasksPerSec: 600, cpuMsPerTask: 2, writesPerTask: 16, p50: 6, p99: 20 },
  floor: { tasksPerSec: 1_000, cpuMsPerTask: 1, p50: 4, p99: 10 },
  langgraphSqlite: { tasksPerSec: 400 },
  parked: {
    heapBytesPerTask: ParkedReference.heapBytesPerTask * 1.1,
    kvBytesPerTask: ParkedReference.kvBytesPerTask * 1.1,
  },
  waiting: { waitMs: 50, one: 80, two: 152 },
  scaleOut: { nodes: 3, one: 50, two: 90 },
};

describe('the #16 targets', () => {
  it('pass at their bounds, each with its ratio to what it is compared with', () => {
    const targets = writePathTargets(atTheBounds);
    expect(targets.map((t) => t.verdict)).toEqual(Array(10).fill('PASS'));
    expect(targets.map((t) => t.ratio)).toEqual([0.6, 1.5, 2, 1, 1.5, 2, 1.1, 1.1, 1.9, 1.8]);
  });

  it('miss past them and say by how much', () => {
    const targets = writePathTargets({
      ...atTheBounds,
      runAgent: { tasksPerSec: 300, cpuMsPerTask: 6, writesPerTask: 34, p50: 14, p99: 28 },
      waiting: { waitMs: 50, one: 80, two: 120 },
      scaleOut: { nodes: 3, one: 50, two: 85 },
    });
    const byName = (part: string) => targets.find((t) => t.target.includes(part))!;
    expect(byName("the bus floor's")).toMatchObject({
      pass: false,
      ratio: 0.3,
      verdict: 'MISS: needs 2× more',
    });
    expect(byName('CPU per task')).toMatchObject({ pass: false, ratio: 6, verdict: 'MISS: 3× over' });
    expect(byName('durable writes')).toMatchObject({ pass: false, ratio: 2.13 });
    expect(byName('steps that wait 50 ms: 2 agents per role')).toMatchObject({ pass: false, ratio: 1.5 });
    expect(byName('KV per parked task')).toMatchObject({
      pass: true,
      measured: "4,930 B vs e431fd2's 4,482 B",
    });
    const justUnder = writePathTargets({ ...atTheBounds, waiting: { waitMs: 50, one: 75.1, two: 142.5 } });
    expect(justUnder.find((t) => t.target.startsWith('steps that wait'))).toMatchObject({
      pass: false,
      ratio: 1.897,
      verdict: 'MISS: needs 1.001× more',
    });
    const kvOver = writePathTargets({
      ...atTheBounds,
      parked: { heapBytesPerTask: 571, kvBytesPerTask: 22_410 },
    });
    expect(kvOver.find((t) => t.target.startsWith('KV per parked'))).toMatchObject({
      pass: false,
      ratio: 5,
      verdict: 'MISS: 4.55× over',
    });
    expect(byName('3-node cluster')).toMatchObject({
      pass: false,
      ratio: 1.7,
      verdict: 'MISS: needs 1.06× more',
    });
  });

  it('name what was not measured instead of passing it', () => {
    const { langgraphSqlite: _l, parked: _p, waiting: _w, scaleOut: _s, ...core } = atTheBounds;
    const targets = writePathTargets(core);
    const notMeasured = targets.filter((t) => t.verdict === 'NOT MEASURED');
    expect(notMeasured.map((t) => t.target)).toEqual([
      'throughput ≥ 1.5× LangGraph.js with SQLite (one process)',
      "supervisor heap per parked task within e431fd2's (#16 filed), +10%",
      "KV per parked task (tasks + wake-ups) within e431fd2's (#16 filed), +10%",
      'steps that wait 50 ms: 2 agents per role ≥ 1.9× the throughput of 1',
      'on a 3-node cluster, steps that wait: 2 agents per role ≥ 1.8× the throughput of 1',
    ]);
    expect(notMeasured.every((t) => !t.pass)).toBe(true);
  });

  it("say what the floor targets leave for Troupe's processes once nats-server has its share", () => {
    const figures: WritePathFigures = {
      ...atTheBounds,
      runAgent: { ...atTheBounds.runAgent, cpuMsPerTask: 4, natsServerCpuMsPerTask: 0.9 },
      floor: { ...atTheBounds.floor, tasksPerSec: 2_500, cpuMsPerTask: 0.6 },
    };
    expect(floorTargetsBudget(figures, 2)).toBe(
      "What the floor targets leave a task: 1.33 ms of CPU at 0.6× the floor's rate on 2 cores, 1.20 ms at 2× " +
        'its CPU; nats-server alone spent 0.900 ms per runAgent task, which leaves 0.300 ms for the ' +
        "supervisor, four agents and the submitter together (runAgent's spent 3.10 ms).",
    );
    expect(floorTargetsBudget(atTheBounds, 2)).toBeUndefined();
  });
});
