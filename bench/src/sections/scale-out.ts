import { rawWaitingRole, waitingPipelineWorkflow, waitingRole } from '../pipeline.js';
import type { Child, ProcessPool } from '../process-pool.js';
import { round } from '../stats.js';
import { PIPELINE_STEPS } from '../step-work.js';
import { startTroupeCluster, type TroupeCluster } from '../troupe-harness.js';
import { burst, type BurstFigures } from './throughput.js';

export interface ScaleOutRow {
  supervisors: number;
  agentsPerRole: number;
  figures: BurstFigures;
}

export interface ScaleOutResult {
  nodes: number;
  waitMs: number;
  /** Steps at a time per agent process. */
  concurrency: number;
  tasks: number;
  rows: ScaleOutRow[];
  /** Steady tasks/s with 2 agent processes per role over 1 (one supervisor each). */
  agentScaling: number;
  /** Steady tasks/s with 2 supervisors over 1 (2 agents per role each). */
  supervisorScaling: number;
}

/**
 * The pipeline whose steps wait `waitMs` like a model call, on a JetStream cluster of `nodes` with a replica
 * of every stream per node, the processes attached to the nodes in turn: 1 supervisor and 1 agent process
 * per role, then 2 agents per role, then 2 supervisors. Waiting, not CPU, bounds these runs, so the second
 * agent per role should nearly double the rate, replication included.
 */
export async function runScaleOut(
  pool: ProcessPool,
  o: { nodes: number; waitMs: number; concurrency: number; tasks: number; warmUp: number },
): Promise<ScaleOutResult> {
  await using cluster: TroupeCluster = await startTroupeCluster(pool, { nodes: o.nodes });
  const startAgents = (copy: number): Promise<Child[]> =>
    Promise.all(
      PIPELINE_STEPS.map((step) =>
        cluster.startAgent(`scale-agent-${step}-${copy}`, {
          role: waitingRole(step),
          raw: { role: rawWaitingRole(step), step },
          latencyMs: o.waitMs,
          concurrency: o.concurrency,
        }),
      ),
    );
  const measure = async (supervisors: number, agentsPerRole: number): Promise<ScaleOutRow> => {
    // The new processes warm up untimed first: each of those sharing the work gets about `warmUp` tasks.
    await cluster.burst(waitingPipelineWorkflow.name, o.warmUp * Math.max(supervisors, agentsPerRole));
    return {
      supervisors,
      agentsPerRole,
      figures: await burst(cluster, waitingPipelineWorkflow.name, o.tasks),
    };
  };
  await cluster.startSupervisor('scale-sup-1');
  await startAgents(1);
  const rows = [await measure(1, 1)];
  await startAgents(2);
  rows.push(await measure(1, 2));
  await cluster.startSupervisor('scale-sup-2');
  rows.push(await measure(2, 2));
  const steady = (i: number) => rows[i]!.figures.steadyTasksPerSec;
  return {
    nodes: o.nodes,
    waitMs: o.waitMs,
    concurrency: o.concurrency,
    tasks: o.tasks,
    rows,
    agentScaling: round(steady(1) / Math.max(1e-9, steady(0)), 2),
    supervisorScaling: round(steady(2) / Math.max(1e-9, steady(1)), 2),
  };
}
