import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  DiagConsoleLogger,
  context,
  diag,
  metrics,
  propagation,
  trace,
  type Meter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  diagLogLevelFromString,
} from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { setTraceHooks } from '@troupe/bus';
import { z } from 'zod';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION, ResourceAttr } from './attributes.js';
import { createBusTraceHooks } from './bus-trace-hooks.js';
import { setContentCapture } from './content-capture.js';
import { readTelemetryPlan, type OtlpTarget, type SamplerPlan } from './env-config.js';
import { troupeMetrics } from './metrics.js';
import {
  createPrometheusReader,
  setPrometheusReader,
  startMetricsServer,
  type MetricsServer,
} from './prometheus.js';
import { createSpanFeedProcessor, type SpanFeedOptions, type SpanFeedProcessor } from './span-feed.js';
import { parseOptions } from './validate.js';

export interface TelemetryOptions {
  /** `service.name`, e.g. `troupe-agent`, `troupe-supervisor`, `troupe-api`. */
  serviceName: string;
  serviceVersion?: string;
  /** The agent role this process serves (`troupe.agent.role`). */
  role?: string;
  /** `service.instance.id`; a random UUID when absent. */
  instanceId?: string;
  /** Where `OTEL_*` and `TROUPE_*` variables are read; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Stream finished spans to the live dashboard (see `createSpanFeedProcessor`). */
  spanFeed?: SpanFeedOptions;
  /**
   * Prometheus metrics. `{ port }` serves `GET /metrics` on that port (0 picks one, see
   * `metricsEndpoint`); `{}` only enables `renderPrometheusMetrics()` for a route of your own;
   * `false` turns Prometheus off even when `TROUPE_PROMETHEUS_PORT` is set.
   */
  prometheus?: { port?: number; host?: string } | false;
  /** Overrides `TROUPE_CAPTURE_CONTENT`. */
  captureContent?: boolean;
  /** Extra span processors (tests, custom exporters), next to the ones the environment asks for. */
  spanProcessors?: SpanProcessor[];
  /** Extra metric readers, next to the ones the environment asks for. */
  metricReaders?: IMetricReader[];
}

export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly serviceName: string;
  readonly instanceId: string;
  /** False when `OTEL_SDK_DISABLED=true`: nothing was installed. */
  readonly enabled: boolean;
  /** What is installed: `otlp`, `console`, `span-feed`, `custom` for traces; `otlp`, `console`, `prometheus`, `custom` for metrics. */
  readonly exporters: { readonly traces: readonly string[]; readonly metrics: readonly string[] };
  readonly spanFeed: SpanFeedProcessor | undefined;
  /** Address of the `/metrics` endpoint once it listens; undefined when not serving. Rejects if it cannot listen. */
  readonly metricsEndpoint: Promise<string | undefined>;
  /** Exports every finished span and the current metrics now. */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporters and servers, and uninstalls globals and bus hooks; a later init starts afresh. */
  shutdown(): Promise<void>;
}

const OptionsSchema = z.object({
  serviceName: z.string().min(1),
  serviceVersion: z.string().min(1).optional(),
  role: z.string().min(1).optional(),
  instanceId: z.string().min(1).optional(),
  // process.env is not a plain object, so z.record() refuses it.
  env: z
    .custom<Readonly<Record<string, string | undefined>>>(
      (v) => typeof v === 'object' && v !== null,
      'expected an object of strings',
    )
    .optional(),
  spanFeed: z
    .object({
      publish: z.custom<SpanFeedOptions['publish']>((v) => typeof v === 'function', 'must be a function'),
    })
    .loose()
    .optional(),
  prometheus: z
    .union([
      z.literal(false),
      z.object({ port: z.number().int().min(0).max(65_535).optional(), host: z.string().min(1).optional() }),
    ])
    .optional(),
  captureContent: z.boolean().optional(),
  spanProcessors: z
    .array(z.custom<SpanProcessor>((v) => typeof v === 'object' && v !== null && 'onEnd' in v))
    .optional(),
  metricReaders: z
    .array(z.custom<IMetricReader>((v) => typeof v === 'object' && v !== null && 'collect' in v))
    .optional(),
});

let active: Telemetry | undefined;

