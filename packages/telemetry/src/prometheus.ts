import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { TelemetryError, TelemetryErrorCode } from './errors.js';

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

let reader: PrometheusExporter | undefined;
const serializer = new PrometheusSerializer();

/** A pull reader for Prometheus: it collects only when rendered, so it costs nothing between scrapes. */
export function createPrometheusReader(): PrometheusExporter {
  return new PrometheusExporter({ preventServerStart: true });
}

export function setPrometheusReader(next: PrometheusExporter | undefined): void {
  reader = next;
}

/**
 * The current metrics in the Prometheus text format, for an HTTP route of your own
 * (`reply.type(PROMETHEUS_CONTENT_TYPE).send(await renderPrometheusMetrics())`). Empty when
 * `initTelemetry` was not asked for Prometheus (`prometheus: {}` or a port).
 */
export async function renderPrometheusMetrics(): Promise<string> {
  if (!reader) return '';
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) diag.error('troupe telemetry: metric collection errors', ...errors);
  return serializer.serialize(resourceMetrics);
}

export interface MetricsServer {
  /** `http://host:port/metrics` once listening; rejects with METRICS_SERVER_FAILED (e.g. port taken). */
  readonly url: Promise<string>;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics`. Written here rather than using the exporter's own server because that one
 * turns port 0 into 9464 and reports a busy port only to the diag logger.
 */
export function startMetricsServer(options: { port: number; host?: string | undefined }): MetricsServer {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = 404;
      res.end();
      return;
    }
    renderPrometheusMetrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.statusCode = 500;
        res.end(`# failed to collect metrics: ${(err as Error).message}\n`);
      },
    );
  });
  server.unref();
  const host = options.host ?? '0.0.0.0';
  const url = new Promise<string>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new TelemetryError(
          TelemetryErrorCode.MetricsServerFailed,
          `cannot serve /metrics on ${host}:${options.port}: ${err.message}`,
          { cause: err, details: { host, port: options.port } },
        ),
      ),
    );
    server.listen(options.port, host, () => {
      const address = server.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}/metrics`);
    });
  });
  // Nobody has to await the address: a busy port must not become an unhandled rejection.
  url.catch((err: unknown) => diag.error('troupe telemetry: metrics server failed', err));
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
