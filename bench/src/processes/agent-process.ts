// One agent process for one pipeline step: the real agent runtime on the offline model (`bench-<step>`)
// and, on the same connection, a bare agent host running the shared step function (`bench-<step>-raw`).
import { connect, type Usage } from '@troupe/bus';
import { defineAgent, runAgent, startAgentHost } from '@troupe/agents';
import { initTelemetry } from '@troupe/telemetry';
import { benchRoles } from '../pipeline.js';
import { serveProbe } from '../probe.js';
import { stepWork, type StepPayload } from '../step-work.js';

const role = process.env['ROLE'] ?? '';
const rawRoleName = process.env['RAW_ROLE'];
const step = process.env['STEP'] ?? role;
const concurrency = Number(process.env['CONCURRENCY'] ?? 64);
const latencyMs = Number(process.env['OFFLINE_LATENCY_MS'] ?? 0);
const name = process.env['BENCH_CHILD_NAME'] ?? `agent-${process.pid}`;
const definition = benchRoles[role];
if (!definition) throw new Error(`ROLE must be one of ${Object.keys(benchRoles).join(', ')}, got "${role}"`);

initTelemetry({ serviceName: 'troupe-agent', role });
const bus = await connect({ name });
const agent = await runAgent(defineAgent({ role: definition, model: 'offline:offline-1', concurrency }), {
  bus,
  handleSignals: false,
  providers: { offline: { latencyMs } },
});
const usage: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  latencyMs: 0,
  model: 'none',
  provider: 'none',
};
const raw = rawRoleName
  ? await startAgentHost({
      bus,
      roles: [rawRoleName],
      concurrency,
      execute: async (ctx) => ({ output: stepWork(step, ctx.assignment.input as StepPayload), usage }),
    })
  : undefined;
await serveProbe(bus.nc, name);
process.stdout.write(`ready ${agent.host.agentId}\n`);
process.once('SIGTERM', () => {
  void Promise.all([agent.stop(), raw?.drain()])
    .then(() => bus.close())
    .then(() => process.exit(0));
});
