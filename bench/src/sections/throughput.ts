import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cpuPer, readCpu } from '../cpu-time.js';
import { z } from 'zod';
import { formatProfileSummary, summariseCpuProfile, type ProfileSummary } from '../cpu-profile.js';
import {
  pipelineWorkflow,
  rawPipelineWorkflow,
  rawWaitingPipelineWorkflow,
  rawWaitingRole,
  waitingPipelineWorkflow,
  waitingRole,
} from '../pipeline.js';
import type { Child } from '../process-pool.js';
import { askProbe } from '../probe.js';
import { round, summarise, type LatencySummary } from '../stats.js';
import { PIPELINE_STEPS } from '../step-work.js';
import { settledStreams, writesPerTask, type TroupeCluster } from '../troupe-harness.js';
import { natsHandles } from '@troupe/bus/testing';
import { oneBurst, ratedBursts, warmUntilSteady, type WarmUpReport, type WarmUpRule } from '../warm-up.js';

export interface BurstFigures {
  workflow: string;
  tasks: number;
  wallMs: number;
  tasksPerSec: number;
  /**
   * Tasks/s from the first task's end to the last's: the rate once the pipeline is full, without the time
   * it took to fill (one task's latency), which weighs on short runs of slow steps.
   */
  steadyTasksPerSec: number;
  stepsPerSec: number;
  /** Submit → completed of each task of the burst (queueing included). */
  latency: LatencySummary;
  /** Durable writes per task, by stream (JetStream sequence numbers used during the burst). */
  writesPerTask: Record<string, number>;
  /** CPU milliseconds per task, by process group (from /proc), and their total. */
  cpuMsPerTask: Record<string, number>;
  /** The tasks/s the machine's cores could sustain at this CPU cost per task. */
  cpuBoundTasksPerSec: number;
  /** tasks/s of every repetition; the figures above are those of the median one. */
  runs: number[];
  /** The untimed bursts before, until the rates settled. */
  warmUp?: WarmUpReport;
}

export interface ThroughputRound {
  agentsPerRole: number;
  offline: BurstFigures;
  raw: BurstFigures;
}

/** `tasks` tasks of `workflow` submitted at once, with the CPU and durable writes they took (their trailing writes included). */
export async function burst(cluster: TroupeCluster, workflow: string, tasks: number): Promise<BurstFigures> {
  const before = await settledStreams(cluster);
  const cpu0 = readCpu(cluster.cpuGroups());
  const b = await cluster.burst(workflow, tasks);
  const after = await settledStreams(cluster);
  const cpu1 = readCpu(cluster.cpuGroups());
  const cpuMsPerTask = cpuPer(cpu0, cpu1, tasks);
  return {
    workflow,
    tasks,
    wallMs: round(b.wallMs, 1),
    tasksPerSec: round(b.tasksPerSec, 1),
    steadyTasksPerSec: round(((tasks - 1) / Math.max(1e-9, b.wallMs - b.firstMs)) * 1000, 1),
    stepsPerSec: round(b.tasksPerSec * PIPELINE_STEPS.length, 1),
    latency: summarise(b.latencies),
    writesPerTask: writesPerTask(before, after, tasks),
    cpuMsPerTask,
    cpuBoundTasksPerSec: round((availableParallelism() * 1000) / Math.max(1e-9, cpuMsPerTask['total']!), 0),
    runs: [round(b.tasksPerSec, 1)],
  };
}

/** Warms every process on `workflow`'s path up (see `warmUntilSteady`). */
export function warmTroupe(
  cluster: TroupeCluster,
  workflow: string,
  rule: WarmUpRule,
): Promise<WarmUpReport> {
  return warmUntilSteady(
    ratedBursts((n) => cluster.burst(workflow, n)),
    rule,
  );
}

/** `repeats` bursts; the median one by tasks/s, with every run's tasks/s. */
async function medianBurst(cluster: TroupeCluster, workflow: string, tasks: number, repeats: number) {
  const all: BurstFigures[] = [];
  for (let i = 0; i < repeats; i++) all.push(await burst(cluster, workflow, tasks));
  const sorted = [...all].sort((a, b) => a.tasksPerSec - b.tasksPerSec);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runs: all.map((b) => b.tasksPerSec) };
}

/**
 * `tasks` tasks submitted at once, `repeats` times (the median run is reported), after untimed bursts
 * until the rates settle (every process warm).
 */
