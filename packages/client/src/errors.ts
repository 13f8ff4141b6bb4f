import { TroupeError } from '@troupe/bus/contracts';
import type { Problem } from './schemas.js';

/** Why a client call failed. HTTP answers map by status; the rest happen before or after one. */
export const TroupeApiErrorCode = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Unprocessable: 'UNPROCESSABLE',
  RateLimited: 'RATE_LIMITED',
  ServerError: 'SERVER_ERROR',
  Unavailable: 'UNAVAILABLE',
  /** No HTTP answer: connection refused, reset, DNS. */
  Network: 'NETWORK',
  /** `wait()` ran out of time. */
  Timeout: 'TIMEOUT',
  /** The caller's AbortSignal fired. */
  Aborted: 'ABORTED',
  /** The server answered something that does not match the API's schemas. */
  InvalidResponse: 'INVALID_RESPONSE',
  InvalidOptions: 'INVALID_OPTIONS',
} as const;
export type TroupeApiErrorCode = (typeof TroupeApiErrorCode)[keyof typeof TroupeApiErrorCode];

export function codeForStatus(status: number): TroupeApiErrorCode {
  switch (status) {
    case 400:
      return TroupeApiErrorCode.BadRequest;
    case 401:
      return TroupeApiErrorCode.Unauthorized;
    case 403:
      return TroupeApiErrorCode.Forbidden;
    case 404:
      return TroupeApiErrorCode.NotFound;
    case 409:
      return TroupeApiErrorCode.Conflict;
    case 413:
      return TroupeApiErrorCode.PayloadTooLarge;
    case 415:
      return TroupeApiErrorCode.UnsupportedMediaType;
    case 422:
      return TroupeApiErrorCode.Unprocessable;
    case 429:
      return TroupeApiErrorCode.RateLimited;
    case 503:
      return TroupeApiErrorCode.Unavailable;
    default:
      return status >= 500 ? TroupeApiErrorCode.ServerError : TroupeApiErrorCode.BadRequest;
  }
}

/** An error of the Troupe HTTP API, carrying the problem+json the server sent (when it sent one). */
export class TroupeApiError extends TroupeError<TroupeApiErrorCode> {
  /** HTTP status, or 0 when no answer came. */
  readonly status: number;
  readonly problem: Problem | undefined;
  /** Seconds to wait before retrying, from `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: TroupeApiErrorCode,
    message: string,
    options: {
      status?: number;
      problem?: Problem;
      retryAfterSeconds?: number;
      cause?: unknown;
      details?: Record<string, unknown>;
    } = {},
  ) {
    super(code, message, { cause: options.cause, details: options.details });
    this.name = 'TroupeApiError';
    this.status = options.status ?? 0;
    this.problem = options.problem;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** True for failures a later retry may get past: network, 429, 502-504. */
  get retryable(): boolean {
    return (
      this.code === TroupeApiErrorCode.Network ||
      this.code === TroupeApiErrorCode.RateLimited ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }
}

export function isTroupeApiError(err: unknown, code?: TroupeApiErrorCode): err is TroupeApiError {
  return err instanceof TroupeApiError && (code === undefined || err.code === code);
}
