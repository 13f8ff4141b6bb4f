import { TroupeError } from '@troupe/bus';

export const ModelErrorCode = {
  RateLimited: 'RATE_LIMITED',
  ServerError: 'SERVER_ERROR',
  BadRequest: 'BAD_REQUEST',
  Auth: 'AUTH',
  Timeout: 'TIMEOUT',
  Aborted: 'ABORTED',
  Unavailable: 'UNAVAILABLE',
  /** A provider, model reference or price option is wrong; the message names it. */
  InvalidOptions: 'INVALID_OPTIONS',
} as const;
export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

const RETRYABLE: ReadonlySet<ModelErrorCode> = new Set<ModelErrorCode>([
  ModelErrorCode.RateLimited,
  ModelErrorCode.ServerError,
  ModelErrorCode.Timeout,
  ModelErrorCode.Unavailable,
]);

export interface ModelErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  provider?: string;
  model?: string;
  status?: number;
}

/** A failed model call, whatever the provider: a closed code, whether trying again may help, and the SDK error as cause. */
export class ModelError extends TroupeError<ModelErrorCode> {
  readonly retryable: boolean;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly status: number | undefined;

  constructor(code: ModelErrorCode, message: string, options: ModelErrorOptions = {}) {
    const details = {
      ...options.details,
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.status !== undefined ? { status: options.status } : {}),
    };
    super(code, message, {
      cause: options.cause,
      details: Object.keys(details).length ? details : undefined,
    });
    this.name = 'ModelError';
    this.retryable = RETRYABLE.has(code);
    this.provider = options.provider;
    this.model = options.model;
    this.status = options.status;
  }
}

export function isModelError(err: unknown, code?: ModelErrorCode): err is ModelError {
  return err instanceof ModelError && (code === undefined || err.code === code);
}

/** The error code for an HTTP status from a model API. */
export function codeForStatus(status: number): ModelErrorCode {
  if (status === 429) return ModelErrorCode.RateLimited;
  if (status === 401 || status === 403) return ModelErrorCode.Auth;
  if (status === 408) return ModelErrorCode.Timeout;
  if (status === 409) return ModelErrorCode.Unavailable;
  if (status >= 500) return ModelErrorCode.ServerError;
  return ModelErrorCode.BadRequest;
}

function errorName(err: unknown): string {
  if (!(err instanceof Error)) return '';
  return err.constructor?.name && err.constructor.name !== 'Error' ? err.constructor.name : err.name;
}

/**
 * Normalise whatever a provider SDK threw (the `openai` and `@anthropic-ai/sdk` errors share one shape: `status`,
 * `APIUserAbortError`, `APIConnectionTimeoutError`, `APIConnectionError`) into a `ModelError`.
 */
export function toModelError(
  err: unknown,
  context: { provider: string; model?: string; signal?: AbortSignal },
): ModelError {
  if (err instanceof ModelError) return err;
  const base = { cause: err, provider: context.provider, model: context.model };
  const name = errorName(err);
  const message = err instanceof Error ? err.message : String(err);
  if (context.signal?.aborted || name === 'APIUserAbortError' || name === 'AbortError') {
    return new ModelError(ModelErrorCode.Aborted, `${context.provider} call aborted`, base);
  }
  if (name === 'APIConnectionTimeoutError' || name === 'TimeoutError') {
    return new ModelError(ModelErrorCode.Timeout, `${context.provider} call timed out: ${message}`, base);
  }
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    return new ModelError(codeForStatus(status), `${context.provider} answered ${status}: ${message}`, {
      ...base,
      status,
    });
  }
  if (
    name === 'APIConnectionError' ||
    /ECONNREFUSED|ECONNRESET|ENOTFOUND|fetch failed|socket/i.test(message)
  ) {
    return new ModelError(ModelErrorCode.Unavailable, `${context.provider} unreachable: ${message}`, base);
  }
  return new ModelError(ModelErrorCode.ServerError, `${context.provider} call failed: ${message}`, base);
}
