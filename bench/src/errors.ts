import { TroupeError } from '@troupe/bus';

export const BenchErrorCode = {
  InvalidOptions: 'INVALID_OPTIONS',
  ProcessFailed: 'PROCESS_FAILED',
  Timeout: 'TIMEOUT',
  Incomplete: 'INCOMPLETE',
} as const;
export type BenchErrorCode = (typeof BenchErrorCode)[keyof typeof BenchErrorCode];

/** Anything that stops a benchmark section: a child process that died, a run that did not finish in time. */
export class BenchError extends TroupeError<BenchErrorCode> {
  constructor(
    code: BenchErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
    this.name = 'BenchError';
  }
}
