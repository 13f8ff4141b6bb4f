import { describe, expect, it } from 'vitest';
import { readTelemetryPlan } from './env-config.js';

describe('readTelemetryPlan', () => {
  it('exports nothing when nothing is configured', () => {
    const plan = readTelemetryPlan({});
    expect(plan.traces.otlp).toBeUndefined();
    expect(plan.metrics.otlp).toBeUndefined();
    expect(plan.metrics.prometheus).toBeUndefined();
    expect(plan.disabled).toBe(false);
    expect(plan.captureContent).toBe(false);
    expect(plan.warnings).toEqual([]);
  });

  it('exports OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT with the signal path appended', () => {
    const plan = readTelemetryPlan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,authorization=Basic%20abc',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
    });
    expect(plan.traces.otlp).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: { 'x-tenant': 'acme', authorization: 'Basic abc' },
      timeoutMillis: 2500,
    });
    expect(plan.metrics.otlp).toMatchObject({
      url: 'http://collector:4318/v1/metrics',
      intervalMillis: 5000,
      exportTimeoutMillis: 5000,
    });
  });

  it('uses a signal-specific endpoint as given, and honours OTEL_*_EXPORTER=none', () => {
    const plan = readTelemetryPlan({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom/traces',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    });
    expect(plan.traces.otlp?.url).toBe('http://tempo:4318/custom/traces');
    expect(plan.metrics.otlp).toBeUndefined();
    expect(
      readTelemetryPlan({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).traces
        .otlp,
    ).toBeUndefined();
  });

  it('exports to the default local collector only when an OTLP exporter is named', () => {
    expect(readTelemetryPlan({ OTEL_TRACES_EXPORTER: 'otlp' }).traces.otlp?.url).toBe(
      'http://localhost:4318/v1/traces',
    );
    expect(readTelemetryPlan({ OTEL_TRACES_EXPORTER: 'console' }).traces).toMatchObject({
      otlp: undefined,
      console: true,
    });
  });

  it('reads Prometheus, sampler, resource attributes, content capture and the kill switch', () => {
    const plan = readTelemetryPlan({
      TROUPE_PROMETHEUS_PORT: '9464',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=agents%20core',
      OTEL_SERVICE_NAME: 'from-env',
      TROUPE_CAPTURE_CONTENT: 'true',
      OTEL_SDK_DISABLED: 'true',
    });
    expect(plan.metrics.prometheus).toEqual({ port: 9464, host: undefined });
    expect(plan.sampler).toEqual({ kind: 'parentbased_traceidratio', ratio: 0.25 });
    expect(plan.resourceAttributes).toEqual({
      'deployment.environment.name': 'staging',
      team: 'agents core',
      'service.name': 'from-env',
    });
    expect(plan.captureContent).toBe(true);
    expect(plan.disabled).toBe(true);
    expect(readTelemetryPlan({ OTEL_METRICS_EXPORTER: 'prometheus' }).metrics.prometheus?.port).toBe(9464);
  });

  it('reports what it cannot use', () => {
    const plan = readTelemetryPlan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_EXPORTER: 'zipkin,otlp',
      OTEL_BSP_SCHEDULE_DELAY: '-5',
      TROUPE_PROMETHEUS_PORT: 'abc',
      OTEL_TRACES_SAMPLER: 'sometimes',
    });
    expect(plan.traces.otlp).toBeUndefined();
    expect(plan.warnings.join('\n')).toMatch(
      /OTEL_EXPORTER_OTLP_ENDPOINT="not a url\/v1\/traces" is not a URL/,
    );
    expect(plan.warnings.join('\n')).toMatch(/"zipkin" is not supported/);
    expect(plan.warnings.join('\n')).toMatch(/OTEL_BSP_SCHEDULE_DELAY="-5"/);
    expect(plan.warnings.join('\n')).toMatch(/TROUPE_PROMETHEUS_PORT="abc"/);
    expect(plan.warnings.join('\n')).toMatch(/OTEL_TRACES_SAMPLER="sometimes"/);
    const grpc = readTelemetryPlan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(grpc.warnings.join('\n')).toMatch(/"grpc" is not supported/);
  });
});