function sampler(plan: SamplerPlan | undefined): Sampler | undefined {
  if (plan === undefined) return undefined;
  switch (plan.kind) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(plan.ratio);
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(plan.ratio) });
  }
}

const exporterConfig = (t: OtlpTarget) => ({
  url: t.url,
  headers: t.headers,
  ...(t.timeoutMillis !== undefined ? { timeoutMillis: t.timeoutMillis } : {}),
});

/**
 * Sets up OpenTelemetry for this process: a tracer provider and a meter provider configured by the
 * standard `OTEL_*` variables, W3C trace-context propagation (also installed as the bus trace hooks),
 * resource attributes `service.name`, `service.instance.id`, `host.name`, `process.pid`, `troupe.agent.role`.
 * No auto-instrumentation is loaded. With nothing configured no exporter runs and spans are not
 * recorded; propagation still carries incoming trace context through.
 *
 * Idempotent: while a setup is active, later calls return it unchanged.
 */
export function initTelemetry(options: TelemetryOptions): Telemetry {
  const o = parseOptions('initTelemetry', OptionsSchema, options);
  if (active) {
    if (active.serviceName !== o.serviceName) {
      diag.warn(`initTelemetry: already initialised as "${active.serviceName}"; ignoring "${o.serviceName}"`);
    }
    return active;
  }
  const plan = readTelemetryPlan(o.env ?? process.env);
  if (plan.logLevel !== undefined) {
    diag.setLogger(new DiagConsoleLogger(), {
      logLevel: diagLogLevelFromString(plan.logLevel),
      suppressOverrideMessage: true,
    });
  }
  for (const warning of plan.warnings) process.emitWarning(warning, { code: 'TROUPE_TELEMETRY_CONFIG' });
  const instanceId = o.instanceId ?? randomUUID();

  if (plan.disabled) {
    const disabled: Telemetry = {
      tracer: trace.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION),
      meter: metrics.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION),
      serviceName: o.serviceName,
      instanceId,
      enabled: false,
      exporters: { traces: [], metrics: [] },
      spanFeed: undefined,
      metricsEndpoint: Promise.resolve(undefined),
      forceFlush: async () => undefined,
      shutdown: async () => {
        if (active === disabled) active = undefined;
      },
    };
    active = disabled;
    return disabled;
  }

  const resource = defaultResource()
    .merge(resourceFromAttributes(plan.resourceAttributes))
    .merge(
      resourceFromAttributes({
        [ResourceAttr.ServiceName]: o.serviceName,
        [ResourceAttr.ServiceInstanceId]: instanceId,
        [ResourceAttr.HostName]: hostname(),
        [ResourceAttr.ProcessPid]: process.pid,
        ...(o.serviceVersion !== undefined ? { 'service.version': o.serviceVersion } : {}),
        ...(o.role !== undefined ? { [ResourceAttr.AgentRole]: o.role } : {}),
      }),
    );

  // ---- traces ----
  const traceExporters: string[] = [];
  const spanProcessors: SpanProcessor[] = [];
  let spanFeed: SpanFeedProcessor | undefined;
  if (options.spanFeed) {
    spanFeed = createSpanFeedProcessor(options.spanFeed);
    spanProcessors.push(spanFeed);
    traceExporters.push('span-feed');
  }
  if (plan.traces.otlp) {
    const b = plan.traces.batch;
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(exporterConfig(plan.traces.otlp)),
        ...(b.maxQueueSize !== undefined ? { maxQueueSize: b.maxQueueSize } : {}),
        ...(b.scheduledDelayMillis !== undefined ? { scheduledDelayMillis: b.scheduledDelayMillis } : {}),
        ...(b.exportTimeoutMillis !== undefined ? { exportTimeoutMillis: b.exportTimeoutMillis } : {}),
        ...(b.maxExportBatchSize !== undefined ? { maxExportBatchSize: b.maxExportBatchSize } : {}),
      }),
    );
    traceExporters.push('otlp');
  }
  if (plan.traces.console) {
    spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    traceExporters.push('console');
  }
  if (o.spanProcessors?.length) {
    spanProcessors.push(...o.spanProcessors);
    traceExporters.push('custom');
  }

  // ---- metrics ----
  const metricExporters: string[] = [];
  const readers: IMetricReader[] = [];
  if (plan.metrics.otlp) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(exporterConfig(plan.metrics.otlp)),
        exportIntervalMillis: plan.metrics.otlp.intervalMillis,
        exportTimeoutMillis: plan.metrics.otlp.exportTimeoutMillis,
      }),
    );
    metricExporters.push('otlp');
  }
  if (plan.metrics.console) {
    readers.push(new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() }));
    metricExporters.push('console');
  }
  const prometheusWanted =
    o.prometheus !== false && (o.prometheus !== undefined || plan.metrics.prometheus !== undefined);
  const prometheusPort = o.prometheus
    ? (o.prometheus.port ?? plan.metrics.prometheus?.port)
    : plan.metrics.prometheus?.port;
  const prometheusHost = (o.prometheus ? o.prometheus.host : undefined) ?? plan.metrics.prometheus?.host;
  const prometheusReader = prometheusWanted ? createPrometheusReader() : undefined;
  if (prometheusReader) {
    readers.push(prometheusReader);
    metricExporters.push('prometheus');
  }
  if (o.metricReaders?.length) {
    readers.push(...o.metricReaders);
    metricExporters.push('custom');
  }

  // ---- globals ----
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const ownsContext = context.setGlobalContextManager(contextManager);
  const ownsPropagator = propagation.setGlobalPropagator(
    // W3C trace context is what the bus carries between processes; baggage rides along.
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );

  let tracerProvider: TracerProvider | undefined;
  let ownsTracer = false;
  if (spanProcessors.length > 0) {
    const chosen = sampler(plan.sampler);
    tracerProvider = new TracerProvider({ resource, spanProcessors, ...(chosen ? { sampler: chosen } : {}) });
    ownsTracer = trace.setGlobalTracerProvider(tracerProvider);
  }

  let meterProvider: MeterProvider | undefined;
  let ownsMeter = false;
  if (readers.length > 0) {
    meterProvider = new MeterProvider({ resource, readers });
    ownsMeter = metrics.setGlobalMeterProvider(meterProvider);
  }
  if (!ownsContext || !ownsPropagator || (tracerProvider && !ownsTracer) || (meterProvider && !ownsMeter)) {
    process.emitWarning('another OpenTelemetry SDK is already registered in this process; Troupe keeps it', {
      code: 'TROUPE_TELEMETRY_CONFLICT',
    });
  }
  if (prometheusReader && ownsMeter) setPrometheusReader(prometheusReader);
  let metricsServer: MetricsServer | undefined;
  if (prometheusReader && ownsMeter && prometheusPort !== undefined) {
    metricsServer = startMetricsServer({ port: prometheusPort, host: prometheusHost });
  }

  setTraceHooks(createBusTraceHooks());
  setContentCapture(o.captureContent ?? plan.captureContent);
  troupeMetrics(); // builds the instruments on the new provider, so registered gauge callbacks report

  const handle: Telemetry = {
    tracer: (tracerProvider ?? trace.getTracerProvider()).getTracer(
      INSTRUMENTATION_SCOPE,
      INSTRUMENTATION_VERSION,
    ),
    meter: (meterProvider ?? metrics.getMeterProvider()).getMeter(
      INSTRUMENTATION_SCOPE,
      INSTRUMENTATION_VERSION,
    ),
    serviceName: o.serviceName,
    instanceId,
    enabled: true,
    exporters: { traces: traceExporters, metrics: metricExporters },
    spanFeed,
    metricsEndpoint: metricsServer ? metricsServer.url : Promise.resolve(undefined),
    async forceFlush() {
      await Promise.all([tracerProvider?.forceFlush(), meterProvider?.forceFlush()]);
    },
    async shutdown() {
      if (active !== handle) return;
      active = undefined;
      setTraceHooks(undefined);
      setContentCapture(undefined);
      if (prometheusReader && ownsMeter) setPrometheusReader(undefined);
      const results = await Promise.allSettled([
        tracerProvider?.shutdown(),
        meterProvider?.shutdown(),
        metricsServer?.close(),
      ]);
      if (ownsTracer) trace.disable();
      if (ownsMeter) metrics.disable();
      if (ownsPropagator) propagation.disable();
      if (ownsContext) context.disable();
      for (const r of results)
        if (r.status === 'rejected') diag.error('troupe telemetry: shutdown failed', r.reason);
    },
  };
  active = handle;
  return handle;
}