export async function runThroughputRound(
  cluster: TroupeCluster,
  o: {
    agentsPerRole: number;
    tasks: number;
    warmUp: WarmUpRule;
    repeats: number;
    /** The runAgent and bare-host workflows; the 4-step pipeline's unless given. */
    workflows?: { offline: string; raw: string };
  },
): Promise<ThroughputRound> {
  const workflows = o.workflows ?? { offline: pipelineWorkflow.name, raw: rawPipelineWorkflow.name };
  const run = async (workflow: string) => {
    const warmUp = await warmTroupe(cluster, workflow, o.warmUp);
    return { ...(await medianBurst(cluster, workflow, o.tasks, o.repeats)), warmUp };
  };
  return {
    agentsPerRole: o.agentsPerRole,
    offline: await run(workflows.offline),
    raw: await run(workflows.raw),
  };
}

export interface WaitingScaling {
  /** How long every step waited (the offline model's latency; the bare step's wait). */
  waitMs: number;
  /** Steps at a time per agent process. */
  concurrency: number;
  one: ThroughputRound;
  two: ThroughputRound;
  /** Steady tasks/s (see `BurstFigures.steadyTasksPerSec`) with 2 agent processes per role over 1. */
  scaling: { offline: number; raw: number };
}

/**
 * The pipeline with steps that wait `waitMs` like a model call, on agents of their own (the `-waiting`
 * roles, `concurrency` steps at a time each): one agent process per role, then two. Waiting, not CPU,
 * bounds these runs, so a second agent per role should double the rate unless coordination gets in the way.
 */
export async function runWaitingScaling(
  cluster: TroupeCluster,
  /** `warmUp`: untimed tasks per agent process of a role, before each configuration's timed run. */
  o: { waitMs: number; concurrency: number; tasks: number; warmUp: number },
): Promise<WaitingScaling> {
  const startCopy = (copy: number) =>
    Promise.all(
      PIPELINE_STEPS.map((step) =>
        cluster.startAgent(`agent-${step}-waiting-${copy}`, {
          role: waitingRole(step),
          raw: { role: rawWaitingRole(step), step },
          latencyMs: o.waitMs,
          concurrency: o.concurrency,
        }),
      ),
    );
  const measure = (agentsPerRole: number) =>
    runThroughputRound(cluster, {
      agentsPerRole,
      tasks: o.tasks,
      // Each agent of a role gets about `warmUp` steps, the new copy included.
      warmUp: oneBurst(o.warmUp * agentsPerRole),
      repeats: 1,
      workflows: { offline: waitingPipelineWorkflow.name, raw: rawWaitingPipelineWorkflow.name },
    });
  const started: Child[] = [];
  try {
    started.push(...(await startCopy(1)));
    const one = await measure(1);
    started.push(...(await startCopy(2)));
    const two = await measure(2);
    const ratio = (a: BurstFigures, b: BurstFigures) =>
      round(a.steadyTasksPerSec / Math.max(1e-9, b.steadyTasksPerSec), 2);
    return {
      waitMs: o.waitMs,
      concurrency: o.concurrency,
      one,
      two,
      scaling: { offline: ratio(two.offline, one.offline), raw: ratio(two.raw, one.raw) },
    };
  } finally {
    await Promise.all(started.map((c) => cluster.stopChild(c)));
  }
}

export interface ProfiledRun {
  burst: BurstFigures;
  profiles: Array<{ process: string; file: string; summary: ProfileSummary; text: string }>;
}

/**
 * The throughput run again with the V8 CPU profiler on in the named processes (a supervisor and an
 * agent): where their time goes at full load.
 */
export async function runProfiledBurst(
  cluster: TroupeCluster,
  o: { tasks: number; processes: readonly string[]; dir: string; intervalUs: number; top: number },
): Promise<ProfiledRun> {
  const { nc } = natsHandles(cluster.bus);
  for (const name of o.processes) {
    await askProbe(nc, name, { cmd: 'profile-start', intervalUs: o.intervalUs }, z.unknown());
  }
  let figures: BurstFigures;
  try {
    figures = await burst(cluster, pipelineWorkflow.name, o.tasks);
  } finally {
    for (const name of o.processes) {
      await askProbe(
        nc,
        name,
        { cmd: 'profile-stop', path: join(o.dir, `${name}.cpuprofile`) },
        z.unknown(),
        60_000,
      );
    }
  }
  return {
    burst: figures,
    profiles: o.processes.map((name) => {
      const file = join(o.dir, `${name}.cpuprofile`);
      const summary = summariseCpuProfile(file, { top: o.top });
      return { process: name, file, summary, text: formatProfileSummary(name, summary) };
    }),
  };
}
