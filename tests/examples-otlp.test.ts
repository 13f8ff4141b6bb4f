import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot, spawnTs } from '@troupe/bus/testing';
import { userEnv } from './fixtures/example-process.js';
import { startOtlpReceiver, type ReceivedSpan } from '@troupe/telemetry/testing';

const EXAMPLE = join(repoRoot(), 'examples', 'otlp');

const serviceOf = (span: ReceivedSpan) => span.resource['service.name'];

describe('examples/otlp', () => {
  it("run.ts sends one task's trace from the API, the supervisor and the agents to an OTLP collector", async () => {
    await using collector = await startOtlpReceiver();
    await using run = spawnTs(join(EXAMPLE, 'run.ts'), {
      env: userEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    });
    onTestFinished(() => run[Symbol.asyncDispose]());
    const exit = await run.exited;
    expect(exit, `${run.stdout()}\n${run.stderr()}`).toEqual({ code: 0, signal: null });
    const taskId = /^task (\S+) completed$/m.exec(run.stdout())?.[1];
    const traceId = /^trace ([0-9a-f]{32}) /m.exec(run.stdout())?.[1];
    expect(taskId, run.stdout()).toBeDefined();
    expect(traceId, run.stdout()).toBeDefined();
    expect(run.stdout()).toContain(`in Jaeger: http://localhost:16686/trace/${traceId}`);

    // Each process flushed its spans as the troupe stopped; the collector has the whole trace.
    const spans = await collector.waitForSpans(
      (all) =>
        ['troupe-api', 'troupe-supervisor', 'troupe-agent'].every((service) =>
          all.some((s) => s.traceId === traceId && serviceOf(s) === service),
        ),
      10_000,
    );
    const trace = spans.filter((s) => s.traceId === traceId);
    const root = trace.find((s) => !s.parentSpanId);
    expect(root).toMatchObject({
      name: 'invoke_workflow report',
      attributes: {
        'gen_ai.operation.name': 'invoke_workflow',
        'gen_ai.conversation.id': taskId,
        'troupe.task.id': taskId,
      },
    });
    expect(serviceOf(root!)).toBe('troupe-api');
    expect(
      trace.some((s) => serviceOf(s) === 'troupe-supervisor' && s.name === 'invoke_workflow report'),
    ).toBe(true);
    for (const role of ['planner', 'researcher', 'analyst', 'drafter', 'reviewer']) {
      const agent = trace.find((s) => s.name === `invoke_agent ${role}`);
      expect(agent, role).toBeDefined();
      expect(serviceOf(agent!)).toBe('troupe-agent');
      expect(agent!.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': role,
        'gen_ai.conversation.id': taskId,
      });
    }
    const chat = trace.find((s) => s.name.startsWith('chat '))!;
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'offline',
    });
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(trace.find((s) => s.name === 'execute_tool search_corpus')?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search_corpus',
    });

    const exports = collector.requests.filter((r) => r.path === '/v1/traces');
    expect(exports.length).toBeGreaterThan(0);
    expect(exports.every((r) => r.contentType.includes('application/json'))).toBe(true);
  }, 60_000);
});
