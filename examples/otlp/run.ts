// Starts a local troupe (as `troupe up` does: nats-server, a supervisor, the agents, the API) whose every process
// sends its spans to the OTLP collector the OTEL_* variables name, runs one `report` task, prints its trace id,
// and stops the troupe, each process flushing its spans on the way out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalTroupe } from '@troupe/cli';
import { createClient } from '@troupe/client';

process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ??= 'http://localhost:4318'; // Jaeger of docker-compose.yml
const question = process.argv[2] ?? 'How do NATS JetStream consumers acknowledge messages?';

const dir = mkdtempSync(join(tmpdir(), 'troupe-otlp-'));
// Every role in one agent process: fewer processes to start; the trace looks the same.
const troupe = await startLocalTroupe({ dir, port: 0, agents: 'one', env: process.env });
try {
  const client = createClient({ baseUrl: troupe.apiUrl });
  const { id } = await client.submit('report', { question });
  const task = await client.wait(id, { timeoutMs: 120_000 });
  // The API keeps each task's spans (from the live span feed) too: the trace id is what to search for.
  const { traceId, spans } = await client.trace(id);
  console.log(`task ${id} ${task.status}`);
  console.log(`trace ${traceId} (services ${[...new Set(spans.map((s) => s.service))].sort().join(', ')})`);
  console.log(`sent to ${process.env['OTEL_EXPORTER_OTLP_ENDPOINT']}`);
  console.log(`in Jaeger: http://localhost:16686/trace/${traceId}`);
} finally {
  await troupe.stop();
  rmSync(dir, { recursive: true, force: true });
}
