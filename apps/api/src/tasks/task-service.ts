import {
  AuditRecordSchema,
  BusError,
  BusErrorCode,
  taskIdTime,
  subjects,
  type Bus,
  type Clock,
  type Control,
} from '@troupe/bus';
import {
  isFinalStatus,
  type AuditLog,
  type ReviewDecision,
  type SubmitTaskRequest,
  type Task,
  type TaskList,
  type TaskResult,
  type TaskStatus,
  type TaskSummary,
  type TaskTrace,
  type UsageReport,
} from '@troupe/client';
import type { AnyWorkflow, TaskRecord } from '@troupe/supervisor';
import { mayUseWorkflow, type Principal } from '../auth/api-keys.js';
import { ApiError, ApiErrorCode } from '../problem.js';
import { createIdempotencyKeys } from './idempotency-keys.js';
import { createServedWorkflows, type ServedWorkflow } from './served-workflows.js';
import { createTaskRecords } from './task-records.js';
import { createTaskSubmitter, type SubmitOutcome } from './task-submitter.js';
import { engineView, toResult, toSummary, toTask } from './task-view.js';
import { readTaskSpans } from './trace-reader.js';
import { unavailable } from './unavailable.js';
import { buildUsageReport, type TaskUsageSource, type UsageRange } from './usage-report.js';

/** Task records read at once for a usage report. */
const USAGE_READ_BATCH = 64;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TaskServiceOptions {
  bus: Bus;
  workflows: readonly AnyWorkflow[];
  clock: Clock;
  log: Logger;
}

export type { SubmitOutcome, ServedWorkflow };

export interface TaskService {
  readonly workflows: ReadonlyMap<string, ServedWorkflow>;
  submit(principal: Principal, request: SubmitTaskRequest, idempotencyKey?: string): Promise<SubmitOutcome>;
  /** The record of one of the principal's tasks; NOT_FOUND for others' tasks, FORBIDDEN for a workflow the key may not use. */
  read(principal: Principal, id: string): Promise<TaskRecord>;
  task(principal: Principal, id: string): Promise<Task>;
  toTask(record: TaskRecord): Task;
  toSummary(record: TaskRecord): TaskSummary;
  list(
    principal: Principal,
    query: { status?: TaskStatus | undefined; limit: number; cursor?: string | undefined },
  ): Promise<TaskList>;
  result(principal: Principal, id: string): Promise<TaskResult>;
  cancel(principal: Principal, id: string, reason?: string): Promise<TaskRecord>;
  review(principal: Principal, id: string, decision: ReviewDecision, notes?: string): Promise<TaskRecord>;
  audit(
    principal: Principal,
    id: string,
    query: { after?: number | undefined; limit: number },
  ): Promise<AuditLog>;
  trace(principal: Principal, id: string): Promise<TaskTrace>;
  /** Step usage of the principal's tasks (those of workflows it may use) within the range, by bucket. */
  usage(principal: Principal, range: UsageRange): Promise<UsageReport>;
  /** Every version of a task's record from now on (the current one first), until `signal` aborts. */
  watch(record: TaskRecord, signal: AbortSignal): AsyncIterable<TaskRecord>;
}

