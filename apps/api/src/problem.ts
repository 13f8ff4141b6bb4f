import { TroupeError } from '@troupe/bus';
import { PROBLEM_CONTENT_TYPE, ProblemType, type Problem } from '@troupe/client';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Everything the API answers with an error: each maps to one HTTP status and one problem type. */
export const ApiErrorCode = {
  Validation: 'VALIDATION',
  InvalidInput: 'INVALID_INPUT',
  UnknownWorkflow: 'UNKNOWN_WORKFLOW',
  MalformedBody: 'MALFORMED_BODY',
  MalformedRequest: 'MALFORMED_REQUEST',
  HeadersTooLarge: 'HEADERS_TOO_LARGE',
  RequestTimeout: 'REQUEST_TIMEOUT',
  ExpectationFailed: 'EXPECTATION_FAILED',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  Conflict: 'CONFLICT',
  IdempotencyMismatch: 'IDEMPOTENCY_MISMATCH',
  NotFinished: 'NOT_FINISHED',
  NotAwaitingReview: 'NOT_AWAITING_REVIEW',
  AlreadyFinished: 'ALREADY_FINISHED',
  RateLimited: 'RATE_LIMITED',
  Unavailable: 'UNAVAILABLE',
  InvalidOptions: 'INVALID_OPTIONS',
  Internal: 'INTERNAL',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

const SPEC: Record<ApiErrorCode, { status: number; type: string; title: string }> = {
  VALIDATION: { status: 400, type: ProblemType.Validation, title: 'The request is not valid' },
  INVALID_INPUT: {
    status: 422,
    type: ProblemType.InvalidInput,
    title: "The input does not match the workflow's schema",
  },
  UNKNOWN_WORKFLOW: { status: 422, type: ProblemType.UnknownWorkflow, title: 'Unknown workflow' },
  MALFORMED_BODY: { status: 400, type: ProblemType.MalformedBody, title: 'The body is not valid JSON' },
  MALFORMED_REQUEST: {
    status: 400,
    type: 'urn:troupe:problem:malformed-request',
    title: 'The request is not valid HTTP',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    type: 'urn:troupe:problem:headers-too-large',
    title: 'The request headers are too large',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    type: 'urn:troupe:problem:request-timeout',
    title: 'The request did not arrive in time',
  },
  EXPECTATION_FAILED: {
    status: 417,
    type: 'urn:troupe:problem:expectation-failed',
    title: 'The Expect header cannot be met',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    type: ProblemType.MethodNotAllowed,
    title: 'Method not allowed',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: ProblemType.UnsupportedMediaType,
    title: 'Unsupported media type',
  },
  PAYLOAD_TOO_LARGE: { status: 413, type: ProblemType.PayloadTooLarge, title: 'The body is too large' },
  UNAUTHORIZED: { status: 401, type: ProblemType.Unauthorized, title: 'An API key is required' },
  FORBIDDEN: { status: 403, type: ProblemType.Forbidden, title: 'This API key may not do that' },
  NOT_FOUND: { status: 404, type: ProblemType.NotFound, title: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, type: ProblemType.RouteNotFound, title: 'No such route' },
  CONFLICT: { status: 409, type: ProblemType.Conflict, title: 'Conflict' },
  IDEMPOTENCY_MISMATCH: {
    status: 409,
    type: ProblemType.IdempotencyMismatch,
    title: 'The Idempotency-Key was used for a different request',
  },
  NOT_FINISHED: { status: 409, type: ProblemType.NotFinished, title: 'The task has not finished' },
  NOT_AWAITING_REVIEW: {
    status: 409,
    type: ProblemType.NotAwaitingReview,
    title: 'The task is not waiting for a review',
  },
  ALREADY_FINISHED: {
    status: 409,
    type: ProblemType.AlreadyFinished,
    title: 'The task has already finished',
  },
  RATE_LIMITED: { status: 429, type: ProblemType.RateLimited, title: 'Too many requests' },
  UNAVAILABLE: { status: 503, type: ProblemType.Unavailable, title: 'Service unavailable' },
  INVALID_OPTIONS: { status: 500, type: ProblemType.Internal, title: 'The API is misconfigured' },
  INTERNAL: { status: 500, type: ProblemType.Internal, title: 'Internal error' },
};

export interface FieldIssue {
  path: string;
  message: string;
}

/** An error the API answers as problem+json; `details` go out as extension members. */
export class ApiError extends TroupeError<ApiErrorCode> {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(code, message, { cause: options.cause, details: options.details });
    this.name = 'ApiError';
    this.status = SPEC[code].status;
    this.headers = options.headers ?? {};
  }
}

