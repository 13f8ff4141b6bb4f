import {
  AuditLogSchema,
  AuditQuerySchema,
  CancelTaskRequestSchema,
  ControlAcceptedSchema,
  IdempotencyKeySchema,
  ListTasksQuerySchema,
  ReviewTaskRequestSchema,
  SubmitTaskRequestSchema,
  TaskAcceptedSchema,
  TaskIdSchema,
  TaskListSchema,
  TaskResultSchema,
  TaskSchema,
  TaskTraceSchema,
} from '@troupe/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Scope } from '../auth/api-keys.js';
import { principalOf } from '../http/auth-hook.js';
import type { ZodTypeProvider } from '../http/zod-schemas.js';
import type { TaskService } from '../tasks/task-service.js';
import { taskLinks } from '../tasks/task-view.js';
import type { Bus } from '@troupe/bus';
import { serveTaskEvents } from './event-stream.js';
import { eventStreamResponse, resumeAfter, ResumeHeaders, ResumeQuery } from './log-stream.js';
import type { SseHub } from './sse.js';
import { json, problems } from './problem-responses.js';

export const TaskParams = z.object({ id: TaskIdSchema }).strict();
export const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
export const TAGS = ['tasks'];

export function registerTaskRoutes(
  app: FastifyInstance,
  o: { service: TaskService; hub: SseHub; bus: Bus },
): void {
  const { service } = o;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/tasks',
    {
      config: { auth: Scope.TasksWrite },
      schema: {
        summary: 'Submit a task',
        description:
          "Validates the workflow name and the input against the workflow's input schema, stores the task and queues it. " +
          'With `Idempotency-Key`, a repeat (same tenant, same body) within 24 h answers with the same task.',
        tags: TAGS,
        security: SECURITY,
        headers: z.object({ 'idempotency-key': IdempotencyKeySchema.optional() }),
        body: SubmitTaskRequestSchema,
        response: {
          202: json(
            'Accepted: the task is queued (or was, for a repeated Idempotency-Key).',
            TaskAcceptedSchema,
          ),
          ...problems(400, 401, 403, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const outcome = await service.submit(
        principalOf(request),
        request.body,
        request.headers['idempotency-key'],
      );
      return reply
        .code(202)
        .header('location', `/v1/tasks/${outcome.id}`)
        .send({
          id: outcome.id,
          status: outcome.status,
          deduplicated: outcome.deduplicated,
          links: taskLinks(outcome.id),
        });
    },
  );

  r.get(
    '/v1/tasks',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'List tasks',
        description:
          "Your tenant's tasks, newest first. Page with `cursor` = the previous page's `nextCursor`.",
        tags: TAGS,
        security: SECURITY,
        querystring: ListTasksQuerySchema,
        response: { 200: json('A page of tasks.', TaskListSchema), ...problems(400, 401, 403, 429, 503) },
      },
    },
    async (request) => service.list(principalOf(request), request.query),
  );

  r.get(
    '/v1/tasks/:id',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'Get a task',
        description:
          'The task with its steps, usage, review and error; the result is at `links.result` once final.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        response: { 200: json('The task.', TaskSchema), ...problems(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => service.task(principalOf(request), request.params.id),
  );

  r.get(
    '/v1/tasks/:id/events',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'Follow a task (Server-Sent Events)',
        description:
          'Stored progress events, then live ones. Each event has `id:` = its stream sequence, `event:` = its type and ' +
          '`data:` = the TaskEvent JSON. Reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume without repeats ' +
          'or gaps. After `task.completed`, `task.failed` or `task.cancelled` the server sends `event: end` and closes. ' +
          'Comment lines keep the connection alive.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        headers: ResumeHeaders,
        querystring: ResumeQuery,
        response: {
          200: eventStreamResponse('An event stream.'),
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const record = await service.read(principalOf(request), request.params.id);
      await serveTaskEvents(o.hub, o.bus, reply, record, resumeAfter(request));
    },
  );

  r.get(
    '/v1/tasks/:id/result',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: "Get a task's result",
        description:
          'The result of a final task (a partial result for a failed or cancelled one); 409 before.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        response: {
          200: json('The result.', TaskResultSchema),
          ...problems(400, 401, 403, 404, 409, 429, 503),
        },
      },
    },
    async (request) => service.result(principalOf(request), request.params.id),
  );

  r.get(
    '/v1/tasks/:id/trace',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: "Get a task's trace",
        description:
          "The task's spans from the live span feed, by its trace id or `troupe.task.id`, oldest first.",
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        response: { 200: json('The spans.', TaskTraceSchema), ...problems(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => service.trace(principalOf(request), request.params.id),
  );

  r.get(
    '/v1/tasks/:id/audit',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: "Get a task's audit log",
        description:
          'One record per model call, tool call and decision, oldest first. Page with `after` = `nextAfter`.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        querystring: AuditQuerySchema,
        response: { 200: json('Audit records.', AuditLogSchema), ...problems(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => service.audit(principalOf(request), request.params.id, request.query),
  );

  r.post(
    '/v1/tasks/:id/cancel',
    {
      config: { auth: Scope.TasksWrite },
      schema: {
        summary: 'Cancel a task',
        description:
          'Asks the supervisors to cancel the task; follow its events for `task.cancelled`. The body is optional.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        body: CancelTaskRequestSchema.nullish(),
        response: {
          202: json('The cancellation was sent.', ControlAcceptedSchema),
          ...problems(400, 401, 403, 404, 409, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const record = await service.cancel(principalOf(request), request.params.id, request.body?.reason);
      return reply.code(202).send({
        id: record.taskId,
        status: record.status,
        accepted: true as const,
        links: taskLinks(record.taskId),
      });
    },
  );

  r.post(
    '/v1/tasks/:id/review',
    {
      config: { auth: Scope.Review },
      schema: {
        summary: 'Decide a review',
        description:
          'For a task awaiting review: `approve` finishes it, `reject` fails it, `revise` sends the draft back with the notes.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        body: ReviewTaskRequestSchema,
        response: {
          202: json('The decision was sent.', ControlAcceptedSchema),
          ...problems(400, 401, 403, 404, 409, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { decision, notes } = request.body;
      const record = await service.review(principalOf(request), request.params.id, decision, notes);
      return reply.code(202).send({
        id: record.taskId,
        status: record.status,
        accepted: true as const,
        links: taskLinks(record.taskId),
      });
    },
  );
}
