import { z } from 'zod';

/**
 * Every message that crosses a process boundary. Each schema carries `v`, its version; a consumer that
 * meets a version it does not know dead-letters the message with the reason rather than guessing.
 */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'ids use letters, digits, "-" and "_" (1-128 chars)');
const json = z.unknown();

export const BudgetSchema = z
  .object({
    tokens: z.number().int().positive().optional(),
    costUsd: z.number().positive().optional(),
    wallTimeMs: z.number().int().positive().optional(),
  })
  .strict();

export const TaskOptionsSchema = z
  .object({
    budget: BudgetSchema.optional(),
    budgetPolicy: z.enum(['stop', 'downgrade']).optional(),
    /** Per-role model override, `provider:model`. */
    models: z.record(z.string(), z.string()).optional(),
    cheapModel: z.string().optional(),
    reviewThreshold: z.number().min(0).max(1).optional(),
    maxReviewRounds: z.number().int().min(0).max(10).optional(),
    reviewTimeoutMs: z.number().int().positive().optional(),
    reviewTimeoutPolicy: z.enum(['reject', 'approve']).optional(),
    /** `always`: every agent review verdict waits for a person; `low-confidence` (default): only those below the threshold. */
    humanReview: z.enum(['always', 'low-confidence']).optional(),
  })
  .strict();
export type TaskOptions = z.infer<typeof TaskOptionsSchema>;

export const TaskSubmitSchema = z.object({
  v: z.literal(1),
  taskId: id,
  tenant: id,
  workflow: id,
  input: json,
  options: TaskOptionsSchema.default({}),
  metadata: z.record(z.string(), z.string()).default({}),
  continueFrom: id.optional(),
  submittedAt: z.number(),
  /** The version of the workflow the submitter checked the input against. */
  workflowVersion: z.number().int().optional(),
});
export type TaskSubmit = z.infer<typeof TaskSubmitSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  latencyMs: z.number().nonnegative(),
  model: z.string(),
  provider: z.string(),
  cached: z.boolean().optional(),
  fallback: z.object({ from: z.string(), to: z.string(), reason: z.string() }).optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const StepAssignmentSchema = z.object({
  v: z.literal(1),
  taskId: id,
  tenant: id,
  workflow: id,
  stepKey: id,
  stepId: id,
  attempt: z.number().int().positive(),
  role: id,
  input: json,
  model: z.string().optional(),
  /** Budget pressure: answer with the role's cheaper model. */
  tier: z.enum(['cheap']).optional(),
  timeoutMs: z.number().int().positive().optional(),
  deadline: z.number().optional(),
  dispatchedAt: z.number(),
});
export type StepAssignment = z.infer<typeof StepAssignmentSchema>;

export const StepErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
export type StepError = z.infer<typeof StepErrorSchema>;

const stepResultBase = {
  v: z.literal(1),
  taskId: id,
  tenant: id,
  stepKey: id,
  attempt: z.number().int().positive(),
  agentId: z.string(),
  finishedAt: z.number(),
};

export const ControlSchema = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(1),
    type: z.literal('cancel'),
    taskId: id,
    tenant: id,
    reason: z.string().optional(),
    at: z.number(),
  }),
  z.object({
    v: z.literal(1),
    type: z.literal('review'),
    taskId: id,
    tenant: id,
    decision: z.enum(['approve', 'reject', 'revise']),
    notes: z.string().max(10_000).optional(),
    by: z.string().optional(),
    at: z.number(),
  }),
  /** Deliveries of a step's assignment ran out: the supervisor reassigns or fails it. */
  z.object({
    v: z.literal(1),
    type: z.literal('step-lost'),
    taskId: id,
    tenant: id,
    stepKey: id,
    attempt: z.number().int().positive(),
    reason: z.string(),
    at: z.number(),
  }),
]);
export type Control = z.infer<typeof ControlSchema>;

/**
 * A log record's id, unique within its task: readers hand a record stored twice (re-sent after a crash in a
 * differently batched message) out once.
 */
const recordId = z.string().min(1).optional();

/** Progress events of a task (stored in its journal, see journal.ts), for SSE and the dashboard. An agent's step adds its own types (`model.call`, `tool.call`, ...). */
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

