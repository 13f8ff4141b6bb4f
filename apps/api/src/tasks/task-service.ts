import {
  AuditRecordSchema,
  Buckets,
  BusError,
  BusErrorCode,
  isModelRef,
  newTaskId,
  taskIdTime,
  subjects,
  type Bus,
  type Clock,
  type Control,
  type TaskEvent,
  type TaskSubmit,
  type TypedKv,
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
import {
  createWorkflowEngine,
  taskKey,
  TaskRecordSchema,
  type AnyWorkflow,
  type TaskRecord,
  type WorkflowEngine,
} from '@troupe/supervisor';
import { withWorkflowSpan } from '@troupe/telemetry';
import { z } from 'zod';
import { mayUseWorkflow, type Principal } from '../auth/api-keys.js';
import { formatPath } from '../http/zod-schemas.js';
import { ApiError, ApiErrorCode, type FieldIssue } from '../problem.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { engineView, toResult, toSummary, toTask } from './task-view.js';
import { readTaskSpans } from './trace-reader.js';
import { buildUsageReport, type TaskUsageSource, type UsageRange } from './usage-report.js';

const IdempotencyEntrySchema = z.object({ taskId: z.string(), fingerprint: z.string(), at: z.number() });
type IdempotencyEntry = z.infer<typeof IdempotencyEntrySchema>;

const INVALID_TRACE_ID = '0'.repeat(32);
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
  /** How long a cancel waits for a just-submitted task to be picked up by a supervisor. */
  startWaitMs: number;
}

export interface SubmitOutcome {
  id: string;
  status: TaskStatus;
  deduplicated: boolean;
}

