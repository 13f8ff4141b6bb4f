import { parseKeyPairsIntoRecord } from '@opentelemetry/core';

/**
 * What the standard `OTEL_*` variables (and Troupe's own `TROUPE_*`) ask for, read from one env map.
 * Pure: `initTelemetry` builds the SDK pieces from this plan. (Compression and TLS files,
 * `OTEL_EXPORTER_OTLP_*_COMPRESSION|CERTIFICATE|CLIENT_*`, are read by the OTLP exporters themselves.)
 *
 * One deliberate departure from the OpenTelemetry defaults: when no endpoint and no exporter is named,
 * nothing is exported (the spec would export to localhost:4318), so an unconfigured process pays nothing.
 */
export interface OtlpTarget {
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number | undefined;
}

export type SamplerPlan =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

export interface TelemetryPlan {
  disabled: boolean;
  traces: {
    otlp: OtlpTarget | undefined;
    console: boolean;
    batch: {
      maxQueueSize: number | undefined;
      scheduledDelayMillis: number | undefined;
      exportTimeoutMillis: number | undefined;
      maxExportBatchSize: number | undefined;
    };
  };
  metrics: {
    otlp: (OtlpTarget & { intervalMillis: number; exportTimeoutMillis: number }) | undefined;
    console: boolean;
    /** Serve `/metrics` on this port (from `TROUPE_PROMETHEUS_PORT` or `OTEL_METRICS_EXPORTER=prometheus`). */
    prometheus: { port: number; host: string | undefined } | undefined;
  };
  sampler: SamplerPlan | undefined;
  /** `OTEL_RESOURCE_ATTRIBUTES`, then `OTEL_SERVICE_NAME`. */
  resourceAttributes: Record<string, string>;
  logLevel: string | undefined;
  captureContent: boolean;
  /** Problems found in the variables: reported through the OpenTelemetry diag logger. */
  warnings: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function list(env: Env, name: string): string[] | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  return [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

function bool(env: Env, name: string): boolean {
  const v = str(env, name)?.toLowerCase();
  return v === 'true' || v === '1';
}

function positive(env: Env, name: string, warnings: string[]): number | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    warnings.push(`${name}="${v}" is not a positive number; using the default`);
    return undefined;
  }
  return n;
}

function port(env: Env, name: string, warnings: string[]): number | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    warnings.push(`${name}="${v}" is not a TCP port; ignored`);
    return undefined;
  }
  return n;
}

function appendPath(base: string, path: string): string {
  return base.endsWith('/') ? `${base}${path}` : `${base}/${path}`;
}

function validUrl(url: string, name: string, warnings: string[]): string | undefined {
  try {
    return new URL(url).toString();
  } catch {
    warnings.push(`${name}="${url}" is not a URL; not exporting`);
    return undefined;
  }
}

