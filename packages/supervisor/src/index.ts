// Workflow engine: pure (no NATS, no I/O, no timers).
export { defineWorkflow, checkWorkflowRoles } from './workflow/define-workflow.js';
export { createWorkflowEngine } from './workflow/engine.js';
export type {
  WorkflowEngine,
  TaskSnapshot,
  StartTaskParams,
  EngineResult,
  ApplyResult,
} from './workflow/engine.js';
export { compileWorkflow } from './workflow/machine.js';
export type { WorkflowMachine } from './workflow/machine.js';
export {
  WorkflowError,
  WorkflowErrorCode,
  isWorkflowError,
  TaskErrorCode,
  StepErrorCode,
} from './workflow/errors.js';
export { WorkflowEventSchema } from './workflow/events.js';
export type { WorkflowEvent, WorkflowEventType, WorkflowEventOf } from './workflow/events.js';
export { ProgressEventType, AuditDecision } from './workflow/effects.js';
export type {
  Effect,
  EffectKind,
  DispatchEffect,
  AbortEffect,
  EventEffect,
  AuditEffect,
  CompleteEffect,
  TaskStatus,
  FinalTaskStatus,
  TaskError,
} from './workflow/effects.js';
export { WorkflowTaskOptionsSchema, DEFAULT_TASK_OPTIONS, resolveTaskOptions } from './workflow/options.js';
export type { WorkflowTaskOptions, WorkflowOptionDefaults, ResolvedTaskOptions } from './workflow/options.js';
export { computeBackoff } from './workflow/backoff.js';
export { stepKey } from './workflow/step-key.js';
export type { TaskView, StepView, ViewOptions } from './workflow/view.js';
export type { EngineContext, StepInstance, InstanceStatus } from './workflow/context.js';
export type {
  Workflow,
  AnyWorkflow,
  WorkflowDefinition,
  DefineWorkflowOptions,
  StepDefinition,
  StepContext,
  RetryPolicy,
  StepFallback,
  ReviewGateDefinition,
  ReviewVerdict,
  ReviewOutcome,
  ReviewBy,
  LoopDefinition,
  UsageTotals,
  inferWorkflowInput,
  inferWorkflowResult,
} from './workflow/types.js';
export type { StandardSchemaV1 } from './workflow/standard-schema.js';

// Built-in workflows.
export { builtinWorkflows, ask, rag, extract, tools, report } from './workflows/index.js';
export { ReportInputSchema, DEFAULT_REVIEW_CRITERIA } from './workflows/report.js';
export type { ReportInput, ReportResult } from './workflows/report.js';
export {
  BuiltinRole,
  roleOutputSchemas,
  PlannerOutputSchema,
  ResearcherOutputSchema,
  AnalystOutputSchema,
  DrafterOutputSchema,
  ReviewerOutputSchema,
  AssistantOutputSchema,
} from '@troupe/bus';
export type {
  Finding,
  PlannerOutput,
  ResearcherOutput,
  AnalystOutput,
  DrafterOutput,
  ReviewerOutput,
  AssistantOutput,
} from '@troupe/bus';

// The stateless supervisor runtime over the bus.
export { runSupervisor } from './runtime/supervisor.js';
export type { Supervisor, SupervisorOptions } from './runtime/supervisor.js';
export {
  TaskRecordSchema,
  TaskStatusSchema,
  TERMINAL_STATUSES,
  taskKey,
  parseTaskKey,
  queuedRecord,
} from './runtime/task-record.js';
export type { TaskRecord, TaskRecordStatus } from './runtime/task-record.js';
export { buildThread } from './runtime/thread.js';
export type { Thread } from './runtime/thread.js';
