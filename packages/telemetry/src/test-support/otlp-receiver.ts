import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON request carried it, flattened for assertions. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface OtlpReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: what OTEL_EXPORTER_OTLP_ENDPOINT takes. */
  readonly endpoint: string;
  /** Every request received, by path. */
  readonly requests: Array<{ path: string; contentType: string; body: Buffer }>;
  spans(): ReceivedSpan[];
  /** JSON bodies posted to /v1/metrics. */
  metrics(): unknown[];
  /** Resolves once `predicate` holds for the spans received (re-checked on every request). */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attributes(list: Array<{ key: string; value?: AnyValue }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = value(a.value);
  return out;
}

interface TraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: AnyValue }> };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        status?: { code?: number; message?: string };
        attributes?: Array<{ key: string; value?: AnyValue }>;
      }>;
    }>;
  }>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A minimal OTLP/HTTP collector on 127.0.0.1, port 0: records what the real exporters send. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpReceiver['requests'] = [];
  const received: ReceivedSpan[] = [];
  const metricBodies: unknown[] = [];
  const listeners = new Set<() => void>();

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '/';
      const contentType = req.headers['content-type'] ?? '';
      requests.push({ path, contentType, body });
      if (contentType.includes('json')) {
        const json = JSON.parse(body.toString('utf8')) as unknown;
        if (path === '/v1/traces') {
          for (const rs of (json as TraceRequest).resourceSpans ?? []) {
            const resource = attributes(rs.resource?.attributes);
            for (const ss of rs.scopeSpans ?? []) {
              for (const s of ss.spans ?? []) {
                received.push({
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId || undefined,
                  name: s.name,
                  kind: s.kind,
                  status: s.status ?? {},
                  attributes: attributes(s.attributes),
                  resource,
                });
              }
            }
          }
        } else if (path === '/v1/metrics') {
          metricBodies.push(json);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      for (const l of [...listeners]) l();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    spans: () => [...received],
    metrics: () => [...metricBodies],
    waitForSpans(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve([...received]);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `OTLP receiver: condition not met within ${timeoutMs} ms; spans: ${received.map((s) => s.name).join(', ')}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
