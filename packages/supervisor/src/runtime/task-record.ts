import { TaskLogSchema, type TaskLog, type TaskSubmit } from '@troupe/bus';
import { z } from 'zod';

export const TaskStatusSchema = z.enum([
  'queued',
  'running',
  'awaiting_review',
  'completed',
  'failed',
  'cancelled',
]);
export type TaskRecordStatus = z.infer<typeof TaskStatusSchema>;
export const TERMINAL_STATUSES: ReadonlySet<TaskRecordStatus> = new Set(['completed', 'failed', 'cancelled']);

/**
 * A task as it lives in KV `troupe_tasks` under `<tenant>.<taskId>`: the engine's snapshot (which can rebuild
 * the effects of its last transition, to carry them out again after a crash) and the few fields the API
 * lists and filters by. The bucket keeps every revision (the task journal): each carries in `log` the
 * progress events and audit records its write added, so a transition is one durable write.
 */
export const TaskRecordSchema = z.object({
  v: z.literal(1),
  taskId: z.string(),
  tenant: z.string(),
  workflow: z.string(),
  workflowVersion: z.number().int().optional(),
  status: TaskStatusSchema,
  input: z.unknown(),
  options: z.record(z.string(), z.unknown()).default({}),
  metadata: z.record(z.string(), z.string()).default({}),
  continueFrom: z.string().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Events applied so far. */
  seq: z.number().int().nonnegative(),
  wakeAt: z.number().nullable().default(null),
  snapshot: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string(), stepKey: z.string().optional() }).optional(),
  /** What this revision added to the task's events and audit log (none: nothing). */
  log: TaskLogSchema.optional(),
});
export type TaskRecord = z.infer<typeof TaskRecordSchema>;

export const WakeupSchema = z.object({ wakeAt: z.number(), by: z.string() });
export type Wakeup = z.infer<typeof WakeupSchema>;

export const taskKey = (tenant: string, taskId: string) => `${tenant}.${taskId}`;
export const parseTaskKey = (key: string) => {
  const dot = key.indexOf('.');
  return { tenant: key.slice(0, dot), taskId: key.slice(dot + 1) };
};

/** The record as one write stores it: with the log records this write adds, and none of an earlier one's. */
export function withLog(record: TaskRecord, log: TaskLog | undefined): TaskRecord {
  const { log: _earlier, ...rest } = record;
  return log && (log.events.length > 0 || log.audit.length > 0) ? { ...rest, log } : rest;
}

/** The record of a submitted task no supervisor has started. */
export function queuedRecord(submit: TaskSubmit, now: number): TaskRecord {
  return {
    v: 1,
    taskId: submit.taskId,
    tenant: submit.tenant,
    workflow: submit.workflow,
    ...(submit.workflowVersion !== undefined ? { workflowVersion: submit.workflowVersion } : {}),
    status: 'queued',
    input: submit.input,
    options: submit.options as Record<string, unknown>,
    metadata: submit.metadata,
    ...(submit.continueFrom ? { continueFrom: submit.continueFrom } : {}),
    createdAt: submit.submittedAt,
    updatedAt: now,
    seq: 0,
    wakeAt: null,
  };
}
