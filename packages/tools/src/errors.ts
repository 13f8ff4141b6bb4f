import { TroupeError } from '@troupe/bus';
import { ToolErrorCode } from './tool.js';

/**
 * Codes of the errors this package throws. The call-outcome codes (`ToolErrorCode`) plus the ones that only
 * happen while building tools and connections, never inside a call.
 */
export const ToolsErrorCode = {
  ...ToolErrorCode,
  InvalidOptions: 'INVALID_OPTIONS',
  ConnectFailed: 'CONNECT_FAILED',
} as const;
export type ToolsErrorCode = (typeof ToolsErrorCode)[keyof typeof ToolsErrorCode];

export interface ToolErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** A transient failure (a reset connection, a busy server) is worth retrying; the registry retries it. */
  transient?: boolean;
}

export class ToolError extends TroupeError<ToolsErrorCode> {
  readonly transient: boolean;

  constructor(code: ToolsErrorCode, message: string, options?: ToolErrorOptions) {
    super(code, message, options);
    this.name = 'ToolError';
    this.transient = options?.transient ?? false;
  }
}

export function isToolError(err: unknown, code?: ToolsErrorCode): err is ToolError {
  return err instanceof ToolError && (code === undefined || err.code === code);
}

/** True for errors marked transient: a `ToolError` built with `transient: true`, or any thrown object carrying `transient: true`. */
export function isTransientError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
}

const outcomeCodes = new Set<string>(Object.values(ToolErrorCode));

/** The call-outcome code for anything a tool threw. */
export function outcomeCodeOf(err: unknown): ToolErrorCode {
  if (err instanceof ToolError && outcomeCodes.has(err.code)) return err.code as ToolErrorCode;
  return ToolErrorCode.Failed;
}
