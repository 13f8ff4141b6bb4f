import { fileURLToPath } from 'node:url';
import { spawnTs, startNatsServer } from '@troupe/bus/testing';
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver, type ReceivedSpan } from './test-support/otlp-receiver.js';

const node = fileURLToPath(new URL('./test-support/trace-hop-node.ts', import.meta.url));

describe('one trace across three processes joined by NATS', () => {
  it('continues the trace from process to process through message headers', async () => {
    await using server = await startNatsServer();
    await using receiver = await startOtlpReceiver();
    const env = {
      NATS_URL: server.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      TASK_ID: 'task-42',
      TROUPE_LOG_LEVEL: 'info',
    };
    await using c = spawnTs(node, { args: ['c'], env });
    await using b = spawnTs(node, { args: ['b'], env });
    await Promise.all([c.waitForLine(/^ready$/), b.waitForLine(/^ready$/)]);
    await using a = spawnTs(node, { args: ['a'], env });

    await Promise.all([a.waitForLine(/^sent$/), b.waitForLine(/^forwarded$/), c.waitForLine(/^handled$/)]);
    const spans = await receiver.waitForSpans((s) => s.length >= 5);

    const find = (service: string, name: string): ReceivedSpan => {
      const span = spans.find((s) => s.resource['service.name'] === service && s.name === name);
      if (!span)
        throw new Error(
          `no ${service} span "${name}" in ${JSON.stringify(spans.map((s) => [s.resource['service.name'], s.name]))}`,
        );
      return span;
    };
    const root = find('troupe-client', 'invoke_workflow report');
    const agent = find('troupe-agent', 'invoke_agent researcher');
    const chat = find('troupe-agent', 'chat offline-1');
    const tool = find('troupe-agent', 'execute_tool search_corpus');
    const supervisor = find('troupe-supervisor', 'invoke_workflow report');

    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    expect(root.parentSpanId).toBeUndefined();
    expect(agent.parentSpanId).toBe(root.spanId);
    expect(chat.parentSpanId).toBe(agent.spanId);
    expect(tool.parentSpanId).toBe(agent.spanId);
    expect(supervisor.parentSpanId).toBe(agent.spanId);

    expect(agent.resource).toMatchObject({
      'troupe.agent.role': 'researcher',
      'service.instance.id': 'hop-b',
    });
    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'researcher',
      'gen_ai.conversation.id': 'task-42',
    });
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'offline',
      'gen_ai.request.model': 'offline-1',
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 8,
    });
    expect(tool.attributes).toMatchObject({
      'gen_ai.tool.name': 'search_corpus',
      'gen_ai.tool.call.id': 'call-1',
    });
    expect(supervisor.attributes).toMatchObject({
      'gen_ai.workflow.name': 'report',
      'troupe.task.id': 'task-42',
    });

    // The supervisor's log line joins the same trace.
    const logLine = c
      .stdout()
      .split('\n')
      .find((l) => l.includes('result received'));
    expect(JSON.parse(logLine!)).toMatchObject({
      trace_id: root.traceId,
      span_id: supervisor.spanId,
      taskId: 'task-42',
    });
  });
});
