import { formatNumber } from './report.js';
import { round } from './stats.js';

export interface Target {
  target: string;
  measured: string;
  /**
   * The measure over what the target compares it with: the bus floor's, LangGraph's, the previous run's, or
   * a fixed limit. Absent when there is nothing to divide by (a reference of 0, or no reading).
   */
  ratio?: number;
  pass: boolean;
  /** PASS, or how far off a miss is, in words. */
  verdict: string;
}

/** `value` must be at most `limit`. */
export function atMost(
  target: string,
  value: number,
  limit: number,
  unit: string,
  limitText = `${limit} ${unit}`,
): Target {
  const ratio = round(value / limit, 2);
  const pass = value <= limit;
  return {
    target,
    measured: `${round(value, 2)} ${unit} vs ${limitText}`,
    ratio,
    pass,
    verdict: pass ? 'PASS' : `MISS: ${ratio}× the limit (${round(value - limit, 2)} ${unit} over)`,
  };
}

/** `value` must be at least `floor`. */
export function atLeast(
  target: string,
  value: number,
  floor: number,
  unit: string,
  floorText = `${floor} ${unit}`,
): Target {
  const ratio = round(value / floor, 2);
  const pass = value >= floor;
  return {
    target,
    measured: `${round(value, 1)} ${unit} vs ${floorText}`,
    ratio,
    pass,
    verdict: pass
      ? 'PASS'
      : `MISS: ${ratio}× the floor (needs ${round(floor / Math.max(value, 1e-9), 1)}× more)`,
  };
}

/** `value` ÷ `reference` must be at least (or at most) `bound`. */
export function ratioTarget(o: {
  target: string;
  value: number;
  reference: number;
  /** What `reference` is, for the measured column: `the floor's`, `LangGraph's`, `the limit`. */
  referenceName: string;
  direction: 'atLeast' | 'atMost';
  bound: number;
  unit: string;
}): Target {
  const exact = o.reference > 0 ? o.value / o.reference : undefined;
  // Within 1% of the bound, two decimals could show a miss as the bound itself.
  const digits = exact !== undefined && Math.abs(exact - o.bound) < 0.01 * o.bound ? 3 : 2;
  const ratio = exact === undefined ? undefined : round(exact, digits);
  const limit = o.bound * o.reference;
  const pass = o.direction === 'atLeast' ? o.value >= limit : o.value <= limit;
  const miss =
    exact === undefined
      ? 'MISS'
      : o.direction === 'atLeast'
        ? `MISS: needs ${round(o.bound / Math.max(exact, 1e-9), digits)}× more`
        : `MISS: ${round(exact / o.bound, digits)}× over`;
  return {
    target: o.target,
    measured: `${formatNumber(o.value)} ${o.unit} vs ${o.referenceName} ${formatNumber(o.reference)} ${o.unit}`,
    ...(ratio === undefined ? {} : { ratio }),
    pass,
    verdict: pass ? 'PASS' : miss,
  };
}

/** A target this run has no figures for (a section that did not run, or result files from before it). */
export const notMeasured = (target: string, why: string): Target => ({
  target,
  measured: why,
  pass: false,
  verdict: 'NOT MEASURED',
});

/** The targets of issue #16, as ratios to figures measured in the same run. */
export const WritePathLimits = {
  /** runAgent's tasks/s ≥ this × the bus floor's. */
  throughputOverFloor: 0.6,
  /** runAgent's tasks/s ≥ this × LangGraph.js with SQLite in one process. */
  throughputOverLanggraph: 1.5,
  /** runAgent's CPU per task ≤ this × the floor's. */
  cpuOverFloor: 2,
  /** Durable writes (JetStream sequence numbers) per 4-step task. */
  writesPerTask: 16,
  /** One task at a time: runAgent's p50 and p99 ≤ these × the floor's. */
  p50OverFloor: 1.5,
  p99OverFloor: 2,
  /** Steps that wait like a model call: 2 agents per role ≥ this × the throughput of 1. */
  waitingScaling: 1.9,
  /** How long such a step waits. */
  waitMs: 50,
  /** The same on a 3-node cluster with 3 replicas (one supervisor): 2 agents per role ≥ this × 1. */
  scaleOutScaling: 1.8,
  /**
   * A parked task's supervisor heap and KV bytes may exceed the figures #16 was filed with by this much: the
   * heap reading moves by about this from run to run with no change on its path (571–667 B).
   */
  parkedTolerance: 1.1,
} as const;

