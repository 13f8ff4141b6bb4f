// A supervisor process running the benchmark's workflows, as `troupe supervisor` would: one bus connection,
// telemetry from the (empty) OTEL_* environment with the span feed on, the stateless runtime.
import { connect } from '@troupe/bus';
import { runSupervisor } from '@troupe/supervisor';
import { initTelemetry } from '@troupe/telemetry';
import { benchWorkflows } from '../pipeline.js';
import { serveProbe } from '../probe.js';
import { benchSpanFeed } from './span-feed-option.js';
import { natsHandles } from '@troupe/bus/testing';

const name = process.env['BENCH_CHILD_NAME'] ?? `supervisor-${process.pid}`;
// REPLICAS: 3 on a cluster; without it ensureTopology would scale the streams back to one replica.
const bus = await connect({ name, topology: { replicas: Number(process.env['REPLICAS'] ?? 1) } });
initTelemetry({ serviceName: 'troupe-supervisor', ...benchSpanFeed(bus) });
await bus.ensureTopology();
let errors = 0;
const supervisor = await runSupervisor({
  bus,
  workflows: benchWorkflows,
  ...(process.env['SUPERVISOR_CONCURRENCY']
    ? { concurrency: Number(process.env['SUPERVISOR_CONCURRENCY']) }
    : {}),
  onError: (err, where) => {
    if (errors++ < 5) process.stderr.write(`supervisor error (${where}): ${String(err)}\n`);
  },
});
await serveProbe(natsHandles(bus).nc, name, () => ({ applied: supervisor.applied, errors }));
process.stdout.write(`ready ${supervisor.id}\n`);
process.once('SIGTERM', () => {
  void supervisor
    .stop()
    .then(() => bus.close())
    .then(() => process.exit(0));
});
