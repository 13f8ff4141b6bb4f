/**
 * `pnpm bench`: every comparison measured side by side in one run on this machine, printed as tables
 * and written to bench/results/<name>.json. See docs/benchmarks.md.
 *
 *   pnpm bench            # the full run (about 3–5 minutes on 2 cores)
 *   pnpm bench --quick    # smaller counts, for trying the harness out
 *   BENCH_ONLY=scale-out pnpm bench   # only section 9 (the scale-out on a 3-node cluster)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo, waitForQuietCpu } from './src/machine.js';
import { resultsDir as defaultResultsDir } from './src/paths.js';
import { offlineRole, rawRole } from './src/pipeline.js';
import { createProcessPool } from './src/process-pool.js';
import { formatTable, recordedMarkdown, recordMarkdown, writeResult } from './src/report.js';
import { runBaseline } from './src/sections/baseline.js';
import { runBullmq } from './src/sections/bullmq.js';
import { runBusFloor } from './src/sections/bus-floor.js';
import {
  dashboardTargets,
  formatDashboardRender,
  runDashboardRender,
} from './src/sections/dashboard-render.js';
import type { PeerFigures } from './src/peer-measure.js';
import { runFanOut, runFanOutThrough, type FanOutResult } from './src/sections/fan-out.js';
import { formatHopTimeline } from './src/hop-timeline.js';
import { loadLine, runHopLatency } from './src/sections/hop-latency.js';
import { runLanggraph } from './src/sections/langgraph.js';
import { runScaleOut } from './src/sections/scale-out.js';
import { runSpanFeed } from './src/sections/span-feed.js';
import { runSupervisorCost } from './src/sections/supervisor-cost.js';
import {
  runProfiledBurst,
  runThroughputRound,
  runWaitingScaling,
  type BurstFigures,
} from './src/sections/throughput.js';
import { round } from './src/stats.js';
import { PIPELINE_STEPS } from './src/step-work.js';
import { currentBudget, currentTargets, peerRatioRows } from './src/current-figures.js';
import { readBenchResults } from './src/results.js';
import { WritePathLimits, type Target } from './src/targets.js';
import { startTroupeCluster } from './src/troupe-harness.js';
import { DEFAULT_WARM_UP, scaledWarmUp, WAITING_WARM_UP_PER_PROCESS, warmUpLine } from './src/warm-up.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'results-dir': { type: 'string', default: defaultResultsDir },
    'redis-port': { type: 'string', default: '6379' },
  },
});
const scale = (n: number) => (args.quick ? Math.max(5, Math.round(n / 5)) : n);
const resultsDir = args['results-dir'];
const redisPort = Number(args['redis-port']);
const N = {
  requests: scale(5_000),
  publishes: scale(3_000),
  jsBurst: scale(20_000),
  latencyTasks: scale(300),
  latencyWarmUp: 20,
  /** Untimed bursts before each system's timed runs, until their rates settle: the same rule for all. */
  warmUp: args.quick ? scaledWarmUp(DEFAULT_WARM_UP, 0.2) : DEFAULT_WARM_UP,
  burst: scale(500),
  fanOutSingle: scale(40),
  fanOutTasks: scale(20),
  /** Tasks of each run with steps that wait (3c): seconds at 1 agent per role, not dominated by the fill. */
  waitingTasks: scale(300),
  /** Untimed tasks per new process before each run with steps that wait (3c, 9): see WAITING_WARM_UP_PER_PROCESS. */
  waitingWarmUp: scale(WAITING_WARM_UP_PER_PROCESS),
  /** Tasks of each scale-out configuration (section 9). */
  scaleOutTasks: scale(300),
  parked: scale(1_000),
  /** Parked and decided untimed by each new supervisor before its figures count (JIT warm-up). */
  parkWarmUp: scale(500),
  repeats: args.quick ? 1 : 3,
  dashboardRuns: args.quick ? 1 : 3,
  dashboardLiveMs: args.quick ? 2_000 : 5_000,
} as const;
const MODEL_LATENCY_MS = 50;
/** Steps at a time per agent in 3c: `defineAgent`'s default. */
const AGENT_DEFAULT_CONCURRENCY = 4;

// Environment of every child: no OTLP export. The processes initialise telemetry without exporters; `troupe up`
// also records spans for the span feed, which section 7 prices per span.
for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];

