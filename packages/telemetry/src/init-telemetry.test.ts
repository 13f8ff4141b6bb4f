import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { traceHooks, type HeaderCarrier } from '@troupe/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { troupeMetrics } from './metrics.js';
import { renderPrometheusMetrics } from './prometheus.js';
import { withAgentSpan, withChatSpan } from './span-helpers.js';
import { startOtlpReceiver } from './test-support/otlp-receiver.js';
import { promSample } from './test-support/prometheus-text.js';

function mapCarrier(init: Record<string, string> = {}): HeaderCarrier & { map: Map<string, string> } {
  const map = new Map(Object.entries(init));
  return { map, get: (k) => map.get(k), set: (k, v) => void map.set(k, v), keys: () => [...map.keys()] };
}

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe('initTelemetry', () => {
  it('exports spans and metrics with the real OTLP/HTTP exporters to a receiver', async () => {
    await using receiver = await startOtlpReceiver();
    telemetry = initTelemetry({
      serviceName: 'troupe-agent',
      role: 'researcher',
      instanceId: 'agent-7',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    expect(telemetry.exporters).toEqual({ traces: ['otlp'], metrics: ['otlp'] });

    await withAgentSpan(
      { role: 'researcher', agentId: 'agent-7', taskId: 't1', stepId: 'research', attempt: 1 },
      () =>
        withChatSpan({ provider: 'offline', model: 'offline-small', taskId: 't1' }, (chat) => {
          chat.setResponse({ model: 'offline-small-1', inputTokens: 12, outputTokens: 34, costUsd: 0.002 });
        }),
    );
    troupeMetrics().taskStarted({ workflow: 'report' });
    await telemetry.forceFlush();

    const spans = await receiver.waitForSpans((s) => s.length >= 2);
    const trace = receiver.requests.find((r) => r.path === '/v1/traces');
    expect(trace?.contentType).toContain('application/json');
    const agent = spans.find((s) => s.name === 'invoke_agent researcher');
    const chat = spans.find((s) => s.name === 'chat offline-small');
    expect(agent?.resource).toMatchObject({
      'service.name': 'troupe-agent',
      'service.instance.id': 'agent-7',
      'troupe.agent.role': 'researcher',
      'host.name': expect.any(String),
    });
    expect(chat?.parentSpanId).toBe(agent?.spanId);
    expect(chat?.traceId).toBe(agent?.traceId);
    expect(chat?.kind).toBe(SpanKind.CLIENT + 1); // OTLP numbers kinds from 1 (INTERNAL)
    expect(chat?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.response.model': 'offline-small-1',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 34,
      'troupe.cost.usd': 0.002,
    });

    const metricsJson = JSON.stringify(receiver.metrics());
    expect(metricsJson).toContain('troupe.tasks.started');
    expect(metricsJson).toContain('gen_ai.client.token.usage');
    expect(metricsJson).toContain('troupe.step.duration');
    // Shut down while the receiver still listens: the final metric export would otherwise retry.
    await telemetry.shutdown();
  });

  it('installs no exporter and records nothing when nothing is configured, but passes trace context through', async () => {
    telemetry = initTelemetry({ serviceName: 'quiet', env: {} });
    expect(telemetry.exporters).toEqual({ traces: [], metrics: [] });
    let recording = true;
    await withAgentSpan({ role: 'r', agentId: 'a', taskId: 't', stepId: 's', attempt: 1 }, (span) => {
      recording = span.isRecording();
    });
    expect(recording).toBe(false);

    const incoming = mapCarrier({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const outgoing = mapCarrier();
    await traceHooks().runWithExtracted(incoming, () =>
      withAgentSpan({ role: 'r', agentId: 'a', taskId: 't', stepId: 's', attempt: 1 }, async () => {
        traceHooks().inject(outgoing);
      }),
    );
    expect(outgoing.map.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('installs bus trace hooks that inject W3C headers and continue the trace on receipt', async () => {
    const exporter = new InMemorySpanExporter();
    telemetry = initTelemetry({
      serviceName: 'hooks',
      env: {},
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const carrier = mapCarrier();
    await withAgentSpan({ role: 'drafter', agentId: 'd1', taskId: 't9', stepId: 'draft', attempt: 2 }, () => {
      traceHooks().inject(carrier);
    });
    expect(carrier.map.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // A subscription started inside some span must not parent the messages it receives.
    const unrelated = telemetry.tracer.startSpan('unrelated');
    await context.with(trace.setSpan(ROOT_CONTEXT, unrelated), () =>
      traceHooks().runWithExtracted(carrier, () =>
        withChatSpan({ provider: 'offline', model: 'm' }, () => undefined),
      ),
    );
    unrelated.end();
    await telemetry.forceFlush();
    const spans = exporter.getFinishedSpans();
    const agent = spans.find((s) => s.name === 'invoke_agent drafter');
    const chat = spans.find((s) => s.name === 'chat m');
    expect(chat?.spanContext().traceId).toBe(agent?.spanContext().traceId);
    expect(chat?.parentSpanContext?.spanId).toBe(agent?.spanContext().spanId);
    expect(chat?.parentSpanContext?.isRemote).toBe(true);
  });

  it('is idempotent while active and starts afresh after shutdown', async () => {
    const first = initTelemetry({ serviceName: 'one', env: {} });
    expect(initTelemetry({ serviceName: 'one', env: {} })).toBe(first);
    await first.shutdown();
    telemetry = initTelemetry({ serviceName: 'two', env: {} });
    expect(telemetry).not.toBe(first);
    expect(telemetry.serviceName).toBe('two');
  });

  it('does nothing at all when OTEL_SDK_DISABLED=true', async () => {
    const exporter = new InMemorySpanExporter();
    telemetry = initTelemetry({
      serviceName: 'off',
      env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    expect(telemetry.enabled).toBe(false);
    await withAgentSpan({ role: 'r', agentId: 'a', taskId: 't', stepId: 's', attempt: 1 }, () => {
      const carrier = mapCarrier();
      traceHooks().inject(carrier);
      expect(carrier.map.size).toBe(0);
    });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('serves Prometheus /metrics on a port and renders the same text in-process', async () => {
    telemetry = initTelemetry({ serviceName: 'api', env: {}, prometheus: { port: 0, host: '127.0.0.1' } });
    let observed = 0;
    const stop = troupeMetrics().observeWorkQueueDepth((report) => {
      observed += 1;
      report('researcher', 5);
      report('analyst', 2);
    });
    troupeMetrics().taskStarted({ workflow: 'report' });
    troupeMetrics().taskFailed({ workflow: 'report', errorType: 'TIMEOUT' });
    troupeMetrics().cost(0.25, { provider: 'openai', model: 'gpt-4o-mini' });

    const url = await telemetry.metricsEndpoint;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url!);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(promSample(text, 'troupe_tasks_started_total', { gen_ai_workflow_name: 'report' })).toBe(1);
    expect(
      promSample(text, 'troupe_tasks_failed_total', {
        gen_ai_workflow_name: 'report',
        error_type: 'TIMEOUT',
      }),
    ).toBe(1);
    expect(promSample(text, 'troupe_workqueue_depth', { troupe_agent_role: 'researcher' })).toBe(5);
    expect(promSample(text, 'troupe_workqueue_depth', { troupe_agent_role: 'analyst' })).toBe(2);
    expect(promSample(text, 'troupe_cost_usd_total', { gen_ai_request_model: 'gpt-4o-mini' })).toBe(0.25);
    expect(await renderPrometheusMetrics()).toContain('troupe_workqueue_depth');
    expect(observed).toBe(2);
    stop();
    await renderPrometheusMetrics();
    expect(observed).toBe(2);
  });

  it('takes the Prometheus port from TROUPE_PROMETHEUS_PORT and renders nothing without Prometheus', async () => {
    expect(await renderPrometheusMetrics()).toBe('');
    telemetry = initTelemetry({
      serviceName: 'agent',
      env: { TROUPE_PROMETHEUS_PORT: '0', TROUPE_PROMETHEUS_HOST: '127.0.0.1' },
    });
    expect(telemetry.exporters.metrics).toEqual(['prometheus']);
    const res = await fetch((await telemetry.metricsEndpoint)!);
    expect(res.status).toBe(200);
    expect(
      await fetch((await telemetry.metricsEndpoint)!.replace('/metrics', '/other')).then((r) => r.status),
    ).toBe(404);
  });

  it('names the option at fault', () => {
    expect(() => initTelemetry({ serviceName: '' })).toThrow(/initTelemetry: option "serviceName"/);
    expect(() => initTelemetry({ serviceName: 's', prometheus: { port: 70_000 } })).toThrow(
      /option "prometheus/,
    );
  });
});