export function createTaskService(options: TaskServiceOptions): TaskService {
  const { bus, log } = options;
  const served = createServedWorkflows(options.workflows);
  const records = createTaskRecords(bus);
  const submit = createTaskSubmitter({
    bus,
    clock: options.clock,
    records,
    idempotency: createIdempotencyKeys(bus),
    workflowFor: served.workflowFor,
  });
  const clock = options.clock;

  const read = async (principal: Principal, id: string): Promise<TaskRecord> => {
    const record = await records.find(principal.tenant, id);
    if (!record) {
      throw new ApiError(
        ApiErrorCode.NotFound,
        `No task "${id}" exists for this API key's tenant. Check the id (GET /v1/tasks lists yours).`,
      );
    }
    if (!mayUseWorkflow(principal, record.workflow)) {
      throw new ApiError(
        ApiErrorCode.Forbidden,
        `Task "${id}" runs workflow "${record.workflow}", which this API key may not use (allowed: ${served.describe(principal)}).`,
      );
    }
    return record;
  };

  const viewOf = (record: TaskRecord) => engineView(record, served.all.get(record.workflow)?.engine);

  const list: TaskService['list'] = async (principal, query) => {
    let ids = await records.ids(principal.tenant);
    if (query.cursor !== undefined) ids = ids.filter((id) => id < query.cursor!);
    const out: TaskRecord[] = [];
    let index = 0;
    const chunk = Math.max(query.limit, 10);
    while (out.length < query.limit && index < ids.length) {
      const batch = ids.slice(index, index + chunk);
      index += batch.length;
      const found = await Promise.all(batch.map((id) => records.find(principal.tenant, id)));
      for (const [i, record] of found.entries()) {
        if (!record) continue;
        if (query.status !== undefined && record.status !== query.status) continue;
        if (!mayUseWorkflow(principal, record.workflow)) continue;
        out.push(record);
        if (out.length === query.limit) {
          index = index - batch.length + i + 1;
          break;
        }
      }
    }
    const more = out.length === query.limit && index < ids.length;
    return {
      tasks: out.map((record) => toSummary(record, viewOf(record))),
      nextCursor: more ? out[out.length - 1]!.taskId : null,
    };
  };

  /** A record that does not match the schema is left out of a report, not a reason to refuse it. */
  const readForReport = (tenant: string, id: string) =>
    records.find(tenant, id).catch((err: unknown) => {
      const cause = (err as Error).cause;
      if (!(cause instanceof BusError && cause.code === BusErrorCode.DecodeFailed)) throw err;
      log.warn(
        { err: cause, taskId: id },
        'a task record does not match its schema: left out of the usage report',
      );
      return undefined;
    });

  const usage: TaskService['usage'] = async (principal, range) => {
    // A task made after the range cannot have finished a step in it; one last updated before it has not.
    const ids = (await records.ids(principal.tenant)).filter((id) => (taskIdTime(id) ?? 0) <= range.until);
    const sources: TaskUsageSource[] = [];
    for (let index = 0; index < ids.length; index += USAGE_READ_BATCH) {
      const batch = ids.slice(index, index + USAGE_READ_BATCH);
      const found = await Promise.all(batch.map((id) => readForReport(principal.tenant, id)));
      for (const record of found) {
        if (!record || record.updatedAt < range.since || !mayUseWorkflow(principal, record.workflow))
          continue;
        const view = viewOf(record);
        if (!view) continue;
        sources.push({
          workflow: record.workflow,
          endedAt: isFinalStatus(record.status) ? (view.endedAt ?? record.updatedAt) : undefined,
          updatedAt: record.updatedAt,
          steps: view.steps,
        });
      }
    }
    return buildUsageReport(sources, range);
  };

  const publishControl = async (control: Control, msgId: string) => {
    try {
      await bus.publishDurable(subjects.control(control.taskId), control, { msgId });
    } catch (err) {
      throw unavailable(`sending ${control.type} for task ${control.taskId}`, err);
    }
  };

  const service: TaskService = {
    workflows: served.all,
    submit,
    read,
    toTask: (record) => toTask(record, viewOf(record)),
    toSummary: (record) => toSummary(record, viewOf(record)),
    task: async (principal, id) => service.toTask(await read(principal, id)),
    list,
    async result(principal, id) {
      const record = await read(principal, id);
      const result = toResult(record, viewOf(record));
      if (!result) {
        throw new ApiError(
          ApiErrorCode.NotFinished,
          `Task ${id} is ${record.status.replace('_', ' ')}; its result is ready once it completes, fails or is cancelled. Follow ${`/v1/tasks/${id}/events`} to know when.`,
          { details: { status: record.status } },
        );
      }
      return result;
    },
    async cancel(principal, id, reason) {
      const record = await read(principal, id);
      if (isFinalStatus(record.status)) {
        throw new ApiError(
          ApiErrorCode.AlreadyFinished,
          `Task ${id} is already ${record.status}; there is nothing to cancel.`,
          {
            details: { status: record.status },
          },
        );
      }
      await publishControl(
        {
          v: 1,
          type: 'cancel',
          taskId: id,
          tenant: principal.tenant,
          ...(reason !== undefined ? { reason } : {}),
          at: clock.now(),
        },
        `${id}.cancel`,
      );
      return record;
    },
    async review(principal, id, decision, notes) {
      const record = await read(principal, id);
      if (record.status !== 'awaiting_review') {
        throw new ApiError(
          ApiErrorCode.NotAwaitingReview,
          `Task ${id} is ${record.status.replace('_', ' ')}, not awaiting review: a decision is only taken while it waits for one.`,
          { details: { status: record.status } },
        );
      }
      await publishControl(
        {
          v: 1,
          type: 'review',
          taskId: id,
          tenant: principal.tenant,
          decision,
          ...(notes !== undefined ? { notes } : {}),
          by: principal.name,
          at: clock.now(),
        },
        `${id}.review.${record.seq}`,
      );
      return record;
    },
    async audit(principal, id, query) {
      await read(principal, id);
      let records;
      try {
        records = await bus.readJournal(
          'audit',
          { tenant: principal.tenant, taskId: id },
          AuditRecordSchema,
          {
            ...(query.after !== undefined ? { after: query.after } : {}),
            limit: query.limit,
            onInvalid: (invalid) =>
              log.warn({ ...invalid, taskId: id }, 'audit read skipped a record that does not decode'),
          },
        );
      } catch (err) {
        throw unavailable(`reading the audit log of task ${id}`, err);
      }
      return {
        id,
        records: records.map((r) => ({ ...r.data, seq: r.position })),
        nextAfter: records.length === query.limit ? records[records.length - 1]!.position : null,
      };
    },
    async trace(principal, id) {
      const record = await read(principal, id);
      const traceId = record.metadata['traceId'] ?? null;
      try {
        const spans = await readTaskSpans(bus, traceId, (invalid) =>
          log.warn({ ...invalid, traceId }, 'trace read skipped a span record that does not decode'),
        );
        return { id, traceId, spans };
      } catch (err) {
        throw unavailable(`reading the trace of task ${id}`, err);
      }
    },
    usage,
    watch: records.watch,
  };
  return service;
}
