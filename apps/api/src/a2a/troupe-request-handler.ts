import { randomUUID } from 'node:crypto';
import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import { TaskState } from '@a2a-js/sdk';
import {
  ExtendedAgentCardNotConfiguredError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
} from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type { Clock } from '@troupe/bus';
import { isFinalStatus, type ReviewDecision, type TaskStatus } from '@troupe/client';
import type { TaskRecord } from '@troupe/supervisor';
import { hasScope, Scope, type Principal } from '../auth/api-keys.js';
import { ApiError, ApiErrorCode } from '../problem.js';
import type { TaskService } from '../tasks/task-service.js';
import { engineView, toResult } from '../tasks/task-view.js';
import { A2A_STATE, A2AMeta, contextIdOf, isInterrupted, resultArtifact, toA2ATask } from './task-mapping.js';

export const PRINCIPAL_STATE_KEY = 'troupe.principal';

export interface TroupeA2AOptions {
  service: TaskService;
  card: () => AgentCard;
  clock: Clock;
  /** The workflow a message runs when its metadata names none. */
  defaultWorkflow: string;
  /** A blocking `message/send` returns the task as it is after this long. */
  blockingTimeoutMs: number;
}

function principalOf(context: ServerCallContext): Principal {
  const principal = context.state.get(PRINCIPAL_STATE_KEY) as Principal | undefined;
  if (!principal) throw new Error('the A2A route runs without an authenticated principal');
  return principal;
}

/** Troupe errors in A2A terms: bad input → invalid params, unknown task → task not found. */
function toA2AError(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  switch (err.code) {
    case ApiErrorCode.NotFound:
      return new TaskNotFoundError({ message: err.message, cause: err });
    case ApiErrorCode.AlreadyFinished:
      return new TaskNotCancelableError({ message: err.message, cause: err });
    case ApiErrorCode.Unavailable:
    case ApiErrorCode.Internal:
    case ApiErrorCode.InvalidOptions:
      return err;
    default:
      return new RequestMalformedError({ message: err.message, cause: err });
  }
}

async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toA2AError(err);
  }
}

function textOf(msg: Message): string {
  return msg.parts
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .filter((t) => t.trim() !== '')
    .join('\n')
    .trim();
}

