/**
 * CPU per `executeStep` of the built-in planner on the offline model, set up as `runAgent` sets a step up (a
 * router, guardrails, progress events and audit records handed to a sink): after a warm-up, runs of 2,000 steps,
 * each timed with `process.cpuUsage`. Nothing else runs in the process, so the figure is the execution alone
 * (the offline model's own work included: about half of it).
 *
 *   node --conditions=@troupe/source --import tsx packages/agents/bench/execute-step.bench.ts [steps] [runs]
 */
import { pathToFileURL } from 'node:url';
import { createGuardrails } from '@troupe/tools';
import {
  builtinRoles,
  contextWindowFor,
  createModelRouter,
  createOfflineProvider,
  executeStep,
} from '../src/index.js';

export interface ExecuteStepBenchResult {
  /** Steps per measured run. */
  steps: number;
  runs: number;
  /** CPU µs per step: the median run's and the quickest run's (the host is shared; the minimum is the steadiest). */
  cpuUsPerStep: { median: number; min: number };
  wallUsPerStep: { median: number; min: number };
  eventsPerStep: number;
  auditsPerStep: number;
}

export async function runExecuteStepBench(steps = 2_000, runs = 5): Promise<ExecuteStepBenchResult> {
  const offline = createOfflineProvider();
  const router = createModelRouter({ chain: ['offline:offline-1'], providers: () => offline });
  const guardrails = createGuardrails();
  const contextWindow = contextWindowFor(router.primary);
  let events = 0;
  let audits = 0;
  const step = (i: number) =>
    executeStep({
      role: builtinRoles.planner,
      // Varied a little, so that nothing can answer from a cache of whole steps.
      input: { question: `How do NATS JetStream consumers acknowledge messages? (${i % 16})` },
      model: router,
      guardrails,
      contextWindow,
      taskId: `task-${i}`,
      stepId: 'plan',
      onEvent: () => void events++,
      onAudit: () => void audits++,
    });

  for (let i = 0; i < 500; i++) await step(i); // warm-up: JIT, the role's prompt cache
  const cpuUs: number[] = [];
  const wallUs: number[] = [];
  events = 0;
  audits = 0;
  for (let run = 0; run < runs; run++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step(i);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuUs.push((cpu.user + cpu.system) / steps);
    wallUs.push((wallMs * 1000) / steps);
  }
  return {
    steps,
    runs,
    cpuUsPerStep: spread(cpuUs),
    wallUsPerStep: spread(wallUs),
    eventsPerStep: round(events / (steps * runs)),
    auditsPerStep: round(audits / (steps * runs)),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

function spread(values: number[]): { median: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: round(sorted[Math.floor(sorted.length / 2)] ?? 0), min: round(sorted[0] ?? 0) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const steps = Number(process.argv[2] ?? 2_000);
  const runs = Number(process.argv[3] ?? 5);
  console.log(JSON.stringify(await runExecuteStepBench(steps, runs)));
}
