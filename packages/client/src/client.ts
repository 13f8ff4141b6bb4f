import { systemClock, type Clock } from '@troupe/bus/contracts';
import { z } from 'zod';
import { codeForStatus, TroupeApiError, TroupeApiErrorCode } from './errors.js';
import {
  abortedError,
  followStream,
  type FollowOptions,
  type FollowStreamOptions,
  type FollowTransport,
  type StreamMessage,
} from './follow-stream.js';
import {
  FleetSchema,
  UsageReportSchema,
  WhoAmISchema,
  type Fleet,
  type UsageReport,
  type WhoAmI,
} from './live-schemas.js';
import {
  AgentListSchema,
  AuditLogSchema,
  ControlAcceptedSchema,
  isFinalStatus,
  isTerminalEventType,
  PROBLEM_CONTENT_TYPE,
  ProblemSchema,
  TaskAcceptedSchema,
  TaskEventSchema,
  TaskListSchema,
  TaskResultSchema,
  TaskIdSchema,
  TaskSchema,
  TaskSummarySchema,
  TaskTraceSchema,
  TraceSpanSchema,
  WorkflowListSchema,
  type AgentInfo,
  type AuditLog,
  type ControlAccepted,
  type ReviewDecision,
  type Task,
  type TaskAccepted,
  type TaskEventMessage,
  type TaskList,
  type TaskOptionsRequest,
  type TaskResult,
  type TaskStatus,
  type TaskSummary,
  type TaskTrace,
  type TraceSpan,
  type WorkflowInfo,
} from './schemas.js';

export interface ClientOptions {
  /** Where the API listens, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Time for reconnect delays and `wait` timeouts; `systemClock` by default. */
  clock?: Clock;
  /** Delay before reconnecting a dropped event stream when the server sent no `retry:` hint. Default 500 ms. */
  reconnectDelayMs?: number;
  /**
   * Failed connections in a row (no event received in between) before a followed stream gives up with
   * NETWORK. Default 10; `Infinity` for a page that should follow for as long as it is open.
   */
  maxReconnects?: number;
}

export interface SubmitOptions {
  options?: TaskOptionsRequest;
  metadata?: Record<string, string>;
  /** The same key (per tenant) within 24 h returns the same task. */
  idempotencyKey?: string;
  continueFrom?: string;
  signal?: AbortSignal;
}

export type EventsOptions = FollowOptions;

/** A change to the task list of `taskUpdates()`. */
export type TaskListUpdate =
  | { type: 'task'; task: TaskSummary }
  | { type: 'removed'; id: string }
  /** Every task the list holds has been sent (again, after a reconnect). */
  | { type: 'synced'; count: number };

/** One span of a task's trace stream with its position (the SSE `id`). */
export interface TraceSpanMessage {
  id: number;
  span: TraceSpan;
}