function metadataString(
  ...sources: Array<Record<string, unknown> | undefined>
): (key: string) => string | undefined {
  return (key) => {
    for (const source of sources) {
      const value = source?.[key];
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  };
}

/** "approve" / "reject" (or metadata `decision`), else the text is the notes of a revision. */
function reviewDecisionOf(
  text: string,
  explicit: string | undefined,
): { decision: ReviewDecision; notes?: string } {
  const wanted = (explicit ?? text.split(/\s+/)[0] ?? '').toLowerCase().replace(/[^a-z]/g, '');
  if (wanted === 'approve' || wanted === 'approved') return { decision: 'approve' };
  if (wanted === 'reject' || wanted === 'rejected')
    return { decision: 'reject', ...(text ? { notes: text } : {}) };
  return { decision: 'revise', ...(text ? { notes: text } : {}) };
}

/**
 * The troupe behind the A2A SDK's JSON-RPC transport: each A2A task is a Troupe task, read from and
 * written to NATS, so any API instance answers for any task.
 */
export class TroupeA2ARequestHandler implements A2ARequestHandler {
  constructor(private readonly o: TroupeA2AOptions) {}

  async getAgentCard(): Promise<AgentCard> {
    return this.o.card();
  }

  async getAuthenticatedExtendedAgentCard(
    _params: GetExtendedAgentCardRequest,
    _context: ServerCallContext,
  ): Promise<AgentCard> {
    throw new ExtendedAgentCardNotConfiguredError('this agent has no extended card');
  }

  private a2aTask(record: TaskRecord): Task {
    const view = engineView(record, this.o.service.workflows.get(record.workflow)?.engine);
    return toA2ATask(record, toResult(record, view)?.result);
  }

  /** Starts a Troupe task for a message, or answers a review the task waits for. */
  private async accept(params: SendMessageRequest, context: ServerCallContext): Promise<TaskRecord> {
    const principal = principalOf(context);
    const msg = params.message;
    if (!msg) throw new RequestMalformedError('the request has no message');
    const text = textOf(msg);
    const meta = metadataString(msg.metadata, params.metadata);
    return mapErrors(async () => {
      if (msg.taskId) {
        const record = await this.o.service.read(principal, msg.taskId);
        if (record.status !== 'awaiting_review') {
          throw new RequestMalformedError(
            `task ${msg.taskId} is ${record.status.replace('_', ' ')} and takes no input; send a new message without taskId to start another`,
          );
        }
        if (!hasScope(principal, Scope.Review)) {
          throw new RequestMalformedError('this API key may not review tasks (it lacks the "review" scope)');
        }
        const { decision, notes } = reviewDecisionOf(text, meta('decision'));
        await this.o.service.review(principal, record.taskId, decision, notes);
        // Answer with the task as the decision left it, not as it was while it waited.
        return this.nextVersion(record, this.o.blockingTimeoutMs);
      }
      if (!text) throw new RequestMalformedError('the message has no text part: send the question as text');
      const contextId = (msg.contextId || randomUUID()).slice(0, 256);
      const workflow = meta('workflow') ?? this.o.defaultWorkflow;
      const continueFrom = msg.referenceTaskIds[0];
      const submitted = await this.o.service.submit(
        principal,
        {
          workflow,
          input: { question: text },
          metadata: {
            [A2AMeta.ContextId]: contextId,
            ...(msg.messageId ? { [A2AMeta.MessageId]: msg.messageId.slice(0, 1024) } : {}),
          },
          ...(continueFrom ? { continueFrom } : {}),
        },
        // A client retrying the same message gets the same task.
        msg.messageId ? `a2a:${msg.messageId}` : undefined,
      );
      return this.o.service.read(principal, submitted.id);
    });
  }

  /** The first version of the record written after `record` (or `record` itself after `timeoutMs`). */
  private async nextVersion(record: TaskRecord, timeoutMs: number): Promise<TaskRecord> {
    const controller = new AbortController();
    const timer = this.o.clock.setTimeout(() => controller.abort(), timeoutMs);
    try {
      for await (const next of this.o.service.watch(record, controller.signal)) {
        if (next.seq > record.seq || next.status !== record.status) return next;
      }
    } finally {
      this.o.clock.clearTimeout(timer);
      controller.abort();
    }
    return record;
  }

  /** The task's records from `record` on, ending at a final state or a wait for a person. */
  private async *follow(
    record: TaskRecord,
    signal: AbortSignal,
  ): AsyncGenerator<TaskRecord, void, undefined> {
    if (isInterrupted(record.status)) {
      yield record;
      return;
    }
    for await (const next of this.o.service.watch(record, signal)) {
      yield next;
      if (isInterrupted(next.status)) return;
    }
  }

  private async waitInterrupted(record: TaskRecord, timeoutMs: number): Promise<TaskRecord> {
    const controller = new AbortController();
    const timer = this.o.clock.setTimeout(() => controller.abort(), timeoutMs);
    let last = record;
    try {
      for await (const next of this.follow(record, controller.signal)) last = next;
    } finally {
      this.o.clock.clearTimeout(timer);
      controller.abort();
    }
    return last;
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const record = await this.accept(params, context);
    if (params.configuration?.returnImmediately) return this.a2aTask(record);
    return this.a2aTask(await this.waitInterrupted(record, this.o.blockingTimeoutMs));
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const record = await this.accept(params, context);
    yield { payload: { $case: 'task', value: this.a2aTask(record) } };
    yield* this.updates(record, record.status);
  }

  async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const record = await mapErrors(() => this.o.service.read(principalOf(context), params.id));
    yield { payload: { $case: 'task', value: this.a2aTask(record) } };
    yield* this.updates(record, record.status);
  }

  /** Status (and, at the end, artifact) updates as the task's record changes. */
  private async *updates(
    record: TaskRecord,
    seen: TaskStatus,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const controller = new AbortController();
    let last = seen;
    try {
      if (isInterrupted(record.status)) return;
      for await (const next of this.follow(record, controller.signal)) {
        if (next.status === last) continue;
        last = next.status;
        const task = this.a2aTask(next);
        if (next.status === 'completed') {
          yield {
            payload: {
              $case: 'artifactUpdate',
              value: {
                taskId: next.taskId,
                contextId: contextIdOf(next),
                artifact: task.artifacts[0] ?? resultArtifact(next, null),
                append: false,
                lastChunk: true,
                metadata: undefined,
              },
            },
          };
        }
        yield {
          payload: {
            $case: 'statusUpdate',
            value: {
              taskId: next.taskId,
              contextId: contextIdOf(next),
              status: task.status,
              metadata: undefined,
            },
          },
        };
      }
    } finally {
      controller.abort();
    }
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    if (!params.id?.trim()) throw new RequestMalformedError('give the task id');
    const record = await mapErrors(() => this.o.service.read(principalOf(context), params.id));
    return this.a2aTask(record);
  }

  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const principal = principalOf(context);
    const pageSize = Math.min(Math.max(params.pageSize ?? 20, 1), 100);
    const status = (Object.keys(A2A_STATE) as TaskStatus[]).find((s) => A2A_STATE[s] === params.status);
    const page = await mapErrors(() =>
      this.o.service.list(principal, {
        limit: pageSize,
        ...(status && params.status !== TaskState.TASK_STATE_UNSPECIFIED ? { status } : {}),
        ...(params.pageToken ? { cursor: params.pageToken } : {}),
      }),
    );
    const records = await Promise.all(
      page.tasks.map((t) => mapErrors(() => this.o.service.read(principal, t.id))),
    );
    const tasks = records
      .filter((r) => !params.contextId || contextIdOf(r) === params.contextId)
      .map((r) => this.a2aTask(r));
    return { tasks, nextPageToken: page.nextCursor ?? '', pageSize, totalSize: tasks.length };
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const principal = principalOf(context);
    const record = await mapErrors(() => this.o.service.cancel(principal, params.id, 'cancelled over A2A'));
    // Cancellation is quick once a supervisor has the event; answer with the task as it then is.
    const controller = new AbortController();
    const timer = this.o.clock.setTimeout(() => controller.abort(), 10_000);
    let last = record;
    try {
      for await (const next of this.o.service.watch(record, controller.signal)) {
        last = next;
        if (isFinalStatus(next.status)) break;
      }
    } finally {
      this.o.clock.clearTimeout(timer);
      controller.abort();
    }
    return this.a2aTask(last);
  }

  async createTaskPushNotificationConfig(
    _params: TaskPushNotificationConfig,
    _context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError(
      'push notifications are not supported: stream, or poll tasks/get',
    );
  }

  async getTaskPushNotificationConfig(
    _params: GetTaskPushNotificationConfigRequest,
    _context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError('push notifications are not supported');
  }

  async listTaskPushNotificationConfigs(
    _params: ListTaskPushNotificationConfigsRequest,
    _context: ServerCallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    throw new PushNotificationNotSupportedError('push notifications are not supported');
  }

  async deleteTaskPushNotificationConfig(
    _params: DeleteTaskPushNotificationConfigRequest,
    _context: ServerCallContext,
  ): Promise<void> {
    throw new PushNotificationNotSupportedError('push notifications are not supported');
  }
}