export const TaskEventSchema = z.object({
  v: z.literal(1),
  id: recordId,
  taskId: id,
  type: z.string(),
  at: z.number(),
  stepKey: z.string().optional(),
  data: z.record(z.string(), json).default({}),
});
export type TaskEvent = z.infer<typeof TaskEventSchema>;

export const AuditRecordSchema = z.object({
  v: z.literal(1),
  id: recordId,
  taskId: id,
  type: z.string(),
  at: z.number(),
  actor: z.string(),
  stepKey: z.string().optional(),
  attempt: z.number().int().optional(),
  agentId: z.string().optional(),
  model: z.string().optional(),
  tokens: z.object({ input: z.number(), output: z.number() }).optional(),
  costUsd: z.number().optional(),
  durationMs: z.number().optional(),
  decision: z.string().optional(),
  error: z.string().optional(),
  data: z.record(z.string(), json).default({}),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/**
 * The progress events and audit records one write adds to a task's journal: a transition's, and an agent
 * step's (which travel in its result and are stored with the transition that applies it).
 */
export const TaskLogSchema = z.object({
  events: z.array(TaskEventSchema).default([]),
  audit: z.array(AuditRecordSchema).default([]),
});
export type TaskLog = z.infer<typeof TaskLogSchema>;

export const StepResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ...stepResultBase,
    ok: z.literal(true),
    output: json,
    usage: UsageSchema,
    log: TaskLogSchema.optional(),
  }),
  z.object({
    ...stepResultBase,
    ok: z.literal(false),
    error: StepErrorSchema,
    usage: UsageSchema.optional(),
    log: TaskLogSchema.optional(),
  }),
]);
export type StepResult = z.infer<typeof StepResultSchema>;

/**
 * What a process of the fleet writes to KV `troupe_agents` every few seconds: agents under their id,
 * supervisors under `supervisor.<id>`. Heartbeats written before `kind` existed decode as agents.
 */
export const HeartbeatSchema = z
  .object({
    v: z.literal(1),
    kind: z.enum(['agent', 'supervisor']).default('agent'),
    /** The agent's or the supervisor's id. */
    agentId: id,
    /** The roles an agent serves (at least one); empty for a supervisor. */
    roles: z.array(id),
    host: z.string(),
    pid: z.number().int(),
    /** Steps (agent) or task events (supervisor) being handled now. */
    inFlight: z.number().int().nonnegative(),
    concurrency: z.number().int().positive(),
    version: z.string(),
    startedAt: z.number(),
    at: z.number(),
    status: z.enum(['ready', 'draining']),
    /** Steps finished (agent) or task events applied (supervisor) since the process started. */
    handled: z.number().int().nonnegative().optional(),
  })
  .refine((hb) => hb.kind !== 'agent' || hb.roles.length > 0, {
    path: ['roles'],
    message: 'an agent serves at least one role',
  });
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

export const PayloadRefSchema = z.object({ bucket: z.string(), name: z.string(), size: z.number().int() });
export type PayloadRef = z.infer<typeof PayloadRefSchema>;

export const DeadLetterSchema = z.object({
  v: z.literal(1),
  source: z.string(),
  stream: z.string(),
  streamSeq: z.number().int(),
  subject: z.string(),
  deliveries: z.number().int(),
  reason: z.enum(['decode-failed', 'max-deliveries', 'handler-rejected']),
  error: z.string(),
  payload: PayloadRefSchema.optional(),
  at: z.number(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** Tells the agents working on a task's steps to stop (core NATS, best effort). */
export const AbortSchema = z.object({
  v: z.literal(1),
  taskId: id,
  stepKeys: z.array(z.string()).optional(),
  reason: z.string(),
  at: z.number(),
});
export type Abort = z.infer<typeof AbortSchema>;

export const envelopes = {
  taskSubmit: TaskSubmitSchema,
  stepAssignment: StepAssignmentSchema,
  stepResult: StepResultSchema,
  control: ControlSchema,
  taskEvent: TaskEventSchema,
  auditRecord: AuditRecordSchema,
  heartbeat: HeartbeatSchema,
  deadLetter: DeadLetterSchema,
  abort: AbortSchema,
} as const;
