import { z } from 'zod';
import {
  AuditRecordSchema,
  ProgressEventType,
  HeartbeatSchema,
  TaskEventSchema,
  TaskOptionsSchema,
} from '@troupe/bus/contracts';

/**
 * The HTTP API's request and response bodies. The API validates requests with these schemas and generates
 * its OpenAPI document from them; the client parses responses with them. One definition, both ends.
 */

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export const TaskIdSchema = z
  .string()
  .regex(TOKEN, 'a task id uses letters, digits, "-" and "_" (1-128 characters)')
  .meta({
    description: 'A task id; ids made by the API sort by creation time.',
    example: 't0mb4x2k9qa1b2c3d4e5f6g7h8',
  });

export const WorkflowNameSchema = z
  .string()
  .regex(TOKEN, 'a workflow name uses letters, digits, "-" and "_" (1-128 characters)')
  .meta({ description: 'The name of a workflow the API serves (see GET /v1/workflows).', example: 'report' });

export const TaskStatusSchema = z
  .enum(['queued', 'running', 'awaiting_review', 'completed', 'failed', 'cancelled'])
  .meta({ description: 'Where the task is. `completed`, `failed` and `cancelled` are final.' });
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

export const FinalTaskStatusSchema = z.enum(['completed', 'failed', 'cancelled']);
export type FinalTaskStatus = z.infer<typeof FinalTaskStatusSchema>;

export const FINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  'completed',
  'failed',
  'cancelled',
]);
export const isFinalStatus = (status: TaskStatus): status is FinalTaskStatus =>
  FINAL_TASK_STATUSES.has(status);

/** Progress events that end a task's event stream. */
export const TerminalEventType = {
  Completed: 'task.completed',
  Failed: 'task.failed',
  Cancelled: 'task.cancelled',
} as const;
export type TerminalEventType = (typeof TerminalEventType)[keyof typeof TerminalEventType];
const TERMINAL_EVENTS: ReadonlySet<string> = new Set(Object.values(TerminalEventType));
export const isTerminalEventType = (type: string): type is TerminalEventType => TERMINAL_EVENTS.has(type);

export const MetadataSchema = z
  .record(
    z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]{1,64}$/,
        'metadata keys use letters, digits, ".", "-" and "_" (1-64 characters)',
      ),
    z.string().max(1_024, 'a metadata value is at most 1024 characters'),
  )
  .refine((m) => Object.keys(m).length <= 32, 'at most 32 metadata entries')
  .meta({ description: 'Your own string labels, stored with the task. `traceId` is set by the API.' });

export const TaskOptionsRequestSchema = TaskOptionsSchema.meta({
  description: 'Budget, per-role models (`provider:model`), review threshold and rounds.',
});
export type TaskOptionsRequest = z.input<typeof TaskOptionsRequestSchema>;

export const SubmitTaskRequestSchema = z
  .object({
    workflow: WorkflowNameSchema,
    input: z.unknown().meta({ description: "The task input; checked against the workflow's input schema." }),
    options: TaskOptionsRequestSchema.optional(),
    metadata: MetadataSchema.optional(),
    continueFrom: TaskIdSchema.optional().meta({
      description: 'A finished task of yours this one continues (its thread).',
    }),
  })
  .strict()
  .meta({ id: 'SubmitTaskRequest' });
export type SubmitTaskRequest = z.input<typeof SubmitTaskRequestSchema>;

export const IdempotencyKeySchema = z
  .string()
  .min(1, 'Idempotency-Key must not be empty')
  .max(255, 'Idempotency-Key is at most 255 characters')
  .meta({
    description: 'The same key (per tenant) within 24 h returns the same task instead of starting another.',
  });

export const TaskLinksSchema = z
  .object({
    self: z.string(),
    events: z.string(),
    result: z.string(),
    cancel: z.string(),
    review: z.string(),
    audit: z.string(),
    trace: z.string(),
  })
  .meta({ id: 'TaskLinks' });
export type TaskLinks = z.infer<typeof TaskLinksSchema>;