function otlpTarget(
  env: Env,
  signal: 'TRACES' | 'METRICS',
  path: string,
  forced: boolean,
  warnings: string[],
): OtlpTarget | undefined {
  const specific = str(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
  const general = str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let url: string | undefined;
  if (specific !== undefined) url = validUrl(specific, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`, warnings);
  else if (general !== undefined)
    url = validUrl(appendPath(general, path), 'OTEL_EXPORTER_OTLP_ENDPOINT', warnings);
  else if (forced) url = `http://localhost:4318/${path}`;
  if (url === undefined) return undefined;

  const protocol =
    str(env, `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? str(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol === 'grpc') {
    warnings.push(`OTLP protocol "grpc" is not supported by Troupe; sending OTLP/HTTP (JSON) to ${url}`);
  }
  return {
    url,
    headers: {
      ...parseKeyPairsIntoRecord(str(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
      ...parseKeyPairsIntoRecord(str(env, `OTEL_EXPORTER_OTLP_${signal}_HEADERS`)),
    },
    timeoutMillis:
      positive(env, `OTEL_EXPORTER_OTLP_${signal}_TIMEOUT`, warnings) ??
      positive(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', warnings),
  };
}

function samplerPlan(env: Env, warnings: string[]): SamplerPlan | undefined {
  const name = str(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase();
  if (name === undefined) return undefined;
  switch (name) {
    case 'always_on':
    case 'always_off':
    case 'parentbased_always_on':
    case 'parentbased_always_off':
      return { kind: name };
    case 'traceidratio':
    case 'parentbased_traceidratio': {
      const raw = str(env, 'OTEL_TRACES_SAMPLER_ARG');
      const ratio = raw === undefined ? 1 : Number(raw);
      if (!(ratio >= 0 && ratio <= 1)) {
        warnings.push(`OTEL_TRACES_SAMPLER_ARG="${raw}" is not in [0, 1]; using 1`);
        return { kind: name, ratio: 1 };
      }
      return { kind: name, ratio };
    }
    default:
      warnings.push(`OTEL_TRACES_SAMPLER="${name}" is not supported; using parentbased_always_on`);
      return undefined;
  }
}

function resourceAttributes(env: Env): Record<string, string> {
  const attrs: Record<string, string> = {};
  // Values are percent-encoded (W3C baggage octets); parseKeyPairsIntoRecord decodes them.
  Object.assign(attrs, parseKeyPairsIntoRecord(str(env, 'OTEL_RESOURCE_ATTRIBUTES')));
  const serviceName = str(env, 'OTEL_SERVICE_NAME');
  if (serviceName !== undefined) attrs['service.name'] = serviceName;
  return attrs;
}

/** `TROUPE_CAPTURE_CONTENT=true` opts in to prompt and completion text on spans. */
export function captureContentEnabled(env: Env = process.env): boolean {
  return bool(env, 'TROUPE_CAPTURE_CONTENT');
}

export function readTelemetryPlan(env: Env): TelemetryPlan {
  const warnings: string[] = [];
  const traceExporters = list(env, 'OTEL_TRACES_EXPORTER') ?? [];
  const metricExporters = list(env, 'OTEL_METRICS_EXPORTER') ?? [];
  const tracesOff = traceExporters.includes('none');
  const metricsOff = metricExporters.includes('none');
  for (const name of traceExporters) {
    if (!['otlp', 'console', 'none'].includes(name))
      warnings.push(`OTEL_TRACES_EXPORTER "${name}" is not supported; ignored`);
  }
  for (const name of metricExporters) {
    if (!['otlp', 'console', 'prometheus', 'none'].includes(name)) {
      warnings.push(`OTEL_METRICS_EXPORTER "${name}" is not supported; ignored`);
    }
  }
  const tracesOtlpWanted = traceExporters.length === 0 || traceExporters.includes('otlp');
  const metricsOtlpWanted = metricExporters.length === 0 || metricExporters.includes('otlp');

  const metricsOtlp =
    !metricsOff && metricsOtlpWanted
      ? otlpTarget(env, 'METRICS', 'v1/metrics', metricExporters.includes('otlp'), warnings)
      : undefined;
  const intervalMillis = positive(env, 'OTEL_METRIC_EXPORT_INTERVAL', warnings) ?? 60_000;
  const exportTimeoutMillis = Math.min(
    positive(env, 'OTEL_METRIC_EXPORT_TIMEOUT', warnings) ?? 30_000,
    intervalMillis,
  );

  const troupePort = port(env, 'TROUPE_PROMETHEUS_PORT', warnings);
  const otelPrometheus = !metricsOff && metricExporters.includes('prometheus');
  const prometheusPort =
    troupePort ??
    (otelPrometheus ? (port(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', warnings) ?? 9464) : undefined);
  const prometheusHost = str(env, 'TROUPE_PROMETHEUS_HOST') ?? str(env, 'OTEL_EXPORTER_PROMETHEUS_HOST');

  return {
    disabled: bool(env, 'OTEL_SDK_DISABLED'),
    traces: {
      otlp:
        !tracesOff && tracesOtlpWanted
          ? otlpTarget(env, 'TRACES', 'v1/traces', traceExporters.includes('otlp'), warnings)
          : undefined,
      console: !tracesOff && traceExporters.includes('console'),
      batch: {
        maxQueueSize: positive(env, 'OTEL_BSP_MAX_QUEUE_SIZE', warnings),
        scheduledDelayMillis: positive(env, 'OTEL_BSP_SCHEDULE_DELAY', warnings),
        exportTimeoutMillis: positive(env, 'OTEL_BSP_EXPORT_TIMEOUT', warnings),
        maxExportBatchSize: positive(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', warnings),
      },
    },
    metrics: {
      otlp: metricsOtlp ? { ...metricsOtlp, intervalMillis, exportTimeoutMillis } : undefined,
      console: !metricsOff && metricExporters.includes('console'),
      prometheus: prometheusPort === undefined ? undefined : { port: prometheusPort, host: prometheusHost },
    },
    sampler: samplerPlan(env, warnings),
    resourceAttributes: resourceAttributes(env),
    logLevel: str(env, 'OTEL_LOG_LEVEL'),
    captureContent: captureContentEnabled(env),
    warnings,
  };
}
