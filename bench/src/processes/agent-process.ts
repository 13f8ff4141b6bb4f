// One agent process for the pipeline steps in AGENTS (a JSON array, usually of one): for each, the real agent
// runtime on the offline model (`bench-<step>`) and, on the same connection, a bare agent host running the
// shared step function (`bench-<step>-raw`). OFFLINE_LATENCY_MS makes every step wait that long: the offline
// model's latency, and a wait before the bare step's function.
import { connect, type Usage } from '@troupe/bus';
import { defineAgent, runAgent, startAgentHost } from '@troupe/agents';
import { initTelemetry } from '@troupe/telemetry';
import { benchRoles } from '../pipeline.js';
import { serveProbe } from '../probe.js';
import { benchSpanFeed } from './span-feed-option.js';
import { waitingStepWork, type StepPayload } from '../step-work.js';
import { natsHandles } from '@troupe/bus/testing';

interface Spec {
  role: string;
  raw?: { role: string; step: string };
}

const specs = JSON.parse(process.env['AGENTS'] ?? '[]') as Spec[];
const concurrency = Number(process.env['CONCURRENCY'] ?? 64);
const latencyMs = Number(process.env['OFFLINE_LATENCY_MS'] ?? 0);
const name = process.env['BENCH_CHILD_NAME'] ?? `agent-${process.pid}`;
if (specs.length === 0) throw new Error('AGENTS must name at least one role');
for (const { role } of specs) {
  if (!benchRoles[role])
    throw new Error(`a role in AGENTS must be one of ${Object.keys(benchRoles).join(', ')}, got "${role}"`);
}

const bus = await connect({ name });
// As `troupe agent` runs it: the span feed on.
initTelemetry({
  serviceName: 'troupe-agent',
  role: specs.map((s) => s.role).join(','),
  ...benchSpanFeed(bus),
});
// One host for all of them, as `troupe agent --role a,b` runs it.
const agent = await runAgent(
  specs.map((s) => defineAgent({ role: benchRoles[s.role]!, model: 'offline:offline-1', concurrency })),
  { bus, handleSignals: false, providers: { offline: { latencyMs } } },
);
const usage: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  latencyMs: 0,
  model: 'none',
  provider: 'none',
};
const stepOf = new Map(specs.flatMap(({ raw }) => (raw ? [[raw.role, raw.step] as const] : [])));
const raw =
  stepOf.size > 0
    ? await startAgentHost({
        bus,
        roles: [...stepOf.keys()],
        concurrency,
        execute: async (ctx) => ({
          output: await waitingStepWork(
            stepOf.get(ctx.assignment.role)!,
            ctx.assignment.input as StepPayload,
            latencyMs,
          ),
          usage,
        }),
      })
    : undefined;
await serveProbe(natsHandles(bus).nc, name);
process.stdout.write(`ready ${agent.host.agentId}\n`);
process.once('SIGTERM', () => {
  void Promise.all([agent.stop(), raw?.drain()])
    .then(() => bus.close())
    .then(() => process.exit(0));
});
