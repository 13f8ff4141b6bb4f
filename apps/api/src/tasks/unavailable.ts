import { ApiError, ApiErrorCode } from '../problem.js';

/** The message bus did not answer: a 503 the client may retry. */
export function unavailable(what: string, err: unknown): ApiError {
  return new ApiError(
    ApiErrorCode.Unavailable,
    `${what}: the message bus did not answer (${(err as Error).message}). Retry shortly.`,
    { cause: err, headers: { 'retry-after': '2' } },
  );
}
