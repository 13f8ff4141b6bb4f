import type { Clock } from '@troupe/bus';
import type { Role } from '../roles/role.js';
import { AgentError, AgentErrorCode } from './agent-error.js';
import type { StepAuditRecord, StepEvent } from './types.js';

/** What the parts of one step share: which step it is, its clock and signal, and who hears about it. */
export interface StepScope {
  readonly role: Role<unknown>;
  readonly taskId: string;
  readonly stepId: string;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
  /** Absent when no one listens: then no event is built. */
  readonly emit: ((event: StepEvent) => void) | undefined;
  /** Absent when no one listens: then no audit record (nor its digests) is built. */
  readonly audit: ((record: StepAuditRecord) => void) | undefined;
  /** Put prompt and answer text in audit records, not only their digests. */
  readonly captureContent: boolean;
}

export function throwIfAborted(scope: StepScope): void {
  if (scope.signal?.aborted) {
    throw new AgentError(AgentErrorCode.Aborted, `step ${scope.stepId} aborted`, {
      cause: scope.signal.reason,
      retryable: false,
    });
  }
}
