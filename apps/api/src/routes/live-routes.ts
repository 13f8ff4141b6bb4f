import { Buckets, type Bus, type Clock } from '@troupe/bus';
import { UsageQuerySchema, UsageReportSchema, WhoAmISchema, type WhoAmI } from '@troupe/client';
import { TaskRecordSchema } from '@troupe/supervisor';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ALL_SCOPES, mayUseWorkflow, Scope, type Principal } from '../auth/api-keys.js';
import { principalOf } from '../http/auth-hook.js';
import type { ZodTypeProvider } from '../http/zod-schemas.js';
import { ApiError, ApiErrorCode } from '../problem.js';
import { streamTaskList } from '../tasks/task-list-stream.js';
import type { TaskService } from '../tasks/task-service.js';
import { resolveUsageRange } from '../tasks/usage-report.js';
import { json, problems } from './problem-responses.js';
import type { SseHub } from './sse.js';

const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
/** A busy task's changes reach the browser at most this often. */
const TASK_COALESCE_MS = 250;

const TaskStreamQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(200)
      .meta({ description: 'Tasks sent before `synced`, newest first: 1-1000, default 200.' }),
  })
  .strict();

export function whoAmI(principal: Principal): WhoAmI {
  return {
    tenant: principal.tenant,
    name: principal.name,
    // The key's scopes as configured: `admin` implies the others but is not expanded into them.
    scopes: ALL_SCOPES.filter((scope) => principal.scopes.has(scope)),
    workflows: principal.workflows ? [...principal.workflows].sort() : null,
    open: principal.open,
  };
}

/** `GET /v1/whoami`, `GET /v1/tasks/stream`, `GET /v1/usage`: what the dashboard reads about its key and tenant. */
export function registerLiveRoutes(
  app: FastifyInstance,
  o: { service: TaskService; hub: SseHub; bus: Bus; clock: Clock },
): void {
  const { service, hub, bus, clock } = o;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/whoami',
    {
      config: { auth: 'any' },
      schema: {
        summary: 'Who am I',
        description:
          "The calling key's tenant, name, scopes and workflows; `open` when the API runs without keys.",
        tags: ['operations'],
        security: SECURITY,
        response: { 200: json('The caller.', WhoAmISchema), ...problems(401, 429) },
      },
    },
    async (request) => whoAmI(principalOf(request)),
  );

  r.get(
    '/v1/tasks/stream',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'Follow the task list (Server-Sent Events)',
        description:
          "Your tenant's tasks as `event: task` (a TaskSummary), newest first up to `limit`, then `event: synced` " +
          '(`{ count }`), then `event: task` on every change (at most one per task every 250 ms, the latest state) and ' +
          '`event: removed` (`{ id }`). No event ids: a reconnecting client gets the whole list again.',
        tags: ['tasks'],
        security: SECURITY,
        querystring: TaskStreamQuery,
        response: {
          200: {
            description: 'An event stream.',
            content: { 'text/event-stream': { schema: z.string().meta({ description: 'SSE frames' }) } },
          },
          ...problems(400, 401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema).catch((err: unknown) => {
        throw new ApiError(
          ApiErrorCode.Unavailable,
          `opening the task list: the message bus did not answer (${(err as Error).message}). Retry shortly.`,
          { cause: err, headers: { 'retry-after': '2' } },
        );
      });
      const sse = hub.open(reply);
      const stop = new AbortController();
      void sse.done.then(() => stop.abort());
      try {
        await streamTaskList({
          changes: tasks.watch(`${principal.tenant}.>`, { signal: stop.signal }),
          visible: (record) => mayUseWorkflow(principal, record.workflow),
          summarize: (record) => service.toSummary(record),
          send: (event) => {
            const { type, ...rest } = event;
            return sse.send(type, type === 'task' ? event.task : rest);
          },
          limit: request.query.limit,
          clock,
          coalesceMs: TASK_COALESCE_MS,
          onInvalid: (key, err) =>
            request.log.warn(
              { err, key },
              'a task record does not match its schema: left out of the task list',
            ),
        });
      } catch (err) {
        if (!sse.closed) await sse.send('error', { message: (err as Error).message }).catch(() => undefined);
        request.log.warn({ err }, 'the task-list stream ended with an error');
      } finally {
        stop.abort();
        sse.close();
      }
    },
  );

  r.get(
    '/v1/usage',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'Usage over time',
        description:
          'Tokens, cost and steps of your tasks by time bucket, workflow, role and model (`provider:model`). A step ' +
          'counts in the bucket where it finished. Default: the last 24 h in about 48 buckets.',
        tags: ['tasks'],
        security: SECURITY,
        querystring: UsageQuerySchema,
        response: { 200: json('Usage rows.', UsageReportSchema), ...problems(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const range = resolveUsageRange(request.query, clock.now());
      return service.usage(principalOf(request), range);
    },
  );
}
