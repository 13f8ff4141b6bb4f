import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { BusError, BusErrorCode } from '@troupe/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { captureContentEnabled } from './env-config.js';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { renderPrometheusMetrics } from './prometheus.js';
import { withAgentSpan, withChatSpan, withToolSpan, withWorkflowSpan } from './span-helpers.js';
import { promSample } from './test-support/prometheus-text.js';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

function setup(env: Record<string, string> = {}) {
  const exporter = new InMemorySpanExporter();
  telemetry = initTelemetry({
    serviceName: 'helpers',
    env,
    prometheus: {},
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const t = telemetry;
  return {
    async spans(): Promise<ReadableSpan[]> {
      await t.forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}

const byName = (spans: ReadableSpan[], name: string) => {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span "${name}" in ${spans.map((s) => s.name).join(', ')}`);
  return span;
};

async function runTask(): Promise<string> {
  return withWorkflowSpan({ workflow: 'report', taskId: 'task-1' }, () =>
    withAgentSpan(
      { role: 'researcher', agentId: 'researcher-a1', taskId: 'task-1', stepId: 'research-2', attempt: 3 },
      async () => {
        const answer = await withChatSpan(
          {
            provider: 'openai',
            model: 'gpt-4o-mini',
            taskId: 'task-1',
            inputMessages: [{ role: 'user', content: 'Why is the sky blue?' }],
          },
          async (chat) => {
            chat.setResponse({
              model: 'gpt-4o-mini-2024-07-18',
              inputTokens: 120,
              outputTokens: 45,
              costUsd: 0.0004,
              finishReasons: ['stop'],
              outputMessages: [{ role: 'assistant', content: 'Rayleigh scattering.' }],
            });
            return 'Rayleigh scattering.';
          },
        );
        await withToolSpan(
          { tool: 'web_search', callId: 'call_1', taskId: 'task-1', arguments: { q: 'sky' } },
          async () => ({
            hits: 3,
          }),
        );
        return answer;
      },
    ),
  );
}

describe('span helpers', () => {
  it('name and attribute spans after the GenAI semantic conventions, nested by context', async () => {
    const t = setup();
    expect(await runTask()).toBe('Rayleigh scattering.');
    const spans = await t.spans();

    const workflow = byName(spans, 'invoke_workflow report');
    expect(workflow.kind).toBe(SpanKind.INTERNAL);
    expect(workflow.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'report',
      'gen_ai.conversation.id': 'task-1',
      'troupe.task.id': 'task-1',
    });

    const agent = byName(spans, 'invoke_agent researcher');
    expect(agent.parentSpanContext?.spanId).toBe(workflow.spanContext().spanId);
    expect(agent.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'researcher',
      'gen_ai.agent.id': 'researcher-a1',
      'gen_ai.conversation.id': 'task-1',
      'troupe.task.id': 'task-1',
      'troupe.step.id': 'research-2',
      'troupe.step.attempt': 3,
    });

    const chat = byName(spans, 'chat gpt-4o-mini');
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    expect(chat.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.conversation.id': 'task-1',
      'troupe.task.id': 'task-1',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 45,
      'troupe.cost.usd': 0.0004,
    });

    const tool = byName(spans, 'execute_tool web_search');
    expect(tool.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    expect(tool.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'web_search',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.conversation.id': 'task-1',
      'troupe.task.id': 'task-1',
    });
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(workflow.spanContext().traceId);
      expect(s.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('records the chat metrics: token usage by token type, operation duration, cost, step duration', async () => {
    setup();
    await runTask();
    const text = await renderPrometheusMetrics();
    const model = {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'gpt-4o-mini',
    };
    expect(promSample(text, 'gen_ai_client_token_usage_sum', { ...model, gen_ai_token_type: 'input' })).toBe(
      120,
    );
    expect(promSample(text, 'gen_ai_client_token_usage_sum', { ...model, gen_ai_token_type: 'output' })).toBe(
      45,
    );
    expect(
      promSample(text, 'gen_ai_client_operation_duration_count', {
        ...model,
        gen_ai_response_model: 'gpt-4o-mini-2024-07-18',
      }),
    ).toBe(1);
    expect(promSample(text, 'troupe_cost_usd_total', model)).toBe(0.0004);
    expect(
      promSample(text, 'troupe_step_duration_count', {
        troupe_agent_role: 'researcher',
        troupe_outcome: 'ok',
      }),
    ).toBe(1);
  });

  it('records errors with status ERROR and error.type, scrubs secrets from the message, and rethrows', async () => {
    const t = setup();
    const boom = new BusError(
      BusErrorCode.Timeout,
      'upstream timed out calling with key sk-abcdefghijklmnop1234',
    );
    await expect(
      withAgentSpan({ role: 'analyst', agentId: 'a', taskId: 't', stepId: 's', attempt: 1 }, () =>
        withToolSpan({ tool: 'fetch' }, async () => {
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    await expect(
      withChatSpan({ provider: 'anthropic', model: 'claude' }, () => Promise.reject(new TypeError('bad'))),
    ).rejects.toThrow('bad');

    const spans = await t.spans();
    const tool = byName(spans, 'execute_tool fetch');
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool.status.message).toBe('upstream timed out calling with key sk-[REDACTED]');
    expect(tool.attributes['error.type']).toBe('TIMEOUT');
    expect(tool.events[0]?.name).toBe('exception');
    expect(JSON.stringify(tool.events)).not.toContain('abcdefghijklmnop1234');
    expect(byName(spans, 'invoke_agent analyst').attributes['error.type']).toBe('TIMEOUT');
    expect(byName(spans, 'chat claude').attributes['error.type']).toBe('TypeError');
    const text = await renderPrometheusMetrics();
    expect(
      promSample(text, 'troupe_step_duration_count', { troupe_outcome: 'error', error_type: 'TIMEOUT' }),
    ).toBe(1);
    expect(
      promSample(text, 'gen_ai_client_operation_duration_count', {
        gen_ai_request_model: 'claude',
        error_type: 'TypeError',
      }),
    ).toBe(1);
  });

  it('leaves prompt and completion text out by default', async () => {
    const t = setup();
    await runTask();
    const keys = (await t.spans()).flatMap((s) => Object.keys(s.attributes));
    for (const key of [
      'gen_ai.input.messages',
      'gen_ai.output.messages',
      'gen_ai.tool.call.arguments',
      'gen_ai.tool.call.result',
    ]) {
      expect(keys).not.toContain(key);
    }
  });

  it('records prompt and completion text with TROUPE_CAPTURE_CONTENT=true', async () => {
    expect(captureContentEnabled({})).toBe(false);
    expect(captureContentEnabled({ TROUPE_CAPTURE_CONTENT: 'true' })).toBe(true);
    expect(captureContentEnabled({ TROUPE_CAPTURE_CONTENT: 'false' })).toBe(false);

    const t = setup({ TROUPE_CAPTURE_CONTENT: 'true' });
    await runTask();
    const spans = await t.spans();
    const chat = byName(spans, 'chat gpt-4o-mini');
    expect(JSON.parse(chat.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', content: 'Why is the sky blue?' },
    ]);
    expect(JSON.parse(chat.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', content: 'Rayleigh scattering.' },
    ]);
    const tool = byName(spans, 'execute_tool web_search');
    expect(tool.attributes['gen_ai.tool.call.arguments']).toBe('{"q":"sky"}');
    expect(tool.attributes['gen_ai.tool.call.result']).toBe('{"hits":3}');
  });

  it('work without any SDK installed', async () => {
    expect(await runTask()).toBe('Rayleigh scattering.');
  });
});
