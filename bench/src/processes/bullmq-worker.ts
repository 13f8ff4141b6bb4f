// One BullMQ worker process per step: takes a job from its queue, runs `stepWork`, and adds the next
// step's job to the next queue (chained queues), like an agent that hands its result on.
import { Queue, Worker } from 'bullmq';
import { PIPELINE_STEPS, stepWork, type StepPayload } from '../step-work.js';

const index = Number(process.env['STEP_INDEX'] ?? 0);
const prefix = process.env['BULLMQ_PREFIX'] ?? 'bench';
const concurrency = Number(process.env['CONCURRENCY'] ?? 64);
const step = PIPELINE_STEPS[index];
if (!step) throw new Error(`STEP_INDEX must be 0..${PIPELINE_STEPS.length - 1}`);
const nextStep = PIPELINE_STEPS[index + 1];
const connection = {
  host: '127.0.0.1',
  port: Number(process.env['REDIS_PORT'] ?? 6379),
  maxRetriesPerRequest: null,
};

interface JobData {
  taskId: string;
  payload: StepPayload;
}

const next = nextStep ? new Queue<JobData>(`step-${nextStep}`, { connection, prefix }) : undefined;
const worker = new Worker<JobData, StepPayload>(
  `step-${step}`,
  async (job) => {
    const payload = stepWork(step, job.data.payload);
    if (next && nextStep)
      await next.add(
        nextStep,
        { taskId: job.data.taskId, payload },
        { jobId: `${job.data.taskId}-${nextStep}` },
      );
    return payload;
  },
  { connection, prefix, concurrency },
);
await worker.waitUntilReady();
await next?.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void Promise.all([worker.close(), next?.close()]).then(() => process.exit(0));
});