export const TaskAcceptedSchema = z
  .object({
    id: TaskIdSchema,
    status: TaskStatusSchema,
    /** True when an earlier request with the same Idempotency-Key created this task. */
    deduplicated: z.boolean(),
    links: TaskLinksSchema,
  })
  .meta({ id: 'TaskAccepted' });
export type TaskAccepted = z.infer<typeof TaskAcceptedSchema>;

export const UsageTotalsSchema = z
  .object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() })
  .meta({ id: 'UsageTotals' });
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

export const TaskErrorSchema = z
  .object({ code: z.string(), message: z.string(), stepKey: z.string().optional() })
  .meta({ id: 'TaskError' });
export type TaskError = z.infer<typeof TaskErrorSchema>;

export const StepViewSchema = z
  .object({
    key: z
      .string()
      .meta({ description: 'The instance key: `plan`, `research-2` (fan-out item), `draft-r2` (round 2).' }),
    stepId: z.string(),
    role: z.string(),
    status: z
      .string()
      .meta({ description: '`waiting`, `pending`, `dispatched`, `succeeded`, `failed` or `skipped`.' }),
    round: z.number().int(),
    attempt: z.number().int(),
  })
  .loose()
  .meta({
    id: 'StepView',
    description: 'One step instance, with its agent, model, timing, error and usage when known.',
  });
export type StepView = z.infer<typeof StepViewSchema>;

export const ReviewViewSchema = z
  .object({
    pending: z
      .object({ stepId: z.string(), stepKey: z.string(), since: z.number(), deadline: z.number() })
      .loose()
      .optional(),
    last: z
      .object({
        verdict: z.string(),
        confidence: z.number(),
        notes: z.array(z.string()),
        by: z.string(),
        rounds: z.number(),
      })
      .loose()
      .optional(),
  })
  .meta({
    id: 'ReviewView',
    description: 'The review waiting for a person (`pending`) and the latest outcome (`last`).',
  });

export const TaskSchema = z
  .object({
    id: TaskIdSchema,
    workflow: WorkflowNameSchema,
    workflowVersion: z.number().int().nullable(),
    status: TaskStatusSchema,
    createdAt: z.number().meta({ description: 'Epoch milliseconds.' }),
    updatedAt: z.number(),
    input: z.unknown(),
    options: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.string()),
    continueFrom: TaskIdSchema.nullable(),
    steps: z.array(StepViewSchema),
    usage: UsageTotalsSchema,
    review: ReviewViewSchema.nullable(),
    error: TaskErrorSchema.nullable(),
    /** True once the task is final and `links.result` answers 200. */
    resultAvailable: z.boolean(),
    links: TaskLinksSchema,
  })
  .meta({ id: 'Task' });
export type Task = z.infer<typeof TaskSchema>;

/** How far a task's steps are: instances by state (fan-out items and review rounds count one each). */
export const StepProgressSchema = z
  .object({
    total: z.number().int(),
    succeeded: z.number().int(),
    running: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'StepProgress' });
export type StepProgress = z.infer<typeof StepProgressSchema>;

export const TaskSummarySchema = z
  .object({
    id: TaskIdSchema,
    workflow: WorkflowNameSchema,
    status: TaskStatusSchema,
    createdAt: z.number(),
    updatedAt: z.number(),
    /** When the task became final (its last update), else null. */
    endedAt: z.number().nullable(),
    metadata: z.record(z.string(), z.string()),
    usage: UsageTotalsSchema,
    steps: StepProgressSchema,
    links: z.object({ self: z.string() }),
  })
  .meta({ id: 'TaskSummary' });
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const ListTasksQuerySchema = z
  .object({
    status: TaskStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: '1-100, default 20.' }),
    cursor: TaskIdSchema.optional().meta({ description: '`nextCursor` of the previous page.' }),
  })
  .strict();
export type ListTasksQuery = z.output<typeof ListTasksQuerySchema>;

