import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { childScript, type ProcessPool } from '../process-pool.js';
import { round, summarise, type LatencySummary } from '../stats.js';
import { firstPayload, PIPELINE_STEPS } from '../step-work.js';
import { cpuPer, measureLoad, readCpu, type LoadReading } from '../cpu-time.js';
import { BenchError, BenchErrorCode } from '../errors.js';

export interface PeerFigures {
  system: string;
  latency: LatencySummary;
  /** What the one-task-at-a-time loop cost the machine (measured for BullMQ, whose processes are ours). */
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

/** The median run by tasks/s, with every run's tasks/s. */
export function medianRun<T extends { tasksPerSec: number }>(runs: readonly T[]): T & { runs: number[] } {
  const sorted = [...runs].sort((a, b) => a.tasksPerSec - b.tasksPerSec);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runs: runs.map((r) => round(r.tasksPerSec, 1)) };
}

async function redisServerPid(port: number): Promise<number> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    return Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
  } finally {
    redis.disconnect();
  }
}

/**
 * BullMQ 6 on the local Redis: four queues chained by four worker processes (one per step, concurrency
 * 64 like Troupe's agents); this process adds the first job and learns of the end from QueueEvents.
 */
export async function runBullmq(
  pool: ProcessPool,
  o: { tasks: number; warmUp: number; burst: number; repeats: number; redisPort: number },
): Promise<PeerFigures> {
  const prefix = `troupe-bench-${process.pid}-${Date.now()}`;
  const connection = { host: '127.0.0.1', port: o.redisPort, maxRetriesPerRequest: null };
  const queues = PIPELINE_STEPS.map((s) => new Queue(`step-${s}`, { connection, prefix }));
  const first = queues[0]!;
  const last = PIPELINE_STEPS[PIPELINE_STEPS.length - 1]!;
  const events = new QueueEvents(`step-${last}`, { connection, prefix });
  const workers = [];
  try {
    await events.waitUntilReady();
    workers.push(
      ...(await Promise.all(
        PIPELINE_STEPS.map((_, i) =>
          pool.start(`bullmq-worker-${i}`, childScript('bullmq-worker'), {
            STEP_INDEX: String(i),
            BULLMQ_PREFIX: prefix,
            REDIS_PORT: String(o.redisPort),
          }),
        ),
      )),
    );
    const waiting = new Map<string, (at: number) => void>();
    events.on('completed', ({ jobId }) => {
      const at = performance.now();
      const taskId = jobId.slice(0, jobId.length - last.length - 1);
      waiting.get(taskId)?.(at);
      waiting.delete(taskId);
    });
    let counter = 0;
    const submit = async () => {
      const taskId = `t${counter++}`;
      const done = new Promise<number>((resolve) => waiting.set(taskId, resolve));
      const submittedAt = performance.now();
      await first.add(
        PIPELINE_STEPS[0]!,
        { taskId, payload: firstPayload(`Question ${taskId}`) },
        { jobId: `${taskId}-${PIPELINE_STEPS[0]}` },
      );
      return { submittedAt, done };
    };
    const timeout = <T>(p: Promise<T>, what: string) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new BenchError(BenchErrorCode.Timeout, `BullMQ: ${what} did not finish`)),
            60_000,
          ).unref(),
        ),
      ]);
    const burst = async (count: number) => {
      const start = performance.now();
      const tasks = await Promise.all(Array.from({ length: count }, submit));
      const times = await timeout(Promise.all(tasks.map((t) => t.done)), `a burst of ${count}`);
      const wallMs = Math.max(...times) - start;
      return { wallMs, latencies: times.map((at, i) => at - tasks[i]!.submittedAt) };
    };

    await burst(o.warmUp);
    const redisPid = await redisServerPid(o.redisPort);
    const groups = { workers: workers.map((w) => w.pid), redis: [redisPid], submitter: [process.pid] };
    const { result: samples, load: closedLoopLoad } = await measureLoad(groups, o.tasks, async () => {
      const latencies: number[] = [];
      for (let i = 0; i < o.tasks; i++) {
        const t = await submit();
        latencies.push((await timeout(t.done, `task ${i}`)) - t.submittedAt);
      }
      return latencies;
    });
    await burst(Math.min(100, o.burst));
    const runs = [];
    for (let i = 0; i < o.repeats; i++) {
      const cpu0 = readCpu(groups);
      const b = await burst(o.burst);
      const cpu1 = readCpu(groups);
      runs.push({
        tasks: o.burst,
        wallMs: round(b.wallMs, 1),
        tasksPerSec: round((o.burst / b.wallMs) * 1000, 1),
        latency: summarise(b.latencies),
        cpuMsPerTask: cpuPer(cpu0, cpu1, o.burst),
      });
    }
    return {
      system: 'BullMQ (Redis, 4 worker processes)',
      latency: summarise(samples),
      closedLoopLoad,
      burst: medianRun(runs),
    };
  } finally {
    await Promise.all(workers.map((w) => pool.stop(w)));
    await events.close();
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  }
}
