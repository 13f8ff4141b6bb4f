import { TroupeError } from '@troupe/bus';

export const TelemetryErrorCode = {
  InvalidOptions: 'INVALID_OPTIONS',
  DecodeFailed: 'DECODE_FAILED',
  MetricsServerFailed: 'METRICS_SERVER_FAILED',
} as const;
export type TelemetryErrorCode = (typeof TelemetryErrorCode)[keyof typeof TelemetryErrorCode];

/** Errors raised by @troupe/telemetry. Telemetry never throws into the work it observes: only setup does. */
export class TelemetryError extends TroupeError<TelemetryErrorCode> {
  constructor(
    code: TelemetryErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
    this.name = 'TelemetryError';
  }
}

export function isTelemetryError(err: unknown, code?: TelemetryErrorCode): err is TelemetryError {
  return err instanceof TelemetryError && (code === undefined || err.code === code);
}
