import { Buckets } from '@troupe/bus';
import { z } from 'zod';
import { parkedWorkflow } from '../pipeline.js';
import { cpuMsOf } from '../cpu-time.js';
import { askProbe, GcStatsSchema, MemorySchema, type GcStats, type Memory } from '../probe.js';
import type { Child } from '../process-pool.js';
import { round } from '../stats.js';
import type { TroupeCluster } from '../troupe-harness.js';
import { natsHandles } from '@troupe/bus/testing';

const CountersSchema = z.object({ applied: z.number(), errors: z.number() });

export interface AppliedRate {
  supervisors: number;
  events: number;
  wallMs: number;
  perSec: number;
  /** Events each supervisor applied. */
  bySupervisor: number[];
  /** CPU each supervisor used per event it applied (from /proc), in ms. */
  cpuMsPerEvent: number[];
  /** GC pauses in each supervisor during the run. */
  gc: GcStats[];
}

export interface SupervisorCostResult {
  parkedTasks: number;
  /** Tasks parked and decided first, untimed, on each new supervisor. */
  warmUpTasks: number;
  /** Wall time to bring the tasks to awaiting_review (three steps and the review gate each). */
  parkWallMs: number;
  memory: { before: Memory; after: Memory; rssBytesPerTask: number; heapBytesPerTask: number };
  kv: {
    /** Growth of KV_troupe_tasks per parked task (one record each: history 1). */
    tasksBytesPerTask: number;
    /** Growth of KV_troupe_wakeups per parked task (the review deadline). */
    wakeupsBytesPerTask: number;
    /** KV_troupe_tasks bytes / records, over every task in the bucket. */
    tasksBucketBytesPerRecord: number;
  };
  applied: { one: AppliedRate; two: AppliedRate; scaling: number };
}

const settle = () => new Promise((r) => setTimeout(r, 500));

/**
 * 1,000 tasks parked at awaiting_review: a fresh supervisor's memory and the KV bytes they cost (a fresh
 * one, so its cache of task records — bounded at 5,000 — is not full and each parked task shows its whole
 * cost); then a person's decision for each, applied by that supervisor, and again (another 1,000) by two.
 * Each new supervisor first parks and decides `warmUp` tasks untimed.
 */
export async function runSupervisorCost(
  cluster: TroupeCluster,
  o: { tasks: number; warmUp: number; startFirst: () => Promise<Child>; startSecond: () => Promise<Child> },
): Promise<SupervisorCostResult> {
  const { nc } = natsHandles(cluster.bus);
  const first = await o.startFirst();
  const warmUp = async () => {
    const parked = await cluster.burst(parkedWorkflow.name, o.warmUp, 'parked');
    await cluster.decideAll(parked.taskIds);
  };
  await warmUp();
  const memory = () => askProbe(nc, first.name, { cmd: 'memory' }, MemorySchema);
  const counters = (c: Child) => askProbe(nc, c.name, { cmd: 'counters' }, CountersSchema);
  const tasksStream = `KV_${Buckets.Tasks}`;
  const wakeStream = `KV_${Buckets.Wakeups}`;

  await settle();
  const mem0 = await memory();
  const kv0 = await cluster.streams();
  const parked = await cluster.burst(parkedWorkflow.name, o.tasks, 'parked');
  await settle();
  const mem1 = await memory();
  const kv1 = await cluster.streams();

  const decide = async (supervisors: Child[], taskIds: string[]): Promise<AppliedRate> => {
    const before = await Promise.all(supervisors.map(counters));
    await Promise.all(
      supervisors.map((c) => askProbe(nc, c.name, { cmd: 'gc', reset: true }, GcStatsSchema)),
    );
    const cpu0 = supervisors.map((c) => cpuMsOf(c.pid));
    const { wallMs } = await cluster.decideAll(taskIds);
    const cpu1 = supervisors.map((c) => cpuMsOf(c.pid));
    const gc = await Promise.all(supervisors.map((c) => askProbe(nc, c.name, { cmd: 'gc' }, GcStatsSchema)));
    await settle();
    const after = await Promise.all(supervisors.map(counters));
    const bySupervisor = after.map((a, i) => a.applied - before[i]!.applied);
    const events = bySupervisor.reduce((x, y) => x + y, 0);
    return {
      supervisors: supervisors.length,
      events,
      wallMs: round(wallMs, 1),
      perSec: round((events / wallMs) * 1000, 0),
      bySupervisor,
      cpuMsPerEvent: bySupervisor.map((n, i) => round((cpu1[i]! - cpu0[i]!) / Math.max(1, n), 3)),
      gc,
    };
  };
  const one = await decide([first], parked.taskIds);
  const second = await o.startSecond();
  await warmUp();
  const parkedAgain = await cluster.burst(parkedWorkflow.name, o.tasks, 'parked');
  await settle();
  const two = await decide([first, second], parkedAgain.taskIds);

  const delta = (name: string) => (kv1[name]?.bytes ?? 0) - (kv0[name]?.bytes ?? 0);
  const tasks = kv1[tasksStream];
  return {
    parkedTasks: o.tasks,
    warmUpTasks: o.warmUp,
    parkWallMs: round(parked.wallMs, 1),
    memory: {
      before: mem0,
      after: mem1,
      rssBytesPerTask: round((mem1.rss - mem0.rss) / o.tasks, 0),
      heapBytesPerTask: round((mem1.heapUsed - mem0.heapUsed) / o.tasks, 0),
    },
    kv: {
      tasksBytesPerTask: round(delta(tasksStream) / o.tasks, 0),
      wakeupsBytesPerTask: round(delta(wakeStream) / o.tasks, 0),
      tasksBucketBytesPerRecord: tasks && tasks.messages > 0 ? round(tasks.bytes / tasks.messages, 0) : 0,
    },
    applied: { one, two, scaling: round(two.perSec / Math.max(1, one.perSec), 2) },
  };
}