export interface UsageOptions {
  /** Epoch ms; default 24 h ago. */
  since?: number;
  /** Epoch ms; default now. */
  until?: number;
  /** Width of a time bucket, 1 min to 1 day. */
  bucketMs?: number;
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** Give up after this long with a TIMEOUT error. Default: no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TroupeClient {
  submit(workflow: string, input: unknown, options?: SubmitOptions): Promise<TaskAccepted>;
  get(id: string, options?: { signal?: AbortSignal }): Promise<Task>;
  list(query?: {
    status?: TaskStatus;
    limit?: number;
    cursor?: string;
    signal?: AbortSignal;
  }): Promise<TaskList>;
  /** Resolves with the task once it is final (completed, failed or cancelled); follows its events. */
  wait(id: string, options?: WaitOptions): Promise<Task>;
  /**
   * The task's progress events, stored ones first, then live ones, until a final event. A dropped
   * connection is resumed with `Last-Event-ID`: no event is repeated or skipped.
   */
  events(id: string, options?: EventsOptions): AsyncIterable<TaskEventMessage>;
  /**
   * The tenant's tasks, newest first (up to `limit`), then `synced`, then every change. No event ids:
   * after a reconnect the whole list comes again, followed by `synced` again.
   */
  taskUpdates(options?: FollowOptions & { limit?: number }): AsyncIterable<TaskListUpdate>;
  /** A task's spans, stored ones first, then live ones; a reconnect resumes after the last one seen. */
  spans(id: string, options?: FollowOptions): AsyncIterable<TraceSpanMessage>;
  /** The fleet at once, then on every change and every few seconds. */
  fleetUpdates(options?: FollowOptions): AsyncIterable<Fleet>;
  /**
   * Any Server-Sent Events stream of the API (`path` under `baseUrl`), reconnecting and resuming the way
   * `events()` does; `parse` turns each event into what is handed out.
   */
  follow<T>(path: string, options: FollowStreamOptions<T>): AsyncIterable<T>;
  cancel(id: string, reason?: string): Promise<ControlAccepted>;
  review(id: string, decision: ReviewDecision, notes?: string): Promise<ControlAccepted>;
  /** The final result; fails with CONFLICT (409) while the task is not finished. */
  result(id: string): Promise<TaskResult>;
  audit(id: string, query?: { after?: number; limit?: number }): Promise<AuditLog>;
  trace(id: string): Promise<TaskTrace>;
  workflows(): Promise<WorkflowInfo[]>;
  agents(): Promise<AgentInfo[]>;
  /** The key's tenant, name, scopes and workflows; answers without a key when the API runs open. */
  whoami(options?: { signal?: AbortSignal }): Promise<WhoAmI>;
  fleet(options?: { signal?: AbortSignal }): Promise<Fleet>;
  /** Tokens and cost per time bucket, workflow, role and model. */
  usage(query?: UsageOptions): Promise<UsageReport>;
}

const OptionsSchema = z.object({
  baseUrl: z.url({ message: 'createClient: "baseUrl" must be an absolute http(s) URL' }),
  apiKey: z.string().min(1, 'createClient: "apiKey" must not be empty').optional(),
  fetch: z
    .custom<typeof fetch>((v) => typeof v === 'function', 'createClient: "fetch" must be a function')
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && 'setTimeout' in v).optional(),
  reconnectDelayMs: z.number().int().min(0, 'createClient: "reconnectDelayMs" must be ≥ 0').optional(),
  maxReconnects: z
    .union([
      z
        .number()
        .int('createClient: "maxReconnects" must be an integer or Infinity')
        .min(0, 'createClient: "maxReconnects" must be ≥ 0'),
      z.literal(Infinity),
    ])
    .optional(),
});

const TaskRemovedSchema = z.object({ id: TaskIdSchema });
const TaskListSyncedSchema = z.object({ count: z.number().int().min(0) });

const json = (message: StreamMessage): unknown => JSON.parse(message.data);

/** Events without an id (keep-alives, `error`) are not task events. */
const parseTaskEvent = (message: StreamMessage): TaskEventMessage | undefined =>
  message.id === undefined ? undefined : { id: message.id, event: TaskEventSchema.parse(json(message)) };

const parseTaskListUpdate = (message: StreamMessage): TaskListUpdate | undefined => {
  switch (message.event) {
    case 'task':
      return { type: 'task', task: TaskSummarySchema.parse(json(message)) };
    case 'removed':
      return { type: 'removed', id: TaskRemovedSchema.parse(json(message)).id };
    case 'synced':
      return { type: 'synced', count: TaskListSyncedSchema.parse(json(message)).count };
    default:
      return undefined;
  }
};

const parseSpan = (message: StreamMessage): TraceSpanMessage | undefined => {
  if (message.event !== 'span') return undefined;
  if (message.id === undefined) throw new Error('a span event needs its position as `id:`');
  return { id: message.id, span: TraceSpanSchema.parse(json(message)) };
};

const parseFleet = (message: StreamMessage): Fleet | undefined =>
  message.event === 'fleet' ? FleetSchema.parse(json(message)) : undefined;

type Query = Record<string, string | number | undefined>;