const started = performance.now();
const log = (text: string) => process.stdout.write(`${text}\n`);
/** A line under a table: on the console and in the Markdown report. */
const note = (text: string) => {
  recordMarkdown(text.replaceAll('\n', '  \n'));
  return `\n${text}`;
};
const elapsed = () => `${round((performance.now() - started) / 1000, 1)} s`;

await using pool = createProcessPool();
const onSignal = (signal: NodeJS.Signals) => {
  log(`\n${signal}: stopping every child process`);
  void pool.stopAll(1_000).finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const quiet = await waitForQuietCpu(15, args.quick ? 0 : 60_000);
if (quiet >= 15) log(`warning: the cores are ${quiet}% busy with other work; the figures will be noisy`);
const machine = await machineInfo(redisPort);
const meta = { date: new Date().toISOString(), quick: args.quick, machine };
const save = (name: string, result: unknown) => writeResult(resultsDir, name, { name, ...meta, result });
log(
  `Troupe benchmarks — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, ` +
    `${machine.natsServer}, Redis ${machine.redis}, commit ${machine.git.commit}` +
    `${args.quick ? ' (--quick: reduced counts)' : ''}`,
);

// 9. Scale-out on a 3-node cluster (run after section 8, or alone with BENCH_ONLY=scale-out) ------------
const scaleOutSection = async () => {
  const scaleOut = await runScaleOut(pool, {
    nodes: 3,
    waitMs: WritePathLimits.waitMs,
    concurrency: AGENT_DEFAULT_CONCURRENCY,
    tasks: N.scaleOutTasks,
    warmUp: N.waitingWarmUp,
  });
  save('scale-out', scaleOut);
  log(
    formatTable(
      `9. Scale-out on a ${scaleOut.nodes}-node cluster (3 replicas), steps that wait ${scaleOut.waitMs} ms, ${scaleOut.concurrency} steps at a time per agent, ${scaleOut.tasks} tasks at once, after ${N.waitingWarmUp} untimed tasks per new process [${elapsed()}]`,
      ['supervisors', 'agents per role', 'tasks/s', 'steady tasks/s', 'p50 ms', 'p99 ms', 'CPU ms/task'],
      scaleOut.rows.map((r) => [
        String(r.supervisors),
        String(r.agentsPerRole),
        r.figures.tasksPerSec,
        r.figures.steadyTasksPerSec,
        r.figures.latency.p50,
        r.figures.latency.p99,
        r.figures.cpuMsPerTask['total'],
      ]),
    ) +
      note(
        `scaling (steady tasks/s): 2 agents per role over 1 ${scaleOut.agentScaling}× (target ≥ ${WritePathLimits.scaleOutScaling}×), ` +
          `2 supervisors over 1 ${scaleOut.supervisorScaling}×`,
      ),
  );
};
if (process.env['BENCH_ONLY'] === 'scale-out') {
  await scaleOutSection();
  await pool.stopAll(1_000);
  process.exit(0);
}

// 1. The bus's limits ----------------------------------------------------------------------------------
const baseline = await runBaseline(pool, { requests: N.requests, publishes: N.publishes, burst: N.jsBurst });
save('baseline', baseline);
log(
  formatTable(
    `1. Bus baseline: fresh nats-server, two processes, loopback [${elapsed()}]`,
    ['operation', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'rate /s'],
    [
      [
        'request/reply round trip, 128 B',
        baseline.requestReply.n,
        baseline.requestReply.p50,
        baseline.requestReply.p90,
        baseline.requestReply.p99,
      ],
      [
        'JetStream acked publish, sequential',
        baseline.jsPublishSequential.n,
        baseline.jsPublishSequential.p50,
        baseline.jsPublishSequential.p90,
        baseline.jsPublishSequential.p99,
      ],
      [
        'JetStream acked publish, 1,000 in flight',
        baseline.jsPublishInFlight.messages,
        undefined,
        undefined,
        undefined,
        baseline.jsPublishInFlight.perSec,
      ],
      [
        'KV update (compare-and-set), sequential',
        baseline.kvUpdate.n,
        baseline.kvUpdate.p50,
        baseline.kvUpdate.p90,
        baseline.kvUpdate.p99,
      ],
      [
        'KV update (compare-and-set), 4 KB task record',
        baseline.kvUpdateRecord.n,
        baseline.kvUpdateRecord.p50,
        baseline.kvUpdateRecord.p90,
        baseline.kvUpdateRecord.p99,
      ],
      [
        'work-queue delivery: publish → consumeWork handler',
        baseline.workDelivery.n,
        baseline.workDelivery.p50,
        baseline.workDelivery.p90,
        baseline.workDelivery.p99,
      ],
    ],
  ) +
    note(
      `bus floor of one supervisor → agent → supervisor hop (2 deliveries + 1 record compare-and-set, p50s): ` +
        `${baseline.hopFloorP50} ms; of a 4-step task: ${round(4 * baseline.hopFloorP50, 2)} ms`,
    ),
);

// 2–5. Troupe --------------------------------------------------------------------------------------------
const troupe = await (async () => {
  await using cluster = await startTroupeCluster(pool);
  const supervisor = await cluster.startSupervisor('sup-1');
  const agentsFor = (copy: number) =>
    Promise.all(
      PIPELINE_STEPS.map((step) =>
        cluster.startAgent(`agent-${step}-${copy}`, {
          role: offlineRole(step),
          raw: { role: rawRole(step), step },
        }),
      ),
    );
  const perRole = await agentsFor(1);
  await cluster.startAgent('agent-research-slow', {
    role: offlineRole('research-slow'),
    latencyMs: MODEL_LATENCY_MS,
  });
  log(
    `\nTroupe: 1 supervisor, 4 agent processes (one per role) and a 50 ms-model research agent started [${elapsed()}]`,
  );

  const hop = await runHopLatency(cluster, {
    tasks: N.latencyTasks,
    warmUp: N.latencyWarmUp,
    warmUpBursts: N.warmUp,
    roundTripP50: baseline.requestReply.p50,
  });
  save('hop-latency', hop);
  log(
    formatTable(
      `2. Hop overhead: 4-step pipeline, one task at a time, submit → task.completed [${elapsed()}]`,
      [
        'agents',
        'n',
        'task p50',
        'task p99',
        'per hop p50',
        'per hop p99',
        'hop p50 / RTT p50',
        'supervisor: submit / per result',
        'agent per step',
      ],
      [hop.offline, hop.raw].map((r) => [
        r === hop.offline ? 'runAgent, offline model (0 ms)' : 'bare agent host, shared step fn',
        r.task.n,
        r.task.p50,
        r.task.p99,
        r.perHop.p50,
        r.perHop.p99,
        r.perHopOverRoundTrip,
        `${r.breakdown.supervisorSubmit} / ${r.breakdown.supervisorPerResult}`,
        r.breakdown.agentPerStep,
      ]),
    ) +
      note(loadLine('runAgent', hop.offline)) +
      note(loadLine('bare host', hop.raw)) +
      note(
        `GC pauses during the timed tasks: ${Object.entries(hop.gc)
          .map(([name, g]) => `${name} ${g.count} (max ${g.maxMs} ms)`)
          .join(', ')}`,
      ),
  );
  for (const table of formatHopTimeline(hop, {
    phases:
      '2b. Inside a hop: p50 ms after the message reached its handler (timeline marks, messages handled alone)',
    legs: '2c. A hop leg by leg, across processes and the server (ms; the timeline marks put in sequence per task)',
  }))
    log(table);

  const one = await runThroughputRound(cluster, {
    agentsPerRole: 1,
    tasks: N.burst,
    warmUp: N.warmUp,
    repeats: N.repeats,
  });
  const extra = await agentsFor(2);
  const two = await runThroughputRound(cluster, {
    agentsPerRole: 2,
    tasks: N.burst,
    warmUp: N.warmUp,
    repeats: N.repeats,
  });
  await Promise.all(extra.map((c) => cluster.stopChild(c)));
  const waiting = await runWaitingScaling(cluster, {
    waitMs: WritePathLimits.waitMs,
    concurrency: AGENT_DEFAULT_CONCURRENCY,
    tasks: N.waitingTasks,
    warmUp: N.waitingWarmUp,
  });
  const throughput = {
    one,
    two,
    scaling: {
      offline: round(two.offline.tasksPerSec / one.offline.tasksPerSec, 2),
      raw: round(two.raw.tasksPerSec / one.raw.tasksPerSec, 2),
    },
    waiting,
  };
  save('throughput', throughput);
  const TP_HEADERS = [
    'agents',
    'per role',
    'tasks/s',
    'runs',
    'steps/s',
    'p50 ms',
    'p99 ms',
    'durable writes/task',
    'CPU ms/task sup/agents/nats/submitter',
    'CPU ms/task',
    'CPU-bound tasks/s',
  ];
  const tpRow = (label: string, b: BurstFigures, agents: number) => [
    label,
    agents,
    b.tasksPerSec,
    b.runs.join(' / '),
    b.stepsPerSec,
    b.latency.p50,
    b.latency.p99,
    b.writesPerTask['total'],
    [
      b.cpuMsPerTask['supervisors'],
      b.cpuMsPerTask['agents'],
      b.cpuMsPerTask['natsServer'],
      b.cpuMsPerTask['submitter'],
    ]
      .map((v) => round(v ?? 0, 2))
      .join(' / '),
    b.cpuMsPerTask['total'],
    b.cpuBoundTasksPerSec,
  ];
  /** A throughput table: rows of (label, figures, agent processes per role), then a note. */
  const logThroughput = (title: string, rows: Array<[string, BurstFigures, number]>, text: string) =>
    log(
      formatTable(
        title,
        TP_HEADERS,
        rows.map(([label, b, agents]) => tpRow(label, b, agents)),
      ) + note(text),
    );
  logThroughput(
    `3. Throughput: ${N.burst} tasks submitted at once (4 steps each), median of ${N.repeats} runs [${elapsed()}]`,
    [
      ['runAgent, offline model', one.offline, 1],
      ['runAgent, offline model', two.offline, 2],
      ['bare agent host', one.raw, 1],
      ['bare agent host', two.raw, 2],
    ],
    `scaling 2 agents/role over 1: offline ${throughput.scaling.offline}×, bare host ${throughput.scaling.raw}×\n` +
      `durable writes per task (offline model): ${JSON.stringify(one.offline.writesPerTask)}\n` +
      `durable writes per task (bare host): ${JSON.stringify(one.raw.writesPerTask)}\n` +
      `warm-up, ${warmUpLine('runAgent', one.offline.warmUp)}; ${warmUpLine('bare host', one.raw.warmUp)}`,
  );
  log(
    formatTable(
      `3c. Steps that wait ${waiting.waitMs} ms like a model call, ${waiting.concurrency} steps at a time per agent, ${N.waitingTasks} tasks at once, after ${N.waitingWarmUp} untimed tasks per new process [${elapsed()}]`,
      ['agents', 'per role', 'tasks/s', 'steady tasks/s', 'p50 ms', 'p99 ms', 'CPU ms/task'],
      (
        [
          ['runAgent, offline model', waiting.one.offline, 1],
          ['runAgent, offline model', waiting.two.offline, 2],
          ['bare agent host', waiting.one.raw, 1],
          ['bare agent host', waiting.two.raw, 2],
        ] as Array<[string, BurstFigures, number]>
      ).map(([label, b, agents]) => [
        label,
        agents,
        b.tasksPerSec,
        b.steadyTasksPerSec,
        b.latency.p50,
        b.latency.p99,
        b.cpuMsPerTask['total'],
      ]),
    ) +
      note(
        `scaling 2 agents/role over 1 (steady tasks/s: from the first task's end to the last's): ` +
          `runAgent ${waiting.scaling.offline}×, bare host ${waiting.scaling.raw}×`,
      ),
  );

  const fanOut: FanOutResult = await runFanOut(cluster, {
    single: N.fanOutSingle,
    fanOut: N.fanOutTasks,
    warmUp: 5,
    modelLatencyMs: MODEL_LATENCY_MS,
    supervisor: supervisor.name,
  });
  // The same fan-out through a supervisor that applies one event at a time.
  await cluster.stopChild(supervisor);
  const serial = await cluster.startSupervisor('sup-serial', { SUPERVISOR_CONCURRENCY: '1' });
  fanOut.oneEventAtATime = await runFanOutThrough(cluster, {
    fanOut: N.fanOutTasks,
    warmUp: 10,
    supervisor: serial.name,
  });
  await cluster.stopChild(serial);
  save('fan-out', fanOut);
  log(
    formatTable(
      `4. Fan-out: one research step as ${fanOut.width} parallel instances (maxParallel ${fanOut.width}) vs ${fanOut.width} × one step [${elapsed()}]`,
      [
        'model latency',
        'single p50 ms',
        `${fanOut.width} × single ms`,
        'fan-out p50 ms',
        'fan-out p99 ms',
        'fan-out / serial',
        'msgs sent by supervisor / task',
      ],
      [
        [
          '0 ms',
          fanOut.zeroLatency.single.p50,
          fanOut.zeroLatency.serialEstimateMs,
          fanOut.zeroLatency.fanOut.p50,
          fanOut.zeroLatency.fanOut.p99,
          fanOut.zeroLatency.ratio,
          fanOut.zeroLatency.supervisorMessagesPerTask,
        ],
        [
          '0 ms, supervisor concurrency 1',
          undefined,
          fanOut.zeroLatency.serialEstimateMs,
          fanOut.oneEventAtATime.fanOut.p50,
          fanOut.oneEventAtATime.fanOut.p99,
          round(fanOut.oneEventAtATime.fanOut.p50 / fanOut.zeroLatency.serialEstimateMs, 3),
          fanOut.oneEventAtATime.supervisorMessagesPerTask,
        ],
        [
          `${MODEL_LATENCY_MS} ms`,
          fanOut.modelLatency.single.p50,
          fanOut.modelLatency.serialEstimateMs,
          fanOut.modelLatency.fanOut.p50,
          fanOut.modelLatency.fanOut.p99,
          fanOut.modelLatency.ratio,
        ],
      ],
    ),
  );

  const cost = await runSupervisorCost(cluster, {
    tasks: N.parked,
    warmUp: N.parkWarmUp,
    startFirst: () => cluster.startSupervisor('sup-a'),
    startSecond: () => cluster.startSupervisor('sup-b'),
  });
  save('supervisor-cost', cost);
  log(
    formatTable(
      `5. Supervisor cost: ${cost.parkedTasks} tasks parked at awaiting_review, fresh supervisors warmed up with ${cost.warmUpTasks} [${elapsed()}]`,
      ['measure', 'value'],
      [
        ['time to park them (4 steps + review gate each), ms', cost.parkWallMs],
        ['supervisor RSS growth per parked task, bytes', cost.memory.rssBytesPerTask],
        ['supervisor heap growth per parked task, bytes', cost.memory.heapBytesPerTask],
        ['KV_troupe_tasks growth per parked task, bytes', cost.kv.tasksBytesPerTask],
        ['KV_troupe_wakeups growth per parked task, bytes', cost.kv.wakeupsBytesPerTask],
        ['KV_troupe_tasks bytes / records (all tasks)', cost.kv.tasksBucketBytesPerRecord],
        [
          `events applied /s, 1 supervisor (${cost.applied.one.events} review decisions)`,
          cost.applied.one.perSec,
        ],
        [
          `events applied /s, 2 supervisors (split ${cost.applied.two.bySupervisor.join(' / ')})`,
          cost.applied.two.perSec,
        ],
        ['supervisor CPU ms per applied event, 1 supervisor', cost.applied.one.cpuMsPerEvent[0]],
        ['supervisor CPU ms per applied event, 2 supervisors', cost.applied.two.cpuMsPerEvent.join(' / ')],
        [
          'GC pauses in the supervisor(s) while applying, 1 / 2',
          `${cost.applied.one.gc.map((g) => `${g.count} (${g.totalMs} ms, max ${g.maxMs})`).join(', ')} / ${cost.applied.two.gc.map((g) => `${g.count} (${g.totalMs} ms, max ${g.maxMs})`).join(', ')}`,
        ],
        ['scaling, 2 supervisors over 1', cost.applied.scaling],
      ],
    ),
  );
  const second = cluster.supervisors.find((c) => c.name === 'sup-b');
  if (second) await cluster.stopChild(second);

  const profiled = await runProfiledBurst(cluster, {
    tasks: N.burst,
    processes: ['sup-a', 'agent-fetch-1'],
    dir: join(resultsDir, 'profiles'),
    intervalUs: 250,
    top: 15,
  });
  save('profile', profiled);
  log(
    `\nCPU profiles during a throughput run (${profiled.burst.tasksPerSec} tasks/s with the profiler on) [${elapsed()}]`,
  );
  for (const p of profiled.profiles) log(p.text);
  recordMarkdown(
    `**CPU profiles during a throughput run** (${profiled.burst.tasksPerSec} tasks/s with the profiler on)\n\n` +
      '```text\n' +
      profiled.profiles.map((p) => p.text).join('\n') +
      '\n```',
  );

  // The same four roles served by one agent process (as `troupe agent --role a,b,c,d` runs them) instead of four.
  await Promise.all(perRole.map((c) => cluster.stopChild(c)));
  await cluster.startAgent(
    'agent-all',
    PIPELINE_STEPS.map((step) => ({ role: offlineRole(step), raw: { role: rawRole(step), step } })),
  );
  const colocated = await runThroughputRound(cluster, {
    agentsPerRole: 1,
    tasks: N.burst,
    warmUp: N.warmUp,
    repeats: N.repeats,
  });
  save('throughput-colocated', colocated);
  logThroughput(
    `3b. Throughput with the four roles in one agent process instead of four, ${N.burst} tasks at once, median of ${N.repeats} runs [${elapsed()}]`,
    [
      ['runAgent, 4 processes (from 3)', one.offline, 1],
      ['runAgent, 1 process', colocated.offline, 1],
      ['bare agent host, 4 processes (from 3)', one.raw, 1],
      ['bare agent host, 1 process', colocated.raw, 1],
    ],
    `one process over four: runAgent ${round(colocated.offline.tasksPerSec / one.offline.tasksPerSec, 2)}×, ` +
      `bare host ${round(colocated.raw.tasksPerSec / one.raw.tasksPerSec, 2)}× (after the profiled run; ` +
      'the other rows are from section 3)',
  );
  return { hop, throughput, fanOut, cost, profiled, colocated };
})();

// 6. Peers ----------------------------------------------------------------------------------------------
const peerOptions = { tasks: N.latencyTasks, warmUp: N.warmUp, burst: N.burst, repeats: N.repeats };
const peers: PeerFigures[] = [
  await runBusFloor(pool, peerOptions),
  await runLanggraph(pool, { checkpointer: 'memory', ...peerOptions }),
  await runLanggraph(pool, { checkpointer: 'sqlite', ...peerOptions }),
  await runBullmq(pool, { ...peerOptions, redisPort }),
];
const troupeRows: PeerFigures[] = [
  {
    system: 'Troupe, runAgent on the offline model',
    latency: troupe.hop.offline.task,
    closedLoopLoad: troupe.hop.offline.load,
    burst: troupe.throughput.one.offline,
  },
  {
    system: 'Troupe, bare agent host (same step fn)',
    latency: troupe.hop.raw.task,
    closedLoopLoad: troupe.hop.raw.load,
    burst: troupe.throughput.one.raw,
  },
];
save('peers', { troupe: troupeRows, peers });
const [troupeOffline, troupeRaw] = troupeRows as [PeerFigures, PeerFigures];
log(
  formatTable(
    `6. Peers: the same 4-step pipeline, same step function; ratios are peer ÷ Troupe (runAgent / bare host) [${elapsed()}]`,
    [
      'system',
      'p50 ms',
      'p99 ms',
      'tasks/s',
      'CPU ms/task',
      'one at a time: CPU ms/task, cores busy',
      'p50 ÷ Troupe',
      'p99 ÷ Troupe',
      'tasks/s ÷ Troupe',
    ],
    [...troupeRows, ...peers].map((p) => [
      p.system,
      p.latency.p50,
      p.latency.p99,
      p.burst.tasksPerSec,
      p.burst.cpuMsPerTask['total'],
      p.closedLoopLoad
        ? `${round(p.closedLoopLoad.cpuMsPerTask['total']!, 2)}, ${p.closedLoopLoad.coresBusy}`
        : undefined,
      `${round(p.latency.p50 / troupeOffline.latency.p50, 2)} / ${round(p.latency.p50 / troupeRaw.latency.p50, 2)}`,
      `${round(p.latency.p99 / troupeOffline.latency.p99, 2)} / ${round(p.latency.p99 / troupeRaw.latency.p99, 2)}`,
      `${round(p.burst.tasksPerSec / troupeOffline.burst.tasksPerSec, 2)} / ${round(p.burst.tasksPerSec / troupeRaw.burst.tasksPerSec, 2)}`,
    ]),
  ) +
    note(`warm-up (the same rule for each):\n${peers.map((p) => warmUpLine(p.system, p.warmUp)).join('\n')}`),
);

// 7. Telemetry: the live span feed ------------------------------------------------------------------------
const spanFeed = await runSpanFeed(pool);
save('span-feed', spanFeed);
log(
  formatTable(
    `7. Telemetry span feed (packages/telemetry/bench): CPU per span [${elapsed()}]`,
    [
      'configuration',
      'spans/s',
      'handler p50 µs',
      'handler p99 µs',
      'CPU µs/span',
      'overhead µs/span',
      'delivered',
      'dropped',
    ],
    spanFeed.rows.map((r) => [
      r.config,
      r.spansPerSec,
      r.handlerP50Us,
      r.handlerP99Us,
      r.cpuUsPerSpan,
      r.overheadUsPerSpan,
      r.delivered,
      r.dropped,
    ]),
  ),
);

// 8. The dashboard in Chromium ---------------------------------------------------------------------------
const dashboard = await runDashboardRender({
  traceSizes: [2_000, 10_000],
  runs: N.dashboardRuns,
  clicks: 10,
  scrollMs: 3_000,
  liveTasks: 200,
  liveMs: N.dashboardLiveMs,
  updatesPerTaskPerSec: 2,
});
save('dashboard-render', dashboard);
log(
  formatDashboardRender(
    dashboard,
    `8. Dashboard in headless Chromium ${dashboard.browser}: trace render, interactivity, live task list [${elapsed()}]`,
  ),
);

await scaleOutSection();

// Targets -----------------------------------------------------------------------------------------------
// From the result files just written, as docs/benchmarks.md shows them (`bench:charts`).
const current = readBenchResults(resultsDir);
const targets = { writePath: currentTargets(current), dashboard: dashboardTargets(dashboard) };
save('targets', targets);
const budget = currentBudget(current);
const budgetNote = budget ? note(budget) : '';
const targetRows = (list: Target[]) => list.map((t) => [t.target, t.measured, t.ratio, t.verdict]);
log(
  formatTable(
    'Targets of #16 (runAgent on the offline model, one agent process per role, every guarantee on; ratios in this run)',
    ['target', 'measured', 'ratio', 'result'],
    targetRows(targets.writePath),
  ) + budgetNote,
);
log(
  formatTable(
    "runAgent beside the bus floor and the peers: runAgent's figure ÷ the system's (the peers' informational)",
    ['system', 'tasks/s', 'p50 ms', 'p99 ms', 'CPU ms/task', 'tasks/s ÷', 'p50 ÷', 'p99 ÷', 'CPU/task ÷'],
    peerRatioRows(current).map((p) => [
      p.system,
      p.tasksPerSec,
      p.p50,
      p.p99,
      p.cpuMsPerTask,
      p.runAgentOver.tasksPerSec,
      p.runAgentOver.p50,
      p.runAgentOver.p99,
      p.runAgentOver.cpuMsPerTask,
    ]),
  ),
);
log(
  formatTable(
    'The dashboard (section 8)',
    ['target', 'measured', 'ratio', 'result'],
    targetRows(targets.dashboard),
  ),
);
const closing =
  `${elapsed()} in all; the cores were ${machine.cpuBusyBeforePct}% busy in the second before the run` +
  (machine.cpuBusyBeforePct > 10 ? ' (other work was running: figures are noisier)' : '');
recordMarkdown(
  `Run of ${meta.date}: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, ` +
    `${machine.natsServer}, Redis ${machine.redis}; commit ${machine.git.commit}` +
    (machine.git.changedFiles > 0 ? ` with ${machine.git.changedFiles} changed files under packages/` : '') +
    `; ${closing}.`,
);
writeFileSync(join(resultsDir, 'report.md'), recordedMarkdown());
save('run', { ...meta, seconds: round((performance.now() - started) / 1000, 1) });
log(`\nresults in ${resultsDir} (report.md has every table) — ${closing}`);
