import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { childScript, type ProcessPool } from '../process-pool.js';
import { firstPayload, PIPELINE_STEPS } from '../step-work.js';
import type { WarmUpRule } from '../warm-up.js';
import { measurePeerPipeline, type PeerFigures, type PeerTask } from '../peer-measure.js';

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
  o: { tasks: number; warmUp: WarmUpRule; burst: number; repeats: number; redisPort: number },
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
    const submit = async (): Promise<PeerTask> => {
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
    const redisPid = await redisServerPid(o.redisPort);
    return await measurePeerPipeline({
      system: 'BullMQ (Redis, 4 worker processes)',
      ...o,
      groups: { workers: workers.map((w) => w.pid), redis: [redisPid], submitter: [process.pid] },
      submit,
    });
  } finally {
    await Promise.all(workers.map((w) => pool.stop(w)));
    await events.close();
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  }
}
