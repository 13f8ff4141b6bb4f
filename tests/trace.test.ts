import { describe, expect, it } from 'vitest';
import { connect } from '@troupe/bus';
import { spawnTs, startNatsServer } from '@troupe/bus/testing';
import { startOtlpReceiver, type ReceivedSpan } from '@troupe/telemetry/testing';

import { fixture, submitTask } from './fixtures/troupe.js';

describe('one trace per task across processes', () => {
  it('a report task through a supervisor and five agent processes is one trace with GenAI spans', async () => {
    await using server = await startNatsServer();
    await using receiver = await startOtlpReceiver();
    const bus = await connect({ servers: server.url });
    await bus.ensureTopology();
    const env = {
      NATS_URL: server.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    const agents = ['planner', 'researcher', 'analyst', 'drafter', 'reviewer'].map((role) =>
      spawnTs(fixture('agent-process.ts'), { env: { ...env, ROLES: role } }),
    );
    try {
      await Promise.all([sup, ...agents].map((p) => p.waitForLine(/^ready /, 60_000)));
      const taskId = await submitTask(bus, 'report', {
        question: 'What does a JetStream consumer acknowledge?',
      });
      // Spans arrive in batches from six processes, in no particular order: wait until the task's trace is
      // whole (one root) and has every role's agent span.
      const roles = ['planner', 'researcher', 'analyst', 'drafter', 'reviewer'];
      const rootsOf = (trace: ReceivedSpan[]) => {
        const ids = new Set(trace.map((x) => x.spanId));
        return trace.filter((x) => !x.parentSpanId || !ids.has(x.parentSpanId));
      };
      const spans = await receiver.waitForSpans((all) => {
        const root = all.find(
          (x) => x.name === 'invoke_workflow report' && x.attributes['troupe.task.id'] === taskId,
        );
        if (!root) return false;
        const trace = all.filter((x) => x.traceId === root.traceId);
        return (
          roles.every((role) => trace.some((x) => x.name === `invoke_agent ${role}`)) &&
          rootsOf(trace).length === 1
        );
      }, 90_000);
      const ofTask = spans.filter(
        (s) => s.attributes['troupe.task.id'] === taskId || s.attributes['gen_ai.conversation.id'] === taskId,
      );
      const traceIds = new Set(ofTask.map((s) => s.traceId));
      expect(traceIds.size).toBe(1);
      const [traceId] = [...traceIds];
      const trace = spans.filter((s) => s.traceId === traceId);
      const names = new Set(trace.map((s) => s.name));
      for (const role of roles) expect(names).toContain(`invoke_agent ${role}`);
      expect(names).toContain('chat offline-1');
      expect(names).toContain('execute_tool search_corpus');
      // Every span's parent is a span of the same trace, except the root.
      const roots = rootsOf(trace);
      expect(roots).toHaveLength(1);
      expect(roots[0]!.name).toBe('invoke_workflow report');
      const agentSpan = trace.find((s) => s.name === 'invoke_agent researcher')!;
      expect(agentSpan.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'researcher',
        'gen_ai.conversation.id': taskId,
      });
      const chat = trace.find((s) => s.name.startsWith('chat '))!;
      expect(chat.attributes['gen_ai.provider.name']).toBe('offline');
      expect(typeof chat.attributes['gen_ai.usage.input_tokens']).toBe('number');
      expect(trace.find((s) => s.spanId === chat.parentSpanId)?.name).toMatch(/^invoke_agent /);
    } finally {
      await Promise.all(agents.map((a) => a[Symbol.asyncDispose]()));
      await bus.close();
    }
  }, 120_000);
});
