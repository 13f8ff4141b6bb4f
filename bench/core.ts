/**
 * `pnpm bench:core`: only Troupe's hop latency, one-agent-per-role throughput, the scaling of steps that wait
 * 50 ms, and the CPU profiles of the supervisor and one agent, beside the bus floor (the same hop on bare
 * nats.js), with the #16 targets these figures judge — the loop to iterate on when working on speed.
 * `pnpm bench` is the full run.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { offlineRole, rawRole } from './src/pipeline.js';
import { resultsDir } from './src/paths.js';
import { createProcessPool } from './src/process-pool.js';
import { formatHopTimeline } from './src/hop-timeline.js';
import { loadLine, runHopLatency } from './src/sections/hop-latency.js';
import { runProfiledBurst, runThroughputRound, runWaitingScaling } from './src/sections/throughput.js';
import { formatTable } from './src/report.js';
import {
  floorTargetsBudget,
  runAgentFigures,
  WritePathLimits,
  writePathTargets,
  type WritePathFigures,
} from './src/targets.js';
import { runBusFloor } from './src/sections/bus-floor.js';
import { PIPELINE_STEPS } from './src/step-work.js';
import { startTroupeCluster } from './src/troupe-harness.js';
import { DEFAULT_WARM_UP, WAITING_WARM_UP_PER_PROCESS } from './src/warm-up.js';

const { values: args } = parseArgs({
  options: {
    profile: { type: 'boolean', default: false },
    'results-dir': { type: 'string', default: join(resultsDir, 'core') },
  },
});
const log = (text: string) => process.stdout.write(`${text}\n`);

await using pool = createProcessPool();
await using cluster = await startTroupeCluster(pool);
await cluster.startSupervisor('sup-a');
await Promise.all(
  PIPELINE_STEPS.map((step) =>
    cluster.startAgent(`agent-${step}-1`, { role: offlineRole(step), raw: { role: rawRole(step), step } }),
  ),
);
const hop = await runHopLatency(cluster, {
  tasks: 200,
  warmUp: 20,
  warmUpBursts: DEFAULT_WARM_UP,
  roundTripP50: 0.24,
});
for (const [name, r] of [
  ['runAgent', hop.offline],
  ['bare host', hop.raw],
] as const) {
  log(
    `${name}: task p50 ${r.task.p50} p99 ${r.task.p99} ms; hop p50 ${r.perHop.p50}; supervisor submit/result ` +
      `${r.breakdown.supervisorSubmit}/${r.breakdown.supervisorPerResult}, agent ${r.breakdown.agentPerStep}`,
  );
}
log(loadLine('runAgent', hop.offline));
log(loadLine('bare host', hop.raw));
log(`GC during the timed tasks: ${JSON.stringify(hop.gc)}`);
for (const table of formatHopTimeline(hop, {
  phases: 'Inside a hop: p50 ms after the message reached its handler',
  legs: 'A hop leg by leg (ms)',
}))
  log(table);
const burst = await runThroughputRound(cluster, {
  agentsPerRole: 1,
  tasks: 500,
  warmUp: DEFAULT_WARM_UP,
  repeats: 1,
});
for (const [name, b] of [
  ['runAgent', burst.offline],
  ['bare host', burst.raw],
] as const) {
  log(
    `${name}: ${b.tasksPerSec} tasks/s; writes/task ${JSON.stringify(b.writesPerTask)}; CPU ms/task ${JSON.stringify(b.cpuMsPerTask)}`,
  );
}
const waiting = await runWaitingScaling(cluster, {
  waitMs: WritePathLimits.waitMs,
  concurrency: 4,
  tasks: 300,
  warmUp: WAITING_WARM_UP_PER_PROCESS,
});
log(
  `steps that wait ${waiting.waitMs} ms, ${waiting.concurrency} at a time per agent: steady tasks/s runAgent ` +
    `${waiting.one.offline.steadyTasksPerSec} → ${waiting.two.offline.steadyTasksPerSec} (${waiting.scaling.offline}×), ` +
    `bare host ${waiting.one.raw.steadyTasksPerSec} → ${waiting.two.raw.steadyTasksPerSec} (${waiting.scaling.raw}×) ` +
    'with 1 → 2 agents per role',
);
const floor = await runBusFloor(pool, { tasks: 200, warmUp: DEFAULT_WARM_UP, burst: 500, repeats: 1 });
log(
  `bus floor (the hop on bare nats.js): task p50 ${floor.latency.p50} p99 ${floor.latency.p99} ms; ` +
    `${floor.burst.tasksPerSec} tasks/s; CPU ms/task ${JSON.stringify(floor.burst.cpuMsPerTask)}`,
);
const figures: WritePathFigures = {
  runAgent: runAgentFigures(burst.offline, hop.offline.task),
  floor: {
    tasksPerSec: floor.burst.tasksPerSec,
    cpuMsPerTask: floor.burst.cpuMsPerTask['total']!,
    p50: floor.latency.p50,
    p99: floor.latency.p99,
  },
  waiting: {
    waitMs: waiting.waitMs,
    one: waiting.one.offline.steadyTasksPerSec,
    two: waiting.two.offline.steadyTasksPerSec,
  },
};
log(
  formatTable(
    'Targets of #16 that bench:core measures (pnpm bench runs LangGraph.js and the supervisor cost too)',
    ['target', 'measured', 'ratio', 'result'],
    writePathTargets(figures).map((t) => [t.target, t.measured, t.ratio, t.verdict]),
  ),
);
log(floorTargetsBudget(figures, availableParallelism()) ?? '');
if (args.profile) {
  const profiled = await runProfiledBurst(cluster, {
    tasks: 500,
    processes: ['sup-a', 'agent-fetch-1'],
    dir: join(args['results-dir'], 'profiles'),
    intervalUs: 250,
    top: 25,
  });
  for (const p of profiled.profiles) log(p.text);
}