export const TaskListSchema = z
  .object({
    tasks: z.array(TaskSummarySchema),
    nextCursor: TaskIdSchema.nullable().meta({
      description: 'Pass as `cursor` for the next page; null at the end.',
    }),
  })
  .meta({ id: 'TaskList' });
export type TaskList = z.infer<typeof TaskListSchema>;

export const TaskResultSchema = z
  .object({
    id: TaskIdSchema,
    status: FinalTaskStatusSchema,
    result: z
      .unknown()
      .meta({ description: "The workflow's result; for a task that ended early, its partial result." }),
    error: TaskErrorSchema.nullable(),
    usage: UsageTotalsSchema,
  })
  .meta({ id: 'TaskResult' });
export type TaskResult = z.infer<typeof TaskResultSchema>;

export const CancelTaskRequestSchema = z
  .object({ reason: z.string().max(1_000, 'reason is at most 1000 characters').optional() })
  .strict()
  .meta({ id: 'CancelTaskRequest' });
export type CancelTaskRequest = z.input<typeof CancelTaskRequestSchema>;

export const ReviewDecisionSchema = z.enum(['approve', 'reject', 'revise']);
export type ReviewDecision = z.infer<typeof ReviewDecisionSchema>;

export const ReviewTaskRequestSchema = z
  .object({
    decision: ReviewDecisionSchema,
    notes: z.string().max(10_000, 'notes are at most 10000 characters').optional(),
  })
  .strict()
  .meta({ id: 'ReviewTaskRequest' });
export type ReviewTaskRequest = z.input<typeof ReviewTaskRequestSchema>;

export const ControlAcceptedSchema = z
  .object({ id: TaskIdSchema, status: TaskStatusSchema, accepted: z.literal(true), links: TaskLinksSchema })
  .meta({
    id: 'ControlAccepted',
    description: 'The request went to the supervisors; follow the events for its effect.',
  });
export type ControlAccepted = z.infer<typeof ControlAcceptedSchema>;

export { TaskEventSchema, ProgressEventType };
export type { TaskEvent } from '@troupe/bus/contracts';

/** One event of a task's event stream with its stream sequence (the SSE `id`). */
export interface TaskEventMessage {
  id: number;
  event: z.infer<typeof TaskEventSchema>;
}

export const AuditQuerySchema = z
  .object({
    after: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Only records after this sequence.' }),
    limit: z.coerce.number().int().min(1).max(1_000).default(200),
  })
  .strict();
export type AuditQuery = z.output<typeof AuditQuerySchema>;

export const AuditEntrySchema = AuditRecordSchema.extend({
  seq: z
    .number()
    .int()
    .meta({ description: "The record's position in the task's audit log: pass it as `after` to read on." }),
}).meta({
  id: 'AuditEntry',
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditLogSchema = z
  .object({
    id: TaskIdSchema,
    records: z.array(AuditEntrySchema),
    nextAfter: z.number().int().nullable().meta({ description: 'Pass as `after` for more; null when none.' }),
  })
  .meta({ id: 'AuditLog' });
export type AuditLog = z.infer<typeof AuditLogSchema>;

/** A span, as the live span feed (packages/telemetry `SpanRecordSchema`) carries it. */
export const TraceSpanSchema = z
  .object({
    traceId: z.string(),
    spanId: z.string(),
    parentSpanId: z.string().optional(),
    name: z.string(),
    service: z.string(),
    kind: z.string(),
    /** Epoch milliseconds, on the clock of the process that recorded the span. */
    start: z.number(),
    /** For a `started` marker: how long the span had been open when the marker was sent. */
    durationMs: z.number(),
    status: z.string(),
    attrs: z.record(z.string(), z.unknown()),
    /**
     * `started`: the span is still open (sent for spans open longer than the feed's flush interval, such as a
     * model call); the `ended` record with the same `spanId` replaces it. Absent means `ended`.
     */
    phase: z.enum(['started', 'ended']).optional(),
    /** The status description of a failed span. */
    statusMessage: z.string().optional(),
    /** Span events (exceptions, retries), times in epoch milliseconds; attributes as the span's. */
    events: z
      .array(z.object({ name: z.string(), time: z.number(), attrs: z.record(z.string(), z.unknown()) }))
      .optional(),
    /** The host and process that recorded the span. */
    host: z.string().optional(),
    pid: z.number().int().optional(),
  })
  .meta({ id: 'TraceSpan' });
export type TraceSpan = z.infer<typeof TraceSpanSchema>;

export const TaskTraceSchema = z
  .object({
    id: TaskIdSchema,
    traceId: z.string().nullable(),
    spans: z.array(TraceSpanSchema),
  })
  .meta({ id: 'TaskTrace' });
export type TaskTrace = z.infer<typeof TaskTraceSchema>;

export const WorkflowInfoSchema = z
  .object({
    name: WorkflowNameSchema,
    version: z.number().int(),
    description: z.string(),
    roles: z.array(z.string()),
    steps: z.array(
      z.object({
        id: z.string(),
        role: z.string(),
        needs: z.array(z.string()),
        description: z.string().optional(),
      }),
    ),
    inputSchema: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'JSON Schema of the input, when the workflow uses a zod schema.' }),
  })
  .meta({ id: 'WorkflowInfo' });
