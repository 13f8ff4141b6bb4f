import { systemClock, type Clock } from '@troupe/bus/contracts';
import { z } from 'zod';
import { codeForStatus, TroupeApiError, TroupeApiErrorCode } from './errors.js';
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
  TaskSchema,
  TaskTraceSchema,
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
  type TaskTrace,
  type WorkflowInfo,
} from './schemas.js';
import { readSse } from './sse.js';

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
  /** Reconnects in a row without receiving an event before `events()` gives up. Default 10. */
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

export interface EventsOptions {
  /** Resume after this event (the `id` of the last event seen). */
  lastEventId?: number;
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
  cancel(id: string, reason?: string): Promise<ControlAccepted>;
  review(id: string, decision: ReviewDecision, notes?: string): Promise<ControlAccepted>;
  /** The final result; fails with CONFLICT (409) while the task is not finished. */
  result(id: string): Promise<TaskResult>;
  audit(id: string, query?: { after?: number; limit?: number }): Promise<AuditLog>;
  trace(id: string): Promise<TaskTrace>;
  workflows(): Promise<WorkflowInfo[]>;
  agents(): Promise<AgentInfo[]>;
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
  maxReconnects: z.number().int().min(0, 'createClient: "maxReconnects" must be ≥ 0').optional(),
});

/** `event: end` closes a task's event stream on purpose; it carries no `id`, so it never moves the resume point. */
const EndEventSchema = z.object({ status: z.string() });

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

  const sleep = (ms: number, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortedError(signal));
      const onAbort = () => {
        clock.clearTimeout(timer);
        reject(abortedError(signal!));
      };
      const timer = clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  async function* events(
    id: string,
    opts: EventsOptions = {},
  ): AsyncGenerator<TaskEventMessage, void, undefined> {
    const { signal } = opts;
    let lastId = opts.lastEventId;
    let retryMs = reconnectDelayMs;
    let failures = 0;
    const giveUpOrWait = async (why: string, cause: unknown, waitMs = retryMs) => {
      failures++;
      if (failures > maxReconnects) {
        throw new TroupeApiError(
          TroupeApiErrorCode.Network,
          `the event stream of task ${id} failed ${failures} times in a row (${why})`,
          { cause, details: { lastEventId: lastId } },
        );
      }
      await sleep(waitMs, signal);
    };
    for (;;) {
      if (signal?.aborted) throw abortedError(signal);
      let res: Response;
      try {
        res = await send(
          url(taskPath(id, '/events')),
          {
            method: 'GET',
            headers: headers({
              accept: 'text/event-stream',
              ...(lastId !== undefined ? { 'last-event-id': String(lastId) } : {}),
            }),
          },
          signal,
        );
      } catch (err) {
        if (!(err instanceof TroupeApiError) || err.code !== TroupeApiErrorCode.Network) throw err;
        await giveUpOrWait('cannot connect', err);
        continue;
      }
      if (!res.ok) {
        const err = await errorFromResponse(res, `GET ${taskPath(id, '/events')}`);
        if (!err.retryable) throw err;
        await giveUpOrWait(
          err.message,
          err,
          err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : retryMs,
        );
        continue;
      }
      if (!res.body)
        throw new TroupeApiError(TroupeApiErrorCode.InvalidResponse, 'the event stream has no body');
      let dropped: unknown;
      try {
        for await (const message of readSse(res.body, (ms) => (retryMs = ms))) {
          if (message.event === 'end') {
            EndEventSchema.parse(JSON.parse(message.data));
            return;
          }
          const seq = Number(message.id);
          if (message.id === undefined || !Number.isSafeInteger(seq)) continue;
          let event;
          try {
            event = TaskEventSchema.parse(JSON.parse(message.data));
          } catch (err) {
            throw new TroupeApiError(
              TroupeApiErrorCode.InvalidResponse,
              `event ${message.id} of task ${id} is not a task event`,
              {
                cause: err,
              },
            );
          }
          if (lastId !== undefined && seq <= lastId) continue;
          lastId = seq;
          failures = 0;
          yield { id: seq, event };
          if (isTerminalEventType(event.type)) return;
        }
      } catch (err) {
        if (signal?.aborted) throw abortedError(signal, err);
        if (err instanceof TroupeApiError) throw err;
        dropped = err;
      }
      // The connection ended before the task did: resume after the last event seen.
      await giveUpOrWait('connection dropped', dropped);
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

function abortedError(signal: AbortSignal, cause?: unknown): TroupeApiError {
  return new TroupeApiError(TroupeApiErrorCode.Aborted, 'the request was aborted', {
    cause: signal.reason ?? cause,
  });
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const inner = e?.cause?.code ?? e?.cause?.message;
  return inner ? `${e.message} (${inner})` : String(e?.message ?? err);
}