export function isApiError(err: unknown, code?: ApiErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

export function problemOf(
  code: ApiErrorCode,
  detail: string,
  instance: string,
  extensions: Record<string, unknown> = {},
): Problem {
  const spec = SPEC[code];
  return { ...extensions, type: spec.type, title: spec.title, status: spec.status, detail, instance, code };
}

export function sendProblem(
  reply: FastifyReply,
  problem: Problem,
  headers: Record<string, string> = {},
): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * Turns whatever a route or Fastify itself threw into problem+json. Fastify's own client errors (bad JSON,
 * media type, size, validation) keep their 4xx status; only a fault of the server is a 5xx.
 */
export function toProblem(
  err: unknown,
  request: FastifyRequest,
): { problem: Problem; headers: Record<string, string> } {
  const instance = request.url;
  if (err instanceof ApiError) {
    return {
      problem: problemOf(err.code, err.message, instance, err.details ?? {}),
      headers: err.headers,
    };
  }
  const fe = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  const code = typeof fe.code === 'string' ? fe.code : '';
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        problem: problemOf(
          ApiErrorCode.MalformedBody,
          code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'The body is empty but Content-Type says application/json: send a JSON object, or no Content-Type.'
            : `The body is not valid JSON (${fe.message ?? 'parse error'}): send a JSON object.`,
          instance,
        ),
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        problem: problemOf(
          code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? ApiErrorCode.UnsupportedMediaType
            : ApiErrorCode.MalformedBody,
          code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? `Content-Type "${request.headers['content-type'] ?? ''}" is not accepted here: send application/json.`
            : 'Content-Length does not match the body that was sent.',
          instance,
        ),
        headers: {},
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        problem: problemOf(
          ApiErrorCode.PayloadTooLarge,
          `The body is larger than the ${request.routeOptions.bodyLimit ?? 'configured'}-byte limit: send less, or put large inputs in an artifact and pass a reference.`,
          instance,
        ),
        headers: {},
      };
    default:
      break;
  }
  if (fe.validation !== undefined) {
    const issues = Array.isArray(fe.validation) ? (fe.validation as unknown as FieldIssue[]) : [];
    const where = fe.validationContext ?? 'request';
    return {
      problem: problemOf(
        ApiErrorCode.Validation,
        issues.length > 0
          ? `The ${where} is not valid: ${issues
              .slice(0, 5)
              .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
              .join('; ')}.`
          : `The ${where} is not valid.`,
        instance,
        { errors: issues },
      ),
      headers: {},
    };
  }
  if (status >= 400 && status < 500) {
    // Any other client error Fastify raises (e.g. FST_ERR_CTP_*, bad URL encoding) stays a 4xx.
    return {
      problem: {
        type: ProblemType.Validation,
        title: 'Bad request',
        status,
        detail: fe.message ?? 'The request could not be understood.',
        instance,
        code: code || 'BAD_REQUEST',
      },
      headers: {},
    };
  }
  return {
    problem: problemOf(
      ApiErrorCode.Internal,
      'The server failed while handling this request; it has been logged. Retry later, or report the instance and time.',
      instance,
    ),
    headers: {},
  };
}