/** "Memory and KV per parked task within today's figures": the run #16 was filed with (docs/benchmarks.md, History). */
export const ParkedReference = { commit: 'e431fd2', heapBytesPerTask: 571, kvBytesPerTask: 4_482 } as const;

/** What the #16 targets read: runAgent (offline model, one agent process per role) and its references. */
export interface WritePathFigures {
  runAgent: {
    tasksPerSec: number;
    cpuMsPerTask: number;
    writesPerTask: number;
    p50: number;
    p99: number;
    /** The part of `cpuMsPerTask` nats-server spent, when the run split it by process. */
    natsServerCpuMsPerTask?: number;
  };
  floor: { tasksPerSec: number; cpuMsPerTask: number; p50: number; p99: number };
  langgraphSqlite?: { tasksPerSec: number };
  /** Per task parked at awaiting_review: the supervisor's heap growth and KV bytes (tasks + wake-ups). */
  parked?: { heapBytesPerTask: number; kvBytesPerTask: number };
  /** Steady tasks/s of the pipeline whose steps wait `waitMs`, with 1 and 2 agent processes per role. */
  waiting?: { waitMs: number; one: number; two: number };
  /** The same steady tasks/s on a 3-node cluster (section 9, one supervisor). */
  scaleOut?: { nodes: number; one: number; two: number };
}

/**
 * runAgent's figures for the targets from a burst (or a results file's row of one) and the one-at-a-time
 * latency; a figure the run did not record is NaN, which no target passes.
 */
export function runAgentFigures(
  burst: {
    tasksPerSec: number;
    cpuMsPerTask?: Record<string, number>;
    writesPerTask?: Record<string, number>;
  },
  latency: { p50: number; p99: number },
): WritePathFigures['runAgent'] {
  const nats = burst.cpuMsPerTask?.['natsServer'];
  return {
    tasksPerSec: burst.tasksPerSec,
    cpuMsPerTask: burst.cpuMsPerTask?.['total'] ?? Number.NaN,
    writesPerTask: burst.writesPerTask?.['total'] ?? Number.NaN,
    p50: latency.p50,
    p99: latency.p99,
    ...(nats !== undefined ? { natsServerCpuMsPerTask: nats } : {}),
  };
}

