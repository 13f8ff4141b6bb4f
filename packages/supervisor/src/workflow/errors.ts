import { TroupeError } from '@troupe/bus';

/** What can go wrong when defining a workflow or calling the engine. Task failures are data, not throws. */
export const WorkflowErrorCode = {
  /** The definition is wrong: duplicate ids, cycles, unknown `needs`, bad names, unknown roles. */
  InvalidWorkflow: 'INVALID_WORKFLOW',
  /** A task's input does not match the workflow's input schema. */
  InvalidInput: 'INVALID_INPUT',
  /** A task's options do not validate. */
  InvalidOptions: 'INVALID_OPTIONS',
  /** An event handed to `apply` does not validate. */
  InvalidEvent: 'INVALID_EVENT',
  /** A snapshot is not one this engine wrote (other workflow, other version, or not a snapshot at all). */
  InvalidSnapshot: 'INVALID_SNAPSHOT',
} as const;
export type WorkflowErrorCode = (typeof WorkflowErrorCode)[keyof typeof WorkflowErrorCode];

export class WorkflowError extends TroupeError<WorkflowErrorCode> {
  constructor(
    code: WorkflowErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
    this.name = 'WorkflowError';
  }
}

export function isWorkflowError(err: unknown, code?: WorkflowErrorCode): err is WorkflowError {
  return err instanceof WorkflowError && (code === undefined || err.code === code);
}

/** Why a task ended `failed` (or `cancelled`): carried in the snapshot, the view and the `complete` effect. */
export const TaskErrorCode = {
  StepFailed: 'STEP_FAILED',
  BudgetExceeded: 'BUDGET_EXCEEDED',
  ReviewRejected: 'REVIEW_REJECTED',
  /** A workflow's own code (`input`, `when`, `forEach`, `result`, a review verdict) threw. */
  WorkflowCodeFailed: 'WORKFLOW_CODE_FAILED',
  Cancelled: 'CANCELLED',
  /** A bug in the engine: the task fails rather than the supervisor. */
  Internal: 'INTERNAL',
} as const;
export type TaskErrorCode = (typeof TaskErrorCode)[keyof typeof TaskErrorCode];

/** Error codes the engine itself gives to a step attempt. */
export const StepErrorCode = {
  Timeout: 'STEP_TIMEOUT',
  Lost: 'STEP_LOST',
  InvalidOutput: 'INVALID_OUTPUT',
  Superseded: 'SUPERSEDED',
  Aborted: 'ABORTED',
} as const;
export type StepErrorCode = (typeof StepErrorCode)[keyof typeof StepErrorCode];

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
