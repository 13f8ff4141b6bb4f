import { TroupeError } from '@troupe/bus';

/** Why a command could not do what it was asked; each says what to change. */
export const CliErrorCode = {
  /** A flag or argument is missing, malformed or out of range. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** `--input` is not JSON. */
  InvalidJson: 'INVALID_JSON',
  /** The API answered with an error (unknown workflow, task not found, not awaiting review, ...). */
  ApiRejected: 'API_REJECTED',
  /** No answer from the API at the URL given. */
  ApiUnreachable: 'API_UNREACHABLE',
  /** nats-server is not installed. */
  NatsServerMissing: 'NATS_SERVER_MISSING',
  /** A process of the local troupe did not start. */
  StartFailed: 'START_FAILED',
  /** Another `troupe up` already runs from the same state folder. */
  AlreadyRunning: 'ALREADY_RUNNING',
  /** The task ended failed or cancelled. */
  TaskFailed: 'TASK_FAILED',
  /** The project file named by `--config` or `TROUPE_CONFIG` is not there. */
  ConfigNotFound: 'CONFIG_NOT_FOUND',
  /** The project file does not load, or what it exports is not a valid Troupe config. */
  InvalidConfig: 'INVALID_CONFIG',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends TroupeError<CliErrorCode> {
  /** A line that tells the user what to do next, printed under the message. */
  readonly hint: string | undefined;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { cause: options.cause, details: options.details });
    this.name = 'CliError';
    this.hint = options.hint;
  }
}

export function isCliError(err: unknown, code?: CliErrorCode): err is CliError {
  return err instanceof CliError && (code === undefined || err.code === code);
}
