/**
 * The supervisor's progress event types, as packages/supervisor/src/workflow/effects.ts `ProgressEventType`
 * names them. Mirrored here because the browser bundle must not import the supervisor (it pulls in Node).
 * Any other type on a task's stream comes from the agent running a step (`model.call`, `tool.call`, ...).
 */
export const ProgressEventType = {
  TaskStarted: 'task.started',
  StepDispatched: 'step.dispatched',
  StepSucceeded: 'step.succeeded',
  StepFailed: 'step.failed',
  StepRetryScheduled: 'step.retry_scheduled',
  StepFallback: 'step.fallback',
  StepTimeout: 'step.timeout',
  StepLost: 'step.lost',
  StepSkipped: 'step.skipped',
  StepFannedOut: 'step.fanned_out',
  StepLoop: 'step.loop',
  BudgetAlert: 'budget.alert',
  BudgetExceeded: 'budget.exceeded',
  ReviewRequested: 'review.requested',
  ReviewDecided: 'review.decided',
  TaskCompleted: 'task.completed',
  TaskFailed: 'task.failed',
  TaskCancelled: 'task.cancelled',
} as const;
export type ProgressEventType = (typeof ProgressEventType)[keyof typeof ProgressEventType];

const SUPERVISOR_TYPES: ReadonlySet<string> = new Set(Object.values(ProgressEventType));

/** An event an agent sent while running a step (it shows the step is running, not only dispatched). */
export const isAgentEvent = (type: string): boolean => !SUPERVISOR_TYPES.has(type);