/** A typed client for the Troupe HTTP API, built on fetch. */
export function createClient(options: ClientOptions): TroupeClient {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TroupeApiError(
      TroupeApiErrorCode.InvalidOptions,
      issue?.message.startsWith('createClient')
        ? issue.message
        : `createClient: "${issue?.path.join('.')}" ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const clock = options.clock ?? systemClock;
  const reconnectDelayMs = options.reconnectDelayMs ?? 500;
  const maxReconnects = options.maxReconnects ?? 10;

  const url = (path: string, query?: Query) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  };
  const headers = (extra: Record<string, string> = {}) => ({
    ...options.headers,
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...extra,
  });
  const taskPath = (id: string, suffix = '') => `/v1/tasks/${encodeURIComponent(id)}${suffix}`;

  const send = async (
    input: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
  ): Promise<Response> => {
    try {
      return await fetchImpl(input, { ...init, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw abortedError(signal, err);
      throw new TroupeApiError(
        TroupeApiErrorCode.Network,
        `cannot reach the Troupe API at ${base}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    }
  };

  const call = async <T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    init: { body?: unknown; query?: Query; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<T> => {
    const hasBody = init.body !== undefined;
    const res = await send(
      url(path, init.query),
      {
        method,
        headers: headers({
          accept: `application/json, ${PROBLEM_CONTENT_TYPE}`,
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        }),
        ...(hasBody ? { body: JSON.stringify(init.body) } : {}),
      },
      init.signal,
    );
    if (!res.ok) throw await errorFromResponse(res, `${method} ${path}`);
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      if (init.signal?.aborted) throw abortedError(init.signal, err);
      throw new TroupeApiError(
        TroupeApiErrorCode.InvalidResponse,
        `${method} ${path} answered ${res.status} without JSON`,
        {
          status: res.status,
          cause: err,
        },
      );
    }
    const checked = schema.safeParse(json);
    if (!checked.success) {
      throw new TroupeApiError(
        TroupeApiErrorCode.InvalidResponse,
        `${method} ${path} answered a body that does not match the API schema: ${checked.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
        { status: res.status, cause: checked.error },
      );
    }
    return checked.data;
  };

  const transport: FollowTransport = {
    get: (path, extra, signal) => send(url(path), { method: 'GET', headers: headers(extra) }, signal),
    errorFor: errorFromResponse,
    clock,
    reconnectDelayMs,
    maxReconnects,
  };
  const follow = <T>(path: string, o: FollowStreamOptions<T>) => followStream(transport, path, o);
  /** The caller's follow options alone; `resumable: false` for a stream without ids. */
  const followOptions = (o: FollowOptions, resumable = true): FollowOptions => ({
    ...(o.signal ? { signal: o.signal } : {}),
    ...(resumable && o.lastEventId !== undefined ? { lastEventId: o.lastEventId } : {}),
    ...(o.onState ? { onState: o.onState } : {}),
  });

  /** Stored events, then live ones, until the task's final event (or the server's `end`). */
  async function* events(
    id: string,
    o: EventsOptions = {},
  ): AsyncGenerator<TaskEventMessage, void, undefined> {
    for await (const message of follow(taskPath(id, '/events'), {
      ...followOptions(o),
      parse: parseTaskEvent,
    })) {
      yield message;
      if (isTerminalEventType(message.event.type)) return;
    }
  }

  const client: TroupeClient = {
    submit: (workflow, input, o = {}) =>
      call('POST', '/v1/tasks', TaskAcceptedSchema, {
        body: {
          workflow,
          input,
          ...(o.options !== undefined ? { options: o.options } : {}),
          ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
          ...(o.continueFrom !== undefined ? { continueFrom: o.continueFrom } : {}),
        },
        ...(o.idempotencyKey !== undefined ? { headers: { 'idempotency-key': o.idempotencyKey } } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      }),
    get: (id, o = {}) => call('GET', taskPath(id), TaskSchema, o.signal ? { signal: o.signal } : {}),
    list: (q = {}) =>
      call('GET', '/v1/tasks', TaskListSchema, {
        query: { status: q.status, limit: q.limit, cursor: q.cursor },
        ...(q.signal ? { signal: q.signal } : {}),
      }),
    async wait(id, o = {}) {
      const controller = new AbortController();
      let timedOut = false;
      const timer =
        o.timeoutMs !== undefined
          ? clock.setTimeout(() => {
              timedOut = true;
              controller.abort();
            }, o.timeoutMs)
          : undefined;
      const onAbort = () => controller.abort(o.signal?.reason);
      if (o.signal?.aborted) onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const first = await client.get(id, { signal: controller.signal });
        if (isFinalStatus(first.status)) return first;
        for await (const _ of events(id, { signal: controller.signal })) {
          // events() returns after the final event
        }
        return await client.get(id, { signal: controller.signal });
      } catch (err) {
        if (timedOut) {
          throw new TroupeApiError(
            TroupeApiErrorCode.Timeout,
            `task ${id} did not finish within ${o.timeoutMs} ms`,
            {
              cause: err,
            },
          );
        }
        throw err;
      } finally {
        if (timer) clock.clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      }
    },
    events: (id, o) => events(id, o),
    cancel: (id, reason) =>
      call(
        'POST',
        taskPath(id, '/cancel'),
        ControlAcceptedSchema,
        reason !== undefined ? { body: { reason } } : {},
      ),
    review: (id, decision, notes) =>
      call('POST', taskPath(id, '/review'), ControlAcceptedSchema, {
        body: { decision, ...(notes !== undefined ? { notes } : {}) },
      }),
    result: (id) => call('GET', taskPath(id, '/result'), TaskResultSchema),
    audit: (id, q = {}) =>
      call('GET', taskPath(id, '/audit'), AuditLogSchema, { query: { after: q.after, limit: q.limit } }),
    trace: (id) => call('GET', taskPath(id, '/trace'), TaskTraceSchema),
    workflows: async () => (await call('GET', '/v1/workflows', WorkflowListSchema)).workflows,
    agents: async () => (await call('GET', '/v1/agents', AgentListSchema)).agents,
    taskUpdates: (o = {}) => {
      const query = o.limit !== undefined ? `?${new URLSearchParams({ limit: String(o.limit) })}` : '';
      // The list stream has no ids: a reconnect sends the whole list, so there is nothing to resume after.
      return follow(`/v1/tasks/stream${query}`, { ...followOptions(o, false), parse: parseTaskListUpdate });
    },
    spans: (id, o = {}) => follow(taskPath(id, '/trace/stream'), { ...followOptions(o), parse: parseSpan }),
    fleetUpdates: (o = {}) => follow('/v1/fleet/stream', { ...followOptions(o), parse: parseFleet }),
    follow: (path, o) => follow(path, o),
    whoami: (o = {}) => call('GET', '/v1/whoami', WhoAmISchema, o.signal ? { signal: o.signal } : {}),
    fleet: (o = {}) => call('GET', '/v1/fleet', FleetSchema, o.signal ? { signal: o.signal } : {}),
    usage: (q = {}) =>
      call('GET', '/v1/usage', UsageReportSchema, {
        query: { since: q.since, until: q.until, bucketMs: q.bucketMs },
        ...(q.signal ? { signal: q.signal } : {}),
      }),
  };
  return client;
}

async function errorFromResponse(res: Response, what: string): Promise<TroupeApiError> {
  const retryAfter = res.headers.get('retry-after');
  const retryAfterSeconds =
    retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the body is gone; the status still says what happened
  }
  let problem;
  try {
    const parsed = ProblemSchema.safeParse(JSON.parse(text));
    if (parsed.success) problem = parsed.data;
  } catch {
    // not JSON
  }
  const detail = problem?.detail ?? (text.trim().slice(0, 500) || res.statusText);
  return new TroupeApiError(codeForStatus(res.status), `${what} failed with ${res.status}: ${detail}`, {
    status: res.status,
    ...(problem ? { problem } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const inner = e?.cause?.code ?? e?.cause?.message;
  return inner ? `${e.message} (${inner})` : String(e?.message ?? err);
}
