import { TroupeError } from '@troupe/bus';

export const AgentErrorCode = {
  /** The model's answer did not match the role's schema, even after one repair round. */
  InvalidOutput: 'INVALID_OUTPUT',
  /** Every model call failed (after SDK retries and router fallbacks). */
  ModelFailed: 'MODEL_FAILED',
  /** The model kept asking for tools past the round limit. */
  RoundLimit: 'ROUND_LIMIT',
  Aborted: 'ABORTED',
  /** An output guardrail tripped. */
  Guardrail: 'GUARDRAIL',
  /** The step input does not match the role's input schema. */
  InvalidInput: 'INVALID_INPUT',
  /** A role definition or step option is wrong; the message names it. */
  InvalidOptions: 'INVALID_OPTIONS',
} as const;
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

/** A step that could not produce a valid output. `retryable` tells the supervisor whether another attempt may help. */
export class AgentError extends TroupeError<AgentErrorCode> {
  readonly retryable: boolean;

  constructor(
    code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown>; retryable?: boolean },
  ) {
    super(code, message, options);
    this.name = 'AgentError';
    this.retryable =
      options?.retryable ?? (code === AgentErrorCode.InvalidOutput || code === AgentErrorCode.RoundLimit);
  }
}

export function isAgentError(err: unknown, code?: AgentErrorCode): err is AgentError {
  return err instanceof AgentError && (code === undefined || err.code === code);
}
