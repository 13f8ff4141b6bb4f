import { newTaskId, subjects, type Bus, type Clock, type TaskSubmit } from '@troupe/bus';
import type { SubmitTaskRequest, TaskStatus } from '@troupe/client';
import { queuedRecord } from '@troupe/supervisor';
import { withWorkflowSpan } from '@troupe/telemetry';
import type { Principal } from '../auth/api-keys.js';
import { ApiError, ApiErrorCode } from '../problem.js';
import type { IdempotencyEntry, IdempotencyKeys } from './idempotency-keys.js';
import { checkInput, checkOptions } from './submission-checks.js';
import type { ServedWorkflow } from './served-workflows.js';
import type { TaskRecords } from './task-records.js';
import { unavailable } from './unavailable.js';

const INVALID_TRACE_ID = '0'.repeat(32);

export interface SubmitOutcome {
  id: string;
  status: TaskStatus;
  deduplicated: boolean;
}

export interface TaskSubmitterOptions {
  bus: Bus;
  clock: Clock;
  records: TaskRecords;
  idempotency: IdempotencyKeys;
  /** The served workflow a principal may use, or the 403/404 that says why not. */
  workflowFor(principal: Principal, name: string): ServedWorkflow;
}

/**
 * Accepts a task: checks it, then publishes its submission once (`Nats-Msg-Id` = task id). That publish is
 * the task's one durable write from the API; a supervisor creates the record from it. An acknowledged
 * submission survives any crash; one that was not stored is answered 503 and nothing is left behind.
 */
export function createTaskSubmitter(options: TaskSubmitterOptions) {
  const { bus, clock, records, idempotency } = options;

  const publish = async (submit: TaskSubmit) => {
    await bus.publishDurable(subjects.taskSubmit(submit.tenant, submit.taskId), submit, {
      msgId: submit.taskId,
    });
  };

  /** Refuses a submission whose task record would be over what the bus stores in one message. */
  const checkSize = (submit: TaskSubmit) => {
    const bytes = Buffer.byteLength(JSON.stringify(queuedRecord(submit, submit.submittedAt)));
    const limit = bus.maxBodyBytes;
    if (bytes <= limit) return;
    throw new ApiError(
      ApiErrorCode.PayloadTooLarge,
      `The task's input, options and metadata take ${bytes} bytes as a task record, over the ${limit} bytes the message bus stores in one (max_payload): send less, or put large inputs in an artifact and pass a reference.`,
      { details: { bytes, limit } },
    );
  };

  /** An earlier request with the same key: the same task, or 409 when the body differs. */
  const replay = async (
    principal: Principal,
    entry: IdempotencyEntry,
    fingerprint: string,
    again: () => Promise<void>,
  ): Promise<SubmitOutcome> => {
    if (entry.fingerprint !== fingerprint) {
      throw new ApiError(
        ApiErrorCode.IdempotencyMismatch,
        `This Idempotency-Key was used for a different request (task ${entry.taskId}): use a new key for a new task, or resend the same body.`,
        { details: { taskId: entry.taskId } },
      );
    }
    const record = await records.find(principal.tenant, entry.taskId);
    // The first request may have died between claiming the key and publishing: the body is the same (same
    // fingerprint), so publishing it now under the task id the key holds is that request, finished.
    if (!record && clock.now() - entry.at > 1_000) await again();
    return { id: entry.taskId, status: record?.status ?? 'queued', deduplicated: true };
  };

  return async function submit(
    principal: Principal,
    request: SubmitTaskRequest,
    idempotencyKey?: string,
  ): Promise<SubmitOutcome> {
    const entry = options.workflowFor(principal, request.workflow);
    checkInput(entry.workflow, request.input);
    checkOptions(request);
    if (request.continueFrom !== undefined && !(await records.find(principal.tenant, request.continueFrom))) {
      throw new ApiError(
        ApiErrorCode.InvalidInput,
        `continueFrom names task "${request.continueFrom}", which does not exist for your tenant.`,
        { details: { errors: [{ path: 'continueFrom', message: 'no such task' }] } },
      );
    }
    const now = clock.now();
    const metadata: Record<string, string> = { ...request.metadata };
    delete metadata['traceId'];
    const submission = (taskId: string, submittedAt: number): TaskSubmit => ({
      v: 1,
      taskId,
      tenant: principal.tenant,
      workflow: request.workflow,
      workflowVersion: entry.workflow.version,
      input: request.input,
      options: (request.options ?? {}) as TaskSubmit['options'],
      metadata,
      ...(request.continueFrom !== undefined ? { continueFrom: request.continueFrom } : {}),
      submittedAt,
    });
    const taskId = newTaskId(now);
    checkSize(submission(taskId, now));

    let release = async () => undefined as void;
    if (idempotencyKey !== undefined) {
      const body = {
        workflow: request.workflow,
        input: request.input,
        options: request.options ?? {},
        metadata: request.metadata ?? {},
        continueFrom: request.continueFrom ?? null,
      };
      const claim = await idempotency.claim(principal.tenant, idempotencyKey, body, taskId, now);
      if (!claim.claimed) {
        const { entry: held } = claim;
        return replay(principal, held, claim.fingerprint, () =>
          publish(submission(held.taskId, held.at)).catch((err: unknown) => {
            throw unavailable(`queueing task ${held.taskId}`, err);
          }),
        );
      }
      release = claim.release;
    }

    return withWorkflowSpan(
      { workflow: request.workflow, taskId, attributes: { 'troupe.tenant': principal.tenant } },
      async (span) => {
        const traceId = span.spanContext().traceId;
        if (traceId && traceId !== INVALID_TRACE_ID) metadata['traceId'] = traceId;
        try {
          await publish(submission(taskId, now));
        } catch (err) {
          await release();
          throw unavailable(`queueing task ${taskId} (nothing was stored; submit again)`, err);
        }
        return { id: taskId, status: 'queued' as const, deduplicated: false };
      },
    );
  };
}

export type TaskSubmitter = ReturnType<typeof createTaskSubmitter>;