export interface ServedWorkflow {
  workflow: AnyWorkflow;
  engine: WorkflowEngine;
}

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
  const { bus, clock, log } = options;
  const served = new Map<string, ServedWorkflow>();
  for (const workflow of options.workflows)
    served.set(workflow.name, { workflow, engine: createWorkflowEngine(workflow) });

  let tasksKv: Promise<TypedKv<TaskRecord>> | undefined;
  let idemKv: Promise<TypedKv<IdempotencyEntry>> | undefined;
  const tasks = () => (tasksKv ??= bus.kv(Buckets.Tasks, TaskRecordSchema));
  const idempotency = () => (idemKv ??= bus.kv(Buckets.Idempotency, IdempotencyEntrySchema));

  const unavailable = (what: string, err: unknown) =>
    new ApiError(
      ApiErrorCode.Unavailable,
      `${what}: the message bus did not answer (${(err as Error).message}). Retry shortly.`,
      {
        cause: err,
        headers: { 'retry-after': '2' },
      },
    );

  const describeWorkflows = (principal: Principal) =>
    [...served.keys()].filter((name) => mayUseWorkflow(principal, name)).join(', ') || '(none)';

  const checkInput = (entry: ServedWorkflow, input: unknown) => {
    if (input === undefined) {
      throw new ApiError(
        ApiErrorCode.Validation,
        'The body has no "input": send the task input as "input".',
        {
          details: { errors: [{ path: 'input', message: 'required' }] },
        },
      );
    }
    const result = entry.workflow.inputSchema['~standard'].validate(input);
    if (result instanceof Promise) {
      throw new ApiError(
        ApiErrorCode.Internal,
        `workflow "${entry.workflow.name}" has an asynchronous input schema`,
      );
    }
    if (result.issues) {
      const errors: FieldIssue[] = result.issues.map((issue) => ({
        path: formatPath([
          'input',
          ...(issue.path ?? []).map((seg) => (typeof seg === 'object' ? seg.key : seg)),
        ]),
        message: issue.message,
      }));
      throw new ApiError(
        ApiErrorCode.InvalidInput,
        `The input does not match workflow "${entry.workflow.name}": ${errors
          .slice(0, 5)
          .map((e) => `${e.path}: ${e.message}`)
          .join('; ')}.`,
        { details: { errors } },
      );
    }
  };

  const checkOptions = (request: SubmitTaskRequest) => {
    const errors: FieldIssue[] = [];
    for (const [role, model] of Object.entries(request.options?.models ?? {})) {
      if (!isModelRef(model))
        errors.push({ path: `options.models.${role}`, message: `"${model}" is not "provider:model"` });
    }
    const cheap = request.options?.cheapModel;
    if (cheap !== undefined && !isModelRef(cheap)) {
      errors.push({ path: 'options.cheapModel', message: `"${cheap}" is not "provider:model"` });
    }
    if (errors.length > 0) {
      throw new ApiError(
        ApiErrorCode.Validation,
        `The options are not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}.`,
        { details: { errors } },
      );
    }
  };

  const readRecord = async (tenant: string, id: string): Promise<TaskRecord | undefined> => {
    try {
      return (await (await tasks()).get(taskKey(tenant, id)))?.value;
    } catch (err) {
      throw unavailable(`reading task ${id}`, err);
    }
  };

  const read = async (principal: Principal, id: string): Promise<TaskRecord> => {
    const record = await readRecord(principal.tenant, id);
    if (!record) {
      throw new ApiError(
        ApiErrorCode.NotFound,
        `No task "${id}" exists for this API key's tenant. Check the id (GET /v1/tasks lists yours).`,
      );
    }
    if (!mayUseWorkflow(principal, record.workflow)) {
      throw new ApiError(
        ApiErrorCode.Forbidden,
        `Task "${id}" runs workflow "${record.workflow}", which this API key may not use (allowed: ${describeWorkflows(principal)}).`,
      );
    }
    return record;
  };

  const submitMessage = (record: TaskRecord): TaskSubmit => ({
    v: 1,
    taskId: record.taskId,
    tenant: record.tenant,
    workflow: record.workflow,
    input: record.input,
    options: record.options as TaskSubmit['options'],
    metadata: record.metadata,
    ...(record.continueFrom ? { continueFrom: record.continueFrom } : {}),
    submittedAt: record.createdAt,
    recorded: true,
  });

  /** A publish that failed: the task is marked failed (with a terminal event) so nobody waits for it. */
  const markSubmitFailed = async (record: TaskRecord, err: unknown) => {
    const key = taskKey(record.tenant, record.taskId);
    const message = `the task could not be queued: ${(err as Error).message}`;
    try {
      const kv = await tasks();
      const at = clock.now();
      const event: TaskEvent = {
        v: 1,
        id: `${record.taskId}.submit-failed`,
        taskId: record.taskId,
        type: 'task.failed',
        at,
        data: { code: 'SUBMIT_FAILED', message },
      };
      await kv.casUpdate(key, (current) =>
        current && current.value.status === 'queued' && current.value.snapshot === undefined
          ? {
              ...current.value,
              status: 'failed',
              updatedAt: at,
              error: { code: 'SUBMIT_FAILED', message },
              log: { events: [event], audit: [] },
            }
          : undefined,
      );
    } catch (markErr) {
      log.error({ err: markErr, taskId: record.taskId }, 'could not mark an unqueued task failed');
    }
  };

  const publishSubmit = async (record: TaskRecord) => {
    await bus.publishDurable(subjects.taskSubmit(), submitMessage(record), { msgId: record.taskId });
  };

  /** An earlier request with the same key: same task, or 409 when the body differs. */
  const replay = async (
    principal: Principal,
    entry: IdempotencyEntry,
    fingerprint: string,
  ): Promise<SubmitOutcome> => {
    if (entry.fingerprint !== fingerprint) {
      throw new ApiError(
        ApiErrorCode.IdempotencyMismatch,
        `This Idempotency-Key was used for a different request (task ${entry.taskId}): use a new key for a new task, or resend the same body.`,
        { details: { taskId: entry.taskId } },
      );
    }
    const record = await readRecord(principal.tenant, entry.taskId);
    if (
      record &&
      record.status === 'queued' &&
      record.snapshot === undefined &&
      clock.now() - record.createdAt > 1_000
    ) {
      // The first request may have died between storing the task and queueing it: queueing again is harmless
      // (the supervisor ignores a task it has started; the stream drops a duplicate inside its window).
      try {
        await publishSubmit(record);
      } catch (err) {
        throw unavailable(`queueing task ${record.taskId}`, err);
      }
    }
    return { id: entry.taskId, status: record?.status ?? 'queued', deduplicated: true };
  };

  const submit = async (
    principal: Principal,
    request: SubmitTaskRequest,
    idempotencyKey?: string,
  ): Promise<SubmitOutcome> => {
    const entry = served.get(request.workflow);
    if (!entry || !mayUseWorkflow(principal, request.workflow)) {
      if (entry) {
        throw new ApiError(
          ApiErrorCode.Forbidden,
          `This API key may not run workflow "${request.workflow}" (allowed: ${describeWorkflows(principal)}).`,
        );
      }
      throw new ApiError(
        ApiErrorCode.UnknownWorkflow,
        `There is no workflow "${request.workflow}". Available: ${describeWorkflows(principal)} (GET /v1/workflows).`,
        { details: { errors: [{ path: 'workflow', message: 'unknown workflow' }] } },
      );
    }
    checkInput(entry, request.input);
    checkOptions(request);
    if (request.continueFrom !== undefined) {
      const previous = await readRecord(principal.tenant, request.continueFrom);
      if (!previous) {
        throw new ApiError(
          ApiErrorCode.InvalidInput,
          `continueFrom names task "${request.continueFrom}", which does not exist for your tenant.`,
          {
            details: { errors: [{ path: 'continueFrom', message: 'no such task' }] },
          },
        );
      }
    }

    const now = clock.now();
    const taskId = newTaskId(now);
    const metadata: Record<string, string> = { ...request.metadata };
    delete metadata['traceId'];
    let idemKey: string | undefined;
    if (idempotencyKey !== undefined) {
      idemKey = `${principal.tenant}.${sha256Hex(idempotencyKey)}`;
      const fingerprint = sha256Hex(
        canonicalJson({
          workflow: request.workflow,
          input: request.input,
          options: request.options ?? {},
          metadata: request.metadata ?? {},
          continueFrom: request.continueFrom ?? null,
        }),
      );
      const kv = await idempotency().catch((err: unknown) => {
        throw unavailable('checking the Idempotency-Key', err);
      });
      for (let attempt = 0; ; attempt++) {
        try {
          await kv.create(idemKey, { taskId, fingerprint, at: now });
          break;
        } catch (err) {
          if (!(err instanceof BusError && err.code === BusErrorCode.CasConflict))
            throw unavailable('checking the Idempotency-Key', err);
          const existing = await kv.get(idemKey).catch((getErr: unknown) => {
            throw unavailable('checking the Idempotency-Key', getErr);
          });
          if (existing) return replay(principal, existing.value, fingerprint);
          if (attempt >= 3) throw unavailable('checking the Idempotency-Key', err);
          // deleted in between (a failed first attempt released it): try to claim it again
        }
      }
    }
    const releaseKey = async () => {
      if (!idemKey) return;
      await (await idempotency()).delete(idemKey).catch(() => undefined);
    };

    return withWorkflowSpan(
      { workflow: request.workflow, taskId, attributes: { 'troupe.tenant': principal.tenant } },
      async (span) => {
        const traceId = span.spanContext().traceId;
        if (traceId && traceId !== INVALID_TRACE_ID) metadata['traceId'] = traceId;
        const record: TaskRecord = {
          v: 1,
          taskId,
          tenant: principal.tenant,
          workflow: request.workflow,
          workflowVersion: entry.workflow.version,
          status: 'queued',
          input: request.input,
          options: (request.options ?? {}) as Record<string, unknown>,
          metadata,
          ...(request.continueFrom !== undefined ? { continueFrom: request.continueFrom } : {}),
          createdAt: now,
          updatedAt: now,
          seq: 0,
          wakeAt: null,
        };
        try {
          await (await tasks()).create(taskKey(principal.tenant, taskId), record);
        } catch (err) {
          await releaseKey();
          if (err instanceof BusError && err.code === BusErrorCode.PayloadTooLarge) {
            throw new ApiError(
              ApiErrorCode.PayloadTooLarge,
              `The task's input, options and metadata take ${String(err.details?.['bytes'])} bytes as a task record, over the ${String(err.details?.['limit'])} bytes the message bus stores in one (max_payload): send less, or put large inputs in an artifact and pass a reference.`,
              { cause: err },
            );
          }
          throw unavailable('storing the task', err);
        }
        try {
          await publishSubmit(record);
        } catch (err) {
          await markSubmitFailed(record, err);
          await releaseKey();
          throw unavailable(`queueing task ${taskId} (it is marked failed; submit again)`, err);
        }
        return { id: taskId, status: 'queued' as const, deduplicated: false };
      },
    );
  };

  const viewOf = (record: TaskRecord) => engineView(record, served.get(record.workflow)?.engine);

  /** The tenant's task ids, newest first (for ids made by the API). */
  const taskIds = async (tenant: string): Promise<string[]> => {
    // The tenant's keys are the subjects of the bucket's stream: one stream-info request with a subject
    // filter lists them all, where KV keys() reads a message per task. Task records are never deleted, so
    // every subject is a task.
    const prefix = `$KV.${Buckets.Tasks}.${tenant}.`;
    let subjectsOf: Record<string, number>;
    try {
      const info = await bus.jsm.streams.info(`KV_${Buckets.Tasks}`, { subjects_filter: `${prefix}*` });
      subjectsOf = info.state.subjects ?? {};
    } catch (err) {
      throw unavailable('listing tasks', err);
    }
    return Object.keys(subjectsOf)
      .map((subject) => subject.slice(prefix.length))
      .sort()
      .reverse();
  };

  const list: TaskService['list'] = async (principal, query) => {
    let ids = await taskIds(principal.tenant);
    if (query.cursor !== undefined) ids = ids.filter((id) => id < query.cursor!);
    const out: TaskRecord[] = [];
    let index = 0;
    const chunk = Math.max(query.limit, 10);
    while (out.length < query.limit && index < ids.length) {
      const batch = ids.slice(index, index + chunk);
      index += batch.length;
      const records = await Promise.all(batch.map((id) => readRecord(principal.tenant, id)));
      for (const [i, record] of records.entries()) {
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
    readRecord(tenant, id).catch((err: unknown) => {
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
    const ids = (await taskIds(principal.tenant)).filter((id) => (taskIdTime(id) ?? 0) <= range.until);
    const sources: TaskUsageSource[] = [];
    for (let index = 0; index < ids.length; index += USAGE_READ_BATCH) {
      const batch = ids.slice(index, index + USAGE_READ_BATCH);
      const records = await Promise.all(batch.map((id) => readForReport(principal.tenant, id)));
      for (const record of records) {
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

  async function* watch(
    record: TaskRecord,
    signal: AbortSignal,
  ): AsyncGenerator<TaskRecord, void, undefined> {
    const kv = await tasks();
    const watcher = await kv.kv.watch({ key: taskKey(record.tenant, record.taskId) });
    const stop = () => watcher.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      if (signal.aborted) return;
      for await (const entry of watcher) {
        if (entry.operation !== 'PUT') continue;
        const parsed = TaskRecordSchema.safeParse(entry.json());
        if (parsed.success) yield parsed.data;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      watcher.stop();
    }
  }

  /** Waits (bounded) until a supervisor has picked a queued task up: before that, it ignores control messages. */
  const awaitStarted = async (record: TaskRecord): Promise<TaskRecord> => {
    if (record.snapshot !== undefined || record.status !== 'queued') return record;
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), options.startWaitMs);
    try {
      for await (const next of watch(record, controller.signal)) {
        if (next.snapshot !== undefined || next.status !== 'queued') return next;
      }
    } finally {
      clock.clearTimeout(timer);
      controller.abort();
    }
    return record;
  };

  const service: TaskService = {
    workflows: served,
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
      let record = await read(principal, id);
      if (isFinalStatus(record.status)) {
        throw new ApiError(
          ApiErrorCode.AlreadyFinished,
          `Task ${id} is already ${record.status}; there is nothing to cancel.`,
          {
            details: { status: record.status },
          },
        );
      }
      record = await awaitStarted(record);
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
        const spans = await readTaskSpans(bus, traceId);
        return { id, traceId, spans };
      } catch (err) {
        throw unavailable(`reading the trace of task ${id}`, err);
      }
    },
    usage,
    watch,
  };
  return service;
}
