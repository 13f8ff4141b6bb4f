import { childScript, type ProcessPool } from '../process-pool.js';
import { round } from '../stats.js';
import { BenchError, BenchErrorCode } from '../errors.js';
import { medianRun, type PeerFigures } from '../peer-measure.js';
import { z } from 'zod';
import type { WarmUpRule } from '../warm-up.js';

const Summary = z.object({
  n: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
});
const ResultSchema = z.object({
  checkpointer: z.string(),
  latency: Summary,
  warmUp: z.object({ tasks: z.number(), rates: z.array(z.number()), steady: z.boolean() }),
  runs: z.array(
    z.object({
      tasks: z.number(),
      wallMs: z.number(),
      tasksPerSec: z.number(),
      latency: Summary,
      cpuMsPerTask: z.record(z.string(), z.number()),
    }),
  ),
});

/** LangGraph.js in its own process, with MemorySaver or the SQLite checkpointer. */
export async function runLanggraph(
  pool: ProcessPool,
  o: { checkpointer: 'memory' | 'sqlite'; tasks: number; warmUp: WarmUpRule; burst: number; repeats: number },
): Promise<PeerFigures> {
  const stdout = await pool.run(`langgraph-${o.checkpointer}`, childScript('langgraph-runner'), {
    CHECKPOINTER: o.checkpointer,
    TASKS: String(o.tasks),
    WARMUP: JSON.stringify(o.warmUp),
    BURST: String(o.burst),
    REPEATS: String(o.repeats),
  });
  const line = stdout.split('\n').find((l) => l.startsWith('result '));
  if (!line)
    throw new BenchError(
      BenchErrorCode.Incomplete,
      `langgraph-${o.checkpointer} printed no result:\n${stdout}`,
    );
  const r = ResultSchema.parse(JSON.parse(line.slice('result '.length)));
  const median = medianRun(r.runs);
  return {
    warmUp: r.warmUp,
    system: `LangGraph.js, ${o.checkpointer === 'memory' ? 'MemorySaver' : 'SQLite checkpointer'} (1 process)`,
    latency: r.latency,
    burst: {
      ...median,
      wallMs: round(median.wallMs, 1),
      tasksPerSec: round(median.tasksPerSec, 1),
      cpuMsPerTask: Object.fromEntries(Object.entries(median.cpuMsPerTask).map(([k, v]) => [k, round(v, 3)])),
    },
  };
}