export type WorkflowInfo = z.infer<typeof WorkflowInfoSchema>;

export const WorkflowListSchema = z
  .object({ workflows: z.array(WorkflowInfoSchema) })
  .meta({ id: 'WorkflowList' });
export type WorkflowList = z.infer<typeof WorkflowListSchema>;

export const AgentInfoSchema = HeartbeatSchema.extend({
  stale: z.boolean().meta({ description: 'True when the last heartbeat is older than the liveness window.' }),
}).meta({ id: 'AgentInfo' });
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

export const AgentListSchema = z.object({ agents: z.array(AgentInfoSchema) }).meta({ id: 'AgentList' });
export type AgentList = z.infer<typeof AgentListSchema>;

export const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ nats: z.boolean(), topology: z.boolean() }),
  })
  .meta({ id: 'Readiness' });
export type Readiness = z.infer<typeof ReadinessSchema>;

/** What a problem's `type` says, as URNs: stable, not meant to be fetched. */
export const ProblemType = {
  Validation: 'urn:troupe:problem:validation',
  InvalidInput: 'urn:troupe:problem:invalid-input',
  UnknownWorkflow: 'urn:troupe:problem:unknown-workflow',
  MalformedBody: 'urn:troupe:problem:malformed-body',
  UnsupportedMediaType: 'urn:troupe:problem:unsupported-media-type',
  PayloadTooLarge: 'urn:troupe:problem:payload-too-large',
  Unauthorized: 'urn:troupe:problem:unauthorized',
  Forbidden: 'urn:troupe:problem:forbidden',
  NotFound: 'urn:troupe:problem:not-found',
  RouteNotFound: 'urn:troupe:problem:route-not-found',
  MethodNotAllowed: 'urn:troupe:problem:method-not-allowed',
  MalformedRequest: 'urn:troupe:problem:malformed-request',
  HeadersTooLarge: 'urn:troupe:problem:headers-too-large',
  RequestTimeout: 'urn:troupe:problem:request-timeout',
  ExpectationFailed: 'urn:troupe:problem:expectation-failed',
  Conflict: 'urn:troupe:problem:conflict',
  IdempotencyMismatch: 'urn:troupe:problem:idempotency-mismatch',
  NotFinished: 'urn:troupe:problem:not-finished',
  NotAwaitingReview: 'urn:troupe:problem:not-awaiting-review',
  AlreadyFinished: 'urn:troupe:problem:already-finished',
  RateLimited: 'urn:troupe:problem:rate-limited',
  Unavailable: 'urn:troupe:problem:unavailable',
  Internal: 'urn:troupe:problem:internal',
} as const;
export type ProblemType = (typeof ProblemType)[keyof typeof ProblemType];

/** RFC 9457 problem details, as every error of the API is sent (`application/problem+json`). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    /** Field-level issues of a validation problem. */
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
