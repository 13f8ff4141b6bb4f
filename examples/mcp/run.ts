// An assistant whose tools come from an MCP server (server.ts, started as a child process over stdio), run in
// this process beside a supervisor and the HTTP API; then one `tools` task, whose tool calls and answer it prints.
// NATS_URL says where NATS is (default nats://127.0.0.1:4222); TROUPE_MODEL / OPENAI_API_KEY pick the model.
import { fileURLToPath } from 'node:url';
import { defineAgent, runAgent } from '@troupe/agents';
import { startApi } from '@troupe/api';
import { connect } from '@troupe/bus';
import { createClient } from '@troupe/client';
import { builtinWorkflows, runSupervisor } from '@troupe/supervisor';

process.env['TROUPE_LOG_LEVEL'] ??= 'warn'; // the API logs every request at `info`
const question = process.argv[2] ?? 'What is JetStream? Count the words of its glossary entry too.';

const bus = await connect();
await bus.ensureTopology(); // the streams, work queues and KV buckets, created when missing
const supervisor = await runSupervisor({ bus, workflows: builtinWorkflows });
const agent = await runAgent(
  defineAgent({
    role: 'assistant',
    // The role gets every tool of the server, named `<server>__<tool>`: glossary__lookup, glossary__word_count.
    mcp: [
      {
        name: 'glossary',
        transport: {
          type: 'stdio',
          command: process.execPath,
          args: [
            '--import',
            import.meta.resolve('tsx'),
            fileURLToPath(new URL('server.ts', import.meta.url)),
          ],
        },
      },
    ],
  }),
  { bus, handleSignals: false },
);
const api = await startApi({ bus, port: 0 });

try {
  const troupe = createClient({ baseUrl: api.url });
  const { id } = await troupe.submit('tools', { question });
  console.log(`submitted ${id}`);
  await troupe.wait(id, { timeoutMs: 120_000 });

  // One audit record per tool call: which tool, with which arguments, and whether it worked.
  const { records } = await troupe.audit(id);
  const calls = records.filter((r) => r.type === 'tool.call');
  for (const { data } of calls) {
    console.log(
      `tool.call ${data['tool']} ${JSON.stringify(data['parameters'])} ${data['ok'] ? 'ok' : 'failed'}`,
    );
  }
  if (calls.length === 0)
    console.log('no tool was called (the offline model calls only search and calculator tools)');

  const { status, result, error } = await troupe.result(id);
  console.log(`\n${status}`);
  if (status !== 'completed') throw new Error(`the task ended ${status}: ${error?.message}`);
  console.log((result as { answer: string }).answer);
} finally {
  await api.close();
  await agent.stop(); // finishes the steps in flight, then stops the MCP server process
  await supervisor.stop();
  await bus.close();
}
