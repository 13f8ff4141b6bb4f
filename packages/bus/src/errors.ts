/**
 * The base of every Troupe error: a closed union of codes per package family, a name, and a cause.
 * Packages subclass it with their own code union (`BusError`, `AgentError`, ...).
 */
export class TroupeError<TCode extends string = string> extends Error {
  readonly code: TCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: TCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TroupeError';
    this.code = code;
    this.details = options?.details;
  }

  toJSON(): { name: string; code: string; message: string; details?: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export const BusErrorCode = {
  InvalidOptions: 'INVALID_OPTIONS',
  ConnectFailed: 'CONNECT_FAILED',
  Timeout: 'TIMEOUT',
  NoResponders: 'NO_RESPONDERS',
  DecodeFailed: 'DECODE_FAILED',
  InvalidSubject: 'INVALID_SUBJECT',
  CasConflict: 'CAS_CONFLICT',
  /** A stream or bucket Troupe needs cannot be created: what is on the server is in the way. */
  TopologyConflict: 'TOPOLOGY_CONFLICT',
  /**
   * A stream, bucket or consumer Troupe needs is not on the server, and this process may not create it:
   * run `troupe provision`.
   */
  TopologyMissing: 'TOPOLOGY_MISSING',
  /** The server refused a publish, subscription or request to this connection's user. */
  PermissionDenied: 'PERMISSION_DENIED',
  NotFound: 'NOT_FOUND',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  Closed: 'CLOSED',
  /** A request was in flight when its connection dropped: it may or may not have been applied. */
  Disconnected: 'DISCONNECTED',
  Unknown: 'UNKNOWN',
} as const;
export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode];

export class BusError extends TroupeError<BusErrorCode> {
  constructor(
    code: BusErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
    this.name = 'BusError';
  }
}

export function isBusError(err: unknown, code?: BusErrorCode): err is BusError {
  return err instanceof BusError && (code === undefined || err.code === code);
}
export const isTimeout = (err: unknown): boolean => isBusError(err, BusErrorCode.Timeout);
export const isNoResponders = (err: unknown): boolean => isBusError(err, BusErrorCode.NoResponders);

/** Normalise anything thrown from outside into a TroupeError, keeping the original as the cause. */
export function toTroupeError(err: unknown): TroupeError {
  if (err instanceof TroupeError) return err;
  if (err instanceof Error) return new TroupeError('UNKNOWN', err.message, { cause: err });
  return new TroupeError('UNKNOWN', String(err), { cause: err });
}
