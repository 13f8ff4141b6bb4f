/**
 * The result files `pnpm bench` writes (bench/results/*.json), as far as the charts, the current table of
 * docs/benchmarks.md and the targets read them: zod schemas that accept the files of earlier runs too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BenchError, BenchErrorCode } from './errors.js';

const Latency = z.object({ p50: z.number(), p99: z.number() }).loose();
const Machine = z
  .object({
    git: z.object({ commit: z.string(), changedFiles: z.number() }).loose(),
    cpu: z.string(),
    cores: z.number(),
    natsServer: z.string().optional(),
  })
  .loose();

const PeerRowSchema = z
  .object({
    system: z.string(),
    latency: Latency,
    burst: z
      .object({
        tasksPerSec: z.number(),
        cpuMsPerTask: z.record(z.string(), z.number()).optional(),
        /** Troupe's rows only. */
        writesPerTask: z.record(z.string(), z.number()).optional(),
      })
      .loose(),
  })
  .loose();
export type PeerRow = z.infer<typeof PeerRowSchema>;

export const PeersResultSchema = z
  .object({
    date: z.string(),
    quick: z.boolean(),
    machine: Machine,
    result: z.object({ troupe: z.array(PeerRowSchema), peers: z.array(PeerRowSchema) }).loose(),
  })
  .loose();
export type PeersResult = z.infer<typeof PeersResultSchema>;

const Render = z.object({ renderMs: z.number(), firstRowMs: z.number() }).loose();
export const DashboardRenderResultSchema = z
  .object({
    date: z.string(),
    quick: z.boolean(),
    result: z
      .object({
        browser: z.string(),
        traces: z.array(
          z
            .object({
              spans: z.number(),
              pageLoad: Render,
              fromList: Render,
              click: z.object({ p50: z.number() }).loose(),
              scrollWheel: z.object({ p95Ms: z.number() }).loose(),
            })
            .loose(),
        ),
      })
      .loose(),
  })
  .loose();
export type DashboardRenderResult = z.infer<typeof DashboardRenderResultSchema>;

export const SupervisorCostResultSchema = z
  .object({
    machine: Machine,
    result: z
      .object({
        memory: z.object({ heapBytesPerTask: z.number() }).loose(),
        kv: z.object({ tasksBytesPerTask: z.number(), wakeupsBytesPerTask: z.number() }).loose(),
      })
      .loose(),
  })
  .loose();
export type SupervisorCostResult = z.infer<typeof SupervisorCostResultSchema>;

const Steady = z.object({ offline: z.object({ steadyTasksPerSec: z.number() }).loose() }).loose();
export const ThroughputResultSchema = z
  .object({
    result: z
      .object({
        /** Steps that wait like a model call, 1 and 2 agents per role (absent in files from before it). */
        waiting: z
          .object({ waitMs: z.number(), concurrency: z.number(), one: Steady, two: Steady })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose();
export type ThroughputResult = z.infer<typeof ThroughputResultSchema>;

const ScaleOutRow = z
  .object({
    supervisors: z.number(),
    agentsPerRole: z.number(),
    figures: z.object({ steadyTasksPerSec: z.number() }).loose(),
  })
  .loose();
export const ScaleOutResultSchema = z
  .object({ result: z.object({ nodes: z.number(), rows: z.array(ScaleOutRow) }).loose() })
  .loose();
export type ScaleOutResult = z.infer<typeof ScaleOutResultSchema>;

export interface BenchResults {
  peers: PeersResult;
  /** Section 5 (absent from `bench:core`'s results). */
  supervisorCost?: SupervisorCostResult;
  /** Section 3. */
  throughput?: ThroughputResult;
  /** Section 8, when `pnpm bench:dashboard` has run. */
  dashboard?: DashboardRenderResult;
  /** Section 9. */
  scaleOut?: ScaleOutResult;
}

function readResult<T>(resultsDir: string, file: string, schema: z.ZodType<T>): T {
  const path = join(resultsDir, file);
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BenchError(
      BenchErrorCode.Incomplete,
      `${path}: "${issue?.path.join('.')}" ${issue?.message ?? 'is not what the charts read'}`,
    );
  }
  return parsed.data;
}

const readOptional = <T>(resultsDir: string, file: string, schema: z.ZodType<T>): T | undefined =>
  existsSync(join(resultsDir, file)) ? readResult(resultsDir, file, schema) : undefined;

/**
 * Reads the result files the charts and the current table need: peers.json, and the others when present;
 * fails naming the file when one has another shape.
 */
export function readBenchResults(resultsDir: string): BenchResults {
  const optional = <T>(file: string, schema: z.ZodType<T>) => readOptional(resultsDir, file, schema);
  const supervisorCost = optional('supervisor-cost.json', SupervisorCostResultSchema);
  const throughput = optional('throughput.json', ThroughputResultSchema);
  const dashboard = optional('dashboard-render.json', DashboardRenderResultSchema);
  const scaleOut = optional('scale-out.json', ScaleOutResultSchema);
  return {
    peers: readResult(resultsDir, 'peers.json', PeersResultSchema),
    ...(supervisorCost ? { supervisorCost } : {}),
    ...(throughput ? { throughput } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(scaleOut ? { scaleOut } : {}),
  };
}
