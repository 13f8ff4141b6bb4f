/**
 * One process of the cross-process trace test: `a` starts a task and sends a work message, `b` (an
 * agent) continues the trace and forwards a result, `c` (a supervisor) continues it again. Every process
 * exports to the OTLP endpoint in OTEL_EXPORTER_OTLP_ENDPOINT and talks through NATS_URL.
 */
import { connect, subjects } from '@troupe/bus';
import { z } from 'zod';
import {
  createLogger,
  initTelemetry,
  withAgentSpan,
  withChatSpan,
  withToolSpan,
  withWorkflowSpan,
} from '../index.js';

const Hop = z.object({ taskId: z.string(), from: z.string() });
const role = process.argv[2];
const taskId = process.env['TASK_ID'] ?? 'task-1';

const services = { a: 'troupe-client', b: 'troupe-agent', c: 'troupe-supervisor' } as const;
if (role !== 'a' && role !== 'b' && role !== 'c')
  throw new Error(`usage: trace-hop-node.ts a|b|c (got ${role})`);

const telemetry = initTelemetry({
  serviceName: services[role],
  instanceId: `hop-${role}`,
  ...(role === 'b' ? { role: 'researcher' } : {}),
});
const log = createLogger({ name: `hop-${role}` });
const bus = await connect({ name: `trace-hop-${role}` });

async function finish(line: string): Promise<void> {
  await telemetry.shutdown(); // flushes every span to the receiver first
  await bus.close();
  console.log(line);
  process.exit(0);
}

if (role === 'a') {
  await withWorkflowSpan({ workflow: 'report', taskId }, async () => {
    bus.publish(subjects.work('researcher'), { taskId, from: 'a' });
  });
  await bus.flush();
  await finish('sent');
} else if (role === 'b') {
  bus.subscribe(subjects.work('researcher'), Hop, async ({ data }) => {
    await withAgentSpan(
      { role: 'researcher', agentId: 'hop-b', taskId: data.taskId, stepId: 'research', attempt: 1 },
      async () => {
        await withChatSpan({ provider: 'offline', model: 'offline-1', taskId: data.taskId }, (chat) =>
          chat.setResponse({ model: 'offline-1', inputTokens: 21, outputTokens: 8, costUsd: 0 }),
        );
        await withToolSpan({ tool: 'search_corpus', callId: 'call-1', taskId: data.taskId }, () => ['doc-1']);
        bus.publish(subjects.result('researcher', data.taskId), { taskId: data.taskId, from: 'b' });
      },
    );
    await bus.flush();
    await finish('forwarded');
  });
  await bus.flush();
  console.log('ready');
} else {
  bus.subscribe(subjects.result('researcher', taskId), Hop, async ({ data }) => {
    await withWorkflowSpan({ workflow: 'report', taskId: data.taskId }, async () => {
      log.info({ taskId: data.taskId, from: data.from }, 'result received');
    });
    await finish('handled');
  });
  await bus.flush();
  console.log('ready');
}
