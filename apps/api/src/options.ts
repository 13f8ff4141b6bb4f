import { Bus, systemClock, type Clock } from '@troupe/bus';
import { dashboardAssetsDir } from '@troupe/dashboard';
import type { AnyWorkflow } from '@troupe/supervisor';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { ApiKeyConfig } from './auth/api-keys.js';
import type { RateWindow } from './http/auth-hook.js';
import { ApiError, ApiErrorCode } from './problem.js';
import { PACKAGE_VERSION } from './version.js';

export interface ApiLimits {
  /** Largest request body, in bytes (default 1 MiB); larger → 413. */
  bodyLimitBytes?: number;
  /** Requests per API key per window (default 600 a minute). */
  perKey?: RateWindow;
  /** Requests per tenant per window, all its keys together (default 3000 a minute). */
  perTenant?: RateWindow;
  /** Requests with a missing or wrong key per client address (default 60 a minute). */
  unauthenticated?: RateWindow;
  /** Comment line sent on an idle event stream (default 15 s). */
  sseHeartbeatMs?: number;
  /** A blocking A2A `message/send` returns the task as it is after this long (default 5 min). */
  a2aBlockingTimeoutMs?: number;
}

export interface ApiOptions {
  bus: Bus;
  /** The workflows this API accepts (the supervisors must know them too). */
  workflows: readonly AnyWorkflow[];
  /** API keys; none → open mode: tenant `local`, every scope, loopback connections only. */
  keys?: readonly ApiKeyConfig[];
  clock?: Clock;
  /** A pino-compatible logger, `true` for Fastify's default, `false`/absent for none. */
  logger?: FastifyBaseLogger | boolean;
  limits?: ApiLimits;
  /** How clients reach the API (`https://troupe.example.com`), for the agent card; default: the request's host. */
  publicUrl?: string;
  /** The workflow an A2A message runs when its metadata names none (default `report`, else the first). */
  defaultA2AWorkflow?: string;
  /** Reported in the OpenAPI document and the agent card. */
  version?: string;
  /** The dashboard's built files, served at `/ui/`; null serves none. Default: `@troupe/dashboard`'s. */
  dashboardDir?: string | null;
}

export interface ResolvedApiOptions {
  bus: Bus;
  workflows: readonly AnyWorkflow[];
  keys: readonly ApiKeyConfig[];
  clock: Clock;
  logger: FastifyBaseLogger | boolean;
  limits: Required<ApiLimits>;
  publicUrl: string | undefined;
  defaultA2AWorkflow: string;
  version: string;
  dashboardDir: string | null;
}

const Window = z.object({
  max: z.number().int().positive('must be a positive integer'),
  windowMs: z.number().int().positive('must be a positive integer'),
});

const OptionsSchema = z.object({
  bus: z.instanceof(Bus, { message: 'must be a Bus from @troupe/bus connect()' }),
  workflows: z
    .array(
      z.custom<AnyWorkflow>(
        (v) => typeof v === 'object' && v !== null && 'name' in v && 'inputSchema' in v && 'steps' in v,
        'each entry must be a workflow from defineWorkflow()',
      ),
    )
    .min(1, 'needs at least one workflow'),
  keys: z.array(z.unknown()).optional(),
  clock: z
    .custom<Clock>(
      (v) => typeof v === 'object' && v !== null && 'now' in v && 'setTimeout' in v,
      'must be a Clock',
    )
    .optional(),
  logger: z
    .union([
      z.boolean(),
      z.custom<FastifyBaseLogger>((v) => typeof v === 'object' && v !== null && 'info' in v),
    ])
    .optional(),
  limits: z
    .object({
      bodyLimitBytes: z.number().int().positive().optional(),
      perKey: Window.optional(),
      perTenant: Window.optional(),
      unauthenticated: Window.optional(),
      sseHeartbeatMs: z.number().int().positive().optional(),
      a2aBlockingTimeoutMs: z.number().int().positive().optional(),
    })
    .strict()
    .optional(),
  publicUrl: z.url().optional(),
  defaultA2AWorkflow: z.string().optional(),
  version: z.string().optional(),
  dashboardDir: z.string().min(1).nullable().optional(),
});

export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      ApiErrorCode.InvalidOptions,
      `createApi: option "${issue?.path.map(String).join('.') ?? ''}" ${issue?.message ?? 'is invalid'}`,
      { cause: parsed.error },
    );
  }
  const names = new Set<string>();
  for (const wf of options.workflows) {
    if (names.has(wf.name))
      throw new ApiError(
        ApiErrorCode.InvalidOptions,
        `createApi: option "workflows" lists "${wf.name}" twice`,
      );
    names.add(wf.name);
  }
  const defaultA2AWorkflow =
    options.defaultA2AWorkflow ?? (names.has('report') ? 'report' : options.workflows[0]!.name);
  if (!names.has(defaultA2AWorkflow)) {
    throw new ApiError(
      ApiErrorCode.InvalidOptions,
      `createApi: option "defaultA2AWorkflow" names "${defaultA2AWorkflow}", which is not among the workflows`,
    );
  }
  const l = options.limits ?? {};
  return {
    bus: options.bus,
    workflows: options.workflows,
    keys: options.keys ?? [],
    clock: options.clock ?? systemClock,
    logger: options.logger ?? false,
    limits: {
      bodyLimitBytes: l.bodyLimitBytes ?? 1024 * 1024,
      perKey: l.perKey ?? { max: 600, windowMs: 60_000 },
      perTenant: l.perTenant ?? { max: 3_000, windowMs: 60_000 },
      unauthenticated: l.unauthenticated ?? { max: 60, windowMs: 60_000 },
      sseHeartbeatMs: l.sseHeartbeatMs ?? 15_000,
      a2aBlockingTimeoutMs: l.a2aBlockingTimeoutMs ?? 5 * 60_000,
    },
    publicUrl: options.publicUrl,
    defaultA2AWorkflow,
    version: options.version ?? PACKAGE_VERSION,
    dashboardDir: options.dashboardDir === undefined ? dashboardAssetsDir : options.dashboardDir,
  };
}
