// LangGraph.js in one process: the same four steps as a StateGraph, each node running `stepWork`,
// checkpointed after every step by MemorySaver or by the SQLite checkpointer (better-sqlite3, a file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Annotation,
  END,
  MemorySaver,
  START,
  StateGraph,
  type BaseCheckpointSaver,
} from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { summarise } from '../stats.js';
import { DEFAULT_WARM_UP, ratedBursts, warmUntilSteady, type WarmUpRule } from '../warm-up.js';
import { firstPayload, PIPELINE_STEPS, stepWork, type StepPayload } from '../step-work.js';

const checkpointerKind = process.env['CHECKPOINTER'] ?? 'memory';
const tasks = Number(process.env['TASKS'] ?? 300);
const warmUpRule = JSON.parse(process.env['WARMUP'] ?? JSON.stringify(DEFAULT_WARM_UP)) as WarmUpRule;
const burstSize = Number(process.env['BURST'] ?? 500);
const repeats = Number(process.env['REPEATS'] ?? 3);

const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-langgraph-'));
const checkpointer: BaseCheckpointSaver =
  checkpointerKind === 'sqlite' ? SqliteSaver.fromConnString(join(dir, 'checkpoints.db')) : new MemorySaver();

const State = Annotation.Root({ payload: Annotation<StepPayload> });
const [a, b, c, d] = PIPELINE_STEPS;
const graph = new StateGraph(State)
  .addNode(a, (s) => ({ payload: stepWork(a, s.payload) }))
  .addNode(b, (s) => ({ payload: stepWork(b, s.payload) }))
  .addNode(c, (s) => ({ payload: stepWork(c, s.payload) }))
  .addNode(d, (s) => ({ payload: stepWork(d, s.payload) }))
  .addEdge(START, a)
  .addEdge(a, b)
  .addEdge(b, c)
  .addEdge(c, d)
  .addEdge(d, END)
  .compile({ checkpointer });

let counter = 0;
const runTask = async () => {
  const id = `task-${counter++}`;
  const out = await graph.invoke(
    { payload: firstPayload(`Question ${id}`) },
    { configurable: { thread_id: id } },
  );
  if (out.payload.n !== PIPELINE_STEPS.length) throw new Error(`task ${id} ran ${out.payload.n} steps`);
};

/** `n` tasks at once: how long they took together, and each one's end after the start. */
const runBurst = async (n: number) => {
  const start = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: n }, async () => {
      await runTask();
      return performance.now() - start;
    }),
  );
  return { wallMs: performance.now() - start, latencies };
};

try {
  const warmUp = await warmUntilSteady(ratedBursts(runBurst), warmUpRule);
  const samples: number[] = [];
  for (let i = 0; i < tasks; i++) {
    const t = performance.now();
    await runTask();
    samples.push(performance.now() - t);
  }
  await runBurst(Math.min(100, burstSize));
  const runs = [];
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage();
    const { wallMs, latencies } = await runBurst(burstSize);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / burstSize;
    runs.push({
      tasks: burstSize,
      wallMs,
      tasksPerSec: (burstSize / wallMs) * 1000,
      latency: summarise(latencies),
      cpuMsPerTask: { process: cpuMs, total: cpuMs },
    });
  }
  process.stdout.write(
    `result ${JSON.stringify({ checkpointer: checkpointerKind, latency: summarise(samples), warmUp, runs })}\n`,
  );
} finally {
  if (checkpointer instanceof SqliteSaver) checkpointer.db.close();
  rmSync(dir, { recursive: true, force: true });
}
