/**
 * `pnpm bench:core`: only Troupe's hop latency, one-agent-per-role throughput and the CPU profiles of the
 * supervisor and one agent, beside the bus floor (the same hop on bare nats.js) — the loop to iterate on when
 * working on speed. `pnpm bench` is the full run.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { offlineRole, rawRole } from './src/pipeline.js';
import { resultsDir } from './src/paths.js';
import { createProcessPool } from './src/process-pool.js';
import { formatHopTimeline } from './src/hop-timeline.js';
import { loadLine, runHopLatency } from './src/sections/hop-latency.js';
import { runProfiledBurst, runThroughputRound } from './src/sections/throughput.js';
import { runBusFloor } from './src/sections/bus-floor.js';
import { PIPELINE_STEPS } from './src/step-work.js';
import { startTroupeCluster } from './src/troupe-harness.js';

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
const hop = await runHopLatency(cluster, { tasks: 200, warmUp: 20, warmUpBurst: 200, roundTripP50: 0.24 });
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
const burst = await runThroughputRound(cluster, { agentsPerRole: 1, tasks: 500, warmUp: 200, repeats: 1 });
for (const [name, b] of [
  ['runAgent', burst.offline],
  ['bare host', burst.raw],
] as const) {
  log(
    `${name}: ${b.tasksPerSec} tasks/s; writes/task ${JSON.stringify(b.writesPerTask)}; CPU ms/task ${JSON.stringify(b.cpuMsPerTask)}`,
  );
}
const floor = await runBusFloor(pool, { tasks: 200, warmUp: 200, burst: 500, repeats: 1 });
log(
  `bus floor (the hop on bare nats.js): task p50 ${floor.latency.p50} p99 ${floor.latency.p99} ms; ` +
    `${floor.burst.tasksPerSec} tasks/s; CPU ms/task ${JSON.stringify(floor.burst.cpuMsPerTask)}`,
);
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
