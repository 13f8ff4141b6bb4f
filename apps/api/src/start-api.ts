import { connect, subjects, type Bus } from '@troupe/bus';
import { builtinWorkflows, type AnyWorkflow } from '@troupe/supervisor';
import { createLogger, initTelemetry, type Telemetry } from '@troupe/telemetry';
import type { FastifyInstance } from 'fastify';
import { isLoopback, loadApiKeys } from './auth/api-keys.js';
import { createApi } from './create-api.js';
import type { ApiLimits } from './options.js';
import { ApiError, ApiErrorCode } from './problem.js';

export interface StartApiOptions {
  /** Default `TROUPE_API_PORT`, else 8080. 0 picks a free port. */
  port?: number;
  /** Default `TROUPE_API_HOST`, else 127.0.0.1. */
  host?: string;
  /** A connected bus; default: `connect()` (NATS_URL and friends). The API then owns and closes it. */
  bus?: Bus;
  /** Default: the built-in workflows. */
  workflows?: readonly AnyWorkflow[];
  limits?: ApiLimits;
  /** Where variables are read; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningApi {
  readonly app: FastifyInstance;
  /** `http://host:port`. */
  readonly url: string;
  readonly bus: Bus;
  /** Stops listening (ending event streams), then flushes telemetry and closes the bus if the API opened it. */
  close(): Promise<void>;
}

const intFrom = (env: Readonly<Record<string, string | undefined>>, name: string): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ApiError(ApiErrorCode.InvalidOptions, `${name} must be a non-negative integer, not "${raw}"`);
  return n;
};

/**
 * Starts the API as a process would: keys from the environment, telemetry (OTLP per `OTEL_*`, Prometheus
 * on `/metrics`, the live span feed on the bus), the bus topology ensured, then listening. Without keys it
 * refuses to listen anywhere but on a loopback address.
 */
export async function startApi(options: StartApiOptions = {}): Promise<RunningApi> {
  const env = options.env ?? process.env;
  const host = options.host ?? env['TROUPE_API_HOST'] ?? '127.0.0.1';
  const port = options.port ?? intFrom(env, 'TROUPE_API_PORT') ?? 8080;
  const keys = loadApiKeys(env);
  if (keys.length === 0 && !isLoopback(host)) {
    throw new ApiError(
      ApiErrorCode.InvalidOptions,
      `no API keys configured (TROUPE_API_KEYS or TROUPE_API_KEYS_FILE): refusing to listen on ${host}. ` +
        'Bind to 127.0.0.1 for local use, or configure keys.',
    );
  }
  const logger = createLogger({ name: 'api', env });
  const bodyLimit = intFrom(env, 'TROUPE_API_BODY_LIMIT');
  const perKey = intFrom(env, 'TROUPE_API_RATE_LIMIT');
  const perTenant = intFrom(env, 'TROUPE_API_TENANT_RATE_LIMIT');
  const ownsBus = options.bus === undefined;
  const bus = options.bus ?? (await connect({ name: 'troupe-api', env }));
  let telemetry: Telemetry | undefined;
  try {
    telemetry = initTelemetry({
      serviceName: 'troupe-api',
      env,
      prometheus: {},
      spanFeed: { publish: (payload, traceId) => bus.publishRaw(subjects.spans(traceId), payload) },
    });
    await bus.prepareTopology();
    const app = createApi({
      bus,
      workflows: options.workflows ?? builtinWorkflows,
      keys,
      logger,
      ...(env['TROUPE_API_PUBLIC_URL'] ? { publicUrl: env['TROUPE_API_PUBLIC_URL'] } : {}),
      limits: {
        ...(bodyLimit !== undefined ? { bodyLimitBytes: bodyLimit } : {}),
        ...(perKey !== undefined ? { perKey: { max: perKey, windowMs: 60_000 } } : {}),
        ...(perTenant !== undefined ? { perTenant: { max: perTenant, windowMs: 60_000 } } : {}),
        ...options.limits,
      },
    });
    const address = await app.listen({ port, host });
    logger.info({ url: address, keys: keys.length, open: keys.length === 0 }, 'troupe api listening');
    let closing: Promise<void> | undefined;
    return {
      app,
      url: address,
      bus,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await telemetry?.shutdown().catch(() => undefined);
          if (ownsBus) await bus.close();
        })()),
    };
  } catch (err) {
    await telemetry?.shutdown().catch(() => undefined);
    if (ownsBus) await bus.close();
    throw err;
  }
}
