import { rawPipelineWorkflow, pipelineWorkflow } from '../pipeline.js';
import { askProbe, GcStatsSchema, type GcStats } from '../probe.js';
import { round, summarise, type LatencySummary } from '../stats.js';
import { PIPELINE_STEPS } from '../step-work.js';
import type { TaskSample, TroupeCluster } from '../troupe-harness.js';

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
  o: { tasks: number; warmUp: number; warmUpBurst: number; roundTripP50: number },
): Promise<HopLatencyResult> {
  const measure = async (workflow: string): Promise<PipelineLatency> => {
    // JIT warm-up of every process on the path, then a few tasks alone before the timed ones.
    await cluster.burst(workflow, o.warmUpBurst);
    cluster.traceHops(true);
    const samples = await cluster.closedLoop(workflow, o.tasks, o.warmUp);
    const breakdown = breakdownOf(cluster, samples);
    cluster.traceHops(false);
    const perHop = summarise(samples.map((t) => t.ms / PIPELINE_STEPS.length));
    return {
      workflow,
      task: summarise(samples.map((t) => t.ms)),
      breakdown,
      perHop,
      perHopOverRoundTrip: round(perHop.p50 / o.roundTripP50, 1),
    };
  };
  const processes = [...cluster.supervisors, ...cluster.agents].map((c) => c.name);
  const gcOf = (reset: boolean) =>
    Promise.all(processes.map((name) => askProbe(cluster.bus.nc, name, { cmd: 'gc', reset }, GcStatsSchema)));
  await gcOf(true);
  const offline = await measure(pipelineWorkflow.name);
  const raw = await measure(rawPipelineWorkflow.name);
  const gc = await gcOf(false);
  return {
    steps: PIPELINE_STEPS.length,
    gc: Object.fromEntries(processes.map((name, i) => [name, gc[i]!])),
    offline,
    raw,
  };
}
