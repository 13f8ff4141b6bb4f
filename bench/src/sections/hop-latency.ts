import { offlineRole, rawPipelineWorkflow, pipelineWorkflow, rawRole } from '../pipeline.js';
import { measureLoad, type LoadReading } from '../cpu-time.js';
import { askProbe, GcStatsSchema, type GcStats } from '../probe.js';
import { TimelineSchema } from '../timeline-recorder.js';
import { hopTimelineOf, type HopTimeline } from '../hop-timeline.js';
import { subjects } from '@troupe/bus';
import { round, summarise, type LatencySummary } from '../stats.js';
import { PIPELINE_STEPS, type PipelineStep } from '../step-work.js';
import type { TaskSample, TroupeCluster } from '../troupe-harness.js';
import { natsHandles } from '@troupe/bus/testing';
import type { WarmUpRule } from '../warm-up.js';
import { warmTroupe } from './throughput.js';

/**
 * Where a closed-loop task's time goes, from when its messages pass through the server (median over the
 * tasks, ms): the supervisor's share is submit → first assignment and each result → next assignment (or
 * → task.completed); the agents' share is each assignment → its result.
 */
export interface HopBreakdown {
  /** Submit → the first step's assignment: the supervisor taking the task on. */
  supervisorSubmit: number;
  /** Result → next assignment (or → task.completed), per event. */
  supervisorPerResult: number;
  /** Assignment → result, per step. */
  agentPerStep: number;
}

export interface PipelineLatency {
  workflow: string;
  /** Submit → task.completed, one task at a time. */
  task: LatencySummary;
  breakdown: HopBreakdown;
  /** The same samples divided by the number of steps. */
  perHop: LatencySummary;
  /** p50 per hop over the bus's request/reply p50. */
  perHopOverRoundTrip: number;
  timeline: HopTimeline;
  /**
   * What the closed loop cost every process, per task: CPU ms and ms spent runnable but waiting for a core
   * (by group, plus the total), and how many of the machine's cores it kept busy on average.
   */
  load: LoadReading;
}

export interface HopLatencyResult {
  steps: number;
  /** GC pauses in each Troupe process during the timed tasks (offline and bare-host runs together). */
  gc: Record<string, GcStats>;
  offline: PipelineLatency;
  raw: PipelineLatency;
}

const median = (xs: number[]) => summarise(xs).p50;

function breakdownOf(cluster: TroupeCluster, samples: readonly TaskSample[]): HopBreakdown {
  const submit: number[] = [];
  const perResult: number[] = [];
  const perStep: number[] = [];
  for (const s of samples) {
    const t = cluster.hopTrace(s.taskId);
    if (!t) continue;
    const steps = PIPELINE_STEPS.map((step) => ({ work: t.work.get(step), result: t.result.get(step) }));
    if (steps.some((x) => x.work === undefined || x.result === undefined)) continue;
    submit.push(steps[0]!.work! - s.submittedAt);
    steps.forEach((x, i) => {
      perStep.push(x.result! - x.work!);
      perResult.push((steps[i + 1]?.work ?? s.doneAt) - x.result!);
    });
  }
  return {
    supervisorSubmit: round(median(submit), 2),
    supervisorPerResult: round(median(perResult), 2),
    agentPerStep: round(median(perStep), 2),
  };
}

/**
 * Closed loop: one task at a time through the 4-step pipeline (a supervisor process and one agent
 * process per role), after a warm-up, measured from the submit to the task.completed event.
 */
export async function runHopLatency(
  cluster: TroupeCluster,
  o: { tasks: number; warmUp: number; warmUpBursts: WarmUpRule; roundTripP50: number },
): Promise<HopLatencyResult> {
  const processes = [...cluster.supervisors, ...cluster.agents].map((c) => c.name);
  /** Each process's timeline since the last call, reset; its recorder then listens or stops. */
  const timelines = (listen: boolean) =>
    Promise.all(
      processes.map((name) =>
        askProbe(natsHandles(cluster.bus).nc, name, { cmd: 'timeline', reset: true, listen }, TimelineSchema),
      ),
    );
  const measure = async (
    workflow: string,
    roleOf: (step: PipelineStep) => string,
  ): Promise<PipelineLatency> => {
    // JIT warm-up of every process on the path, then a few tasks alone before the timed ones.
    await warmTroupe(cluster, workflow, o.warmUpBursts);
    await timelines(true);
    cluster.traceHops(true);
    const { result: samples, load } = await measureLoad(cluster.cpuGroups(), o.tasks + o.warmUp, () =>
      cluster.closedLoop(workflow, o.tasks, o.warmUp),
    );
    const breakdown = breakdownOf(cluster, samples);
    cluster.traceHops(false);
    const seen = await timelines(false);
    const supervisors = new Set(cluster.supervisors.map((c) => c.name));
    const timeline = hopTimelineOf(
      seen.map((t, i) => ({ timeline: t, supervisor: supervisors.has(processes[i]!) })),
      PIPELINE_STEPS.map((step) => subjects.work(roleOf(step))),
    );
    const perHop = summarise(samples.map((t) => t.ms / PIPELINE_STEPS.length));
    return {
      workflow,
      task: summarise(samples.map((t) => t.ms)),
      breakdown,
      perHop,
      perHopOverRoundTrip: round(perHop.p50 / o.roundTripP50, 1),
      timeline,
      load,
    };
  };
  const gcOf = (reset: boolean) =>
    Promise.all(
      processes.map((name) =>
        askProbe(natsHandles(cluster.bus).nc, name, { cmd: 'gc', reset }, GcStatsSchema),
      ),
    );
  await gcOf(true);
  const offline = await measure(pipelineWorkflow.name, offlineRole);
  const raw = await measure(rawPipelineWorkflow.name, rawRole);
  const gc = await gcOf(false);
  return {
    steps: PIPELINE_STEPS.length,
    gc: Object.fromEntries(processes.map((name, i) => [name, gc[i]!])),
    offline,
    raw,
  };
}

/** One line on what a closed loop cost: CPU and waiting for a core per task, and the cores it kept busy. */
export function loadLine(name: string, r: PipelineLatency): string {
  const { cpuMsPerTask: cpu, waitMsPerTask: wait, coresBusy } = r.load;
  return (
    `${name}, one task at a time: ${cpu['total']} ms of CPU per task (supervisor ${cpu['supervisors']}, ` +
    `agents ${cpu['agents']}, nats-server ${cpu['natsServer']}, submitter ${cpu['submitter']}), ` +
    `${coresBusy} of the cores busy, ${wait['total']} ms per task spent waiting for a core ` +
    `(supervisor ${wait['supervisors']}, agents ${wait['agents']}, nats-server ${wait['natsServer']})`
  );
}