/** The #16 targets, each with what was measured, its ratio and PASS or MISS. */
export function writePathTargets(f: WritePathFigures): Target[] {
  const L = WritePathLimits;
  const floor = "the floor's";
  const targets: Target[] = [
    ratioTarget({
      target: `throughput ≥ ${L.throughputOverFloor}× the bus floor's`,
      value: f.runAgent.tasksPerSec,
      reference: f.floor.tasksPerSec,
      referenceName: floor,
      direction: 'atLeast',
      bound: L.throughputOverFloor,
      unit: 'tasks/s',
    }),
    f.langgraphSqlite
      ? ratioTarget({
          target: `throughput ≥ ${L.throughputOverLanggraph}× LangGraph.js with SQLite (one process)`,
          value: f.runAgent.tasksPerSec,
          reference: f.langgraphSqlite.tasksPerSec,
          referenceName: "LangGraph's",
          direction: 'atLeast',
          bound: L.throughputOverLanggraph,
          unit: 'tasks/s',
        })
      : notMeasured(
          `throughput ≥ ${L.throughputOverLanggraph}× LangGraph.js with SQLite (one process)`,
          'LangGraph.js did not run (pnpm bench runs it)',
        ),
    ratioTarget({
      target: `CPU per task ≤ ${L.cpuOverFloor}× the floor's`,
      value: f.runAgent.cpuMsPerTask,
      reference: f.floor.cpuMsPerTask,
      referenceName: floor,
      direction: 'atMost',
      bound: L.cpuOverFloor,
      unit: 'ms',
    }),
    ratioTarget({
      target: `durable writes per 4-step task ≤ ${L.writesPerTask}`,
      value: f.runAgent.writesPerTask,
      reference: L.writesPerTask,
      referenceName: 'the limit',
      direction: 'atMost',
      bound: 1,
      unit: 'writes',
    }),
    ratioTarget({
      target: `one task at a time: p50 ≤ ${L.p50OverFloor}× the floor's`,
      value: f.runAgent.p50,
      reference: f.floor.p50,
      referenceName: floor,
      direction: 'atMost',
      bound: L.p50OverFloor,
      unit: 'ms',
    }),
    ratioTarget({
      target: `one task at a time: p99 ≤ ${L.p99OverFloor}× the floor's`,
      value: f.runAgent.p99,
      reference: f.floor.p99,
      referenceName: floor,
      direction: 'atMost',
      bound: L.p99OverFloor,
      unit: 'ms',
    }),
  ];
  const within = `within ${ParkedReference.commit}'s (#16 filed), +${round((L.parkedTolerance - 1) * 100, 0)}%`;
  const heap = `supervisor heap per parked task ${within}`;
  const kv = `KV per parked task (tasks + wake-ups) ${within}`;
  if (!f.parked) {
    const why = 'the supervisor-cost section did not run (pnpm bench runs it)';
    targets.push(notMeasured(heap, why), notMeasured(kv, why));
  } else {
    const referenceName = `${ParkedReference.commit}'s`;
    const parked = (target: string, value: number, reference: number) =>
      ratioTarget({
        target,
        value,
        reference,
        referenceName,
        direction: 'atMost',
        bound: L.parkedTolerance,
        unit: 'B',
      });
    targets.push(
      parked(heap, f.parked.heapBytesPerTask, ParkedReference.heapBytesPerTask),
      parked(kv, f.parked.kvBytesPerTask, ParkedReference.kvBytesPerTask),
    );
  }
  const scaling = `steps that wait ${f.waiting?.waitMs ?? L.waitMs} ms: 2 agents per role ≥ ${L.waitingScaling}× the throughput of 1`;
  targets.push(
    f.waiting
      ? ratioTarget({
          target: scaling,
          value: f.waiting.two,
          reference: f.waiting.one,
          referenceName: '1 agent per role',
          direction: 'atLeast',
          bound: L.waitingScaling,
          unit: 'tasks/s',
        })
      : notMeasured(scaling, 'the result files are from before this measure'),
  );
  const scaleOut = `on a ${f.scaleOut?.nodes ?? 3}-node cluster, steps that wait: 2 agents per role ≥ ${L.scaleOutScaling}× the throughput of 1`;
  targets.push(
    f.scaleOut
      ? ratioTarget({
          target: scaleOut,
          value: f.scaleOut.two,
          reference: f.scaleOut.one,
          referenceName: '1 agent per role',
          direction: 'atLeast',
          bound: L.scaleOutScaling,
          unit: 'tasks/s',
        })
      : notMeasured(scaleOut, 'no bench/results/scale-out.json (section 9 of pnpm bench)'),
  );
  return targets;
}

/**
 * What the throughput and CPU targets leave Troupe's own processes: on a machine whose cores are all busy, a
 * rate of `throughputOverFloor` × the floor's allows `cores / rate` of CPU per task, and the CPU target allows
 * `cpuOverFloor` × the floor's; nats-server's share of runAgent's CPU comes out of the same budget.
 * Undefined when the run did not split runAgent's CPU by process.
 */
export function floorTargetsBudget(f: WritePathFigures, cores: number): string | undefined {
  const nats = f.runAgent.natsServerCpuMsPerTask;
  if (nats === undefined || !(f.floor.tasksPerSec > 0)) return undefined;
  const L = WritePathLimits;
  const atRate = (cores * 1000) / (L.throughputOverFloor * f.floor.tasksPerSec);
  const atCpu = L.cpuOverFloor * f.floor.cpuMsPerTask;
  const budget = Math.min(atRate, atCpu);
  const ms = (v: number) => `${formatNumber(round(v, 2))} ms`;
  return (
    `What the floor targets leave a task: ${ms(atRate)} of CPU at ${L.throughputOverFloor}× the floor's rate on ${cores} cores, ` +
    `${ms(atCpu)} at ${L.cpuOverFloor}× its CPU; nats-server alone spent ${ms(nats)} per runAgent task, which leaves ` +
    `${ms(Math.max(0, budget - nats))} for the supervisor, four agents and the submitter together ` +
    `(runAgent's spent ${ms(f.runAgent.cpuMsPerTask - nats)}).`
  );
}
