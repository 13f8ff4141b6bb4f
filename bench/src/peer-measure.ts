import { cpuPer, measureLoad, readCpu, type CpuGroups, type LoadReading } from './cpu-time.js';
import { BenchError, BenchErrorCode } from './errors.js';
import { round, summarise, type LatencySummary } from './stats.js';
import { ratedBursts, warmUntilSteady, type WarmUpReport, type WarmUpRule } from './warm-up.js';

export interface PeerFigures {
  system: string;
  latency: LatencySummary;
  /** The bursts run before the timed ones, until the rates settled. */
  warmUp?: WarmUpReport;
  /** What the one-task-at-a-time loop cost the machine (measured where the processes are ours). */
  closedLoopLoad?: LoadReading;
  burst: {
    tasks: number;
    wallMs: number;
    tasksPerSec: number;
    latency: LatencySummary;
    /** CPU milliseconds per task by process group, and their total (median run). */
    cpuMsPerTask: Record<string, number>;
    /** tasks/s of every repetition; the figures are the median one's. */
    runs: number[];
  };
}

/** One submitted task of a peer pipeline: when it was handed over, and when its end was seen. */
export interface PeerTask {
  submittedAt: number;
  done: Promise<number>;
}

export interface PeerMeasureOptions {
  system: string;
  /** Closed-loop tasks (one at a time) for the latency figures. */
  tasks: number;
  warmUp: WarmUpRule;
  burst: number;
  repeats: number;
  /** The processes whose CPU counts, by group. */
  groups: CpuGroups;
  submit: () => Promise<PeerTask>;
}

/** The median run by tasks/s, with every run's tasks/s. */
export function medianRun<T extends { tasksPerSec: number }>(runs: readonly T[]): T & { runs: number[] } {
  const sorted = [...runs].sort((a, b) => a.tasksPerSec - b.tasksPerSec);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runs: runs.map((r) => round(r.tasksPerSec, 1)) };
}

/**
 * The peers' shared measurement, the same as Troupe's: warm-up bursts until the rates settle, `tasks` one at a time (latency, and
 * what the closed loop costs the machine), then `repeats` bursts of `burst` tasks at once (throughput and CPU
 * per task; the median run counts).
 */
export async function measurePeerPipeline(o: PeerMeasureOptions): Promise<PeerFigures> {
  const timeout = <T>(p: Promise<T>, what: string) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new BenchError(BenchErrorCode.Timeout, `${o.system}: ${what} did not finish`)),
          60_000,
        ).unref(),
      ),
    ]);
  const burst = async (count: number) => {
    const start = performance.now();
    const tasks = await Promise.all(Array.from({ length: count }, o.submit));
    const times = await timeout(Promise.all(tasks.map((t) => t.done)), `a burst of ${count}`);
    const wallMs = Math.max(...times) - start;
    return { wallMs, latencies: times.map((at, i) => at - tasks[i]!.submittedAt) };
  };

  const warmUp = await warmUntilSteady(ratedBursts(burst), o.warmUp);
  const { result: samples, load: closedLoopLoad } = await measureLoad(o.groups, o.tasks, async () => {
    const latencies: number[] = [];
    for (let i = 0; i < o.tasks; i++) {
      const t = await o.submit();
      latencies.push((await timeout(t.done, `task ${i}`)) - t.submittedAt);
    }
    return latencies;
  });
  await burst(Math.min(100, o.burst));
  const runs = [];
  for (let i = 0; i < o.repeats; i++) {
    const cpu0 = readCpu(o.groups);
    const b = await burst(o.burst);
    const cpu1 = readCpu(o.groups);
    runs.push({
      tasks: o.burst,
      wallMs: round(b.wallMs, 1),
      tasksPerSec: round((o.burst / b.wallMs) * 1000, 1),
      latency: summarise(b.latencies),
      cpuMsPerTask: cpuPer(cpu0, cpu1, o.burst),
    });
  }
  return { system: o.system, latency: summarise(samples), warmUp, closedLoopLoad, burst: medianRun(runs) };
}
