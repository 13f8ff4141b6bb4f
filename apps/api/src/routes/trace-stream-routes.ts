import { Streams, subjects, type Bus, type Clock } from '@troupe/bus';
import { isFinalStatus, type TraceSpan } from '@troupe/client';
import type { TaskRecord } from '@troupe/supervisor';
import { SpanRecordSchema, type SpanRecord } from '@troupe/telemetry';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Scope } from '../auth/api-keys.js';
import { principalOf } from '../http/auth-hook.js';
import type { ZodTypeProvider } from '../http/zod-schemas.js';
import type { TaskService } from '../tasks/task-service.js';
import {
  eventStreamResponse,
  resumeAfter,
  ResumeHeaders,
  ResumeQuery,
  serveLogStream,
} from './log-stream.js';
import { problems } from './problem-responses.js';
import type { SseHub } from './sse.js';
import { SECURITY, TAGS, TaskParams } from './task-routes.js';

/**
 * Spans reach the stream up to a flush interval after they end, from processes whose clocks may differ a
 * little: a task final for longer than this has all of its spans stored.
 */
const SETTLED_MS = 30_000;

interface TraceStreamDeps {
  service: TaskService;
  hub: SseHub;
  bus: Bus;
  clock: Clock;
}

/** `GET /v1/tasks/:id/trace/stream`: a task's spans, stored then live. */
export function registerTraceStreamRoutes(app: FastifyInstance, o: TraceStreamDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/tasks/:id/trace/stream',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: "Follow a task's trace (Server-Sent Events)",
        description:
          "The task's span records, stored then live: `event: span`, `id:` = the record's stream position, " +
          "`data:` = the TraceSpan JSON. A span open longer than its process's flush interval (a model call) comes " +
          'first as a `phase: "started"` record, later superseded by the ended record with the same `spanId`. ' +
          'Reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume without repeats or gaps. The stream ' +
          'stays open while the client is connected; for a task final for more than 30 s it sends the stored ' +
          'spans, then `event: end`, and closes. Comment lines keep the connection alive.',
        tags: TAGS,
        security: SECURITY,
        params: TaskParams,
        headers: ResumeHeaders,
        querystring: ResumeQuery,
        response: {
          200: eventStreamResponse('A span stream.'),
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const record = await o.service.read(principalOf(request), request.params.id);
      await serveTaskSpans(o, reply, record, resumeAfter(request));
    },
  );
}

async function serveTaskSpans(
  { hub, bus, clock }: TraceStreamDeps,
  reply: FastifyReply,
  record: TaskRecord,
  after: number | undefined,
): Promise<void> {
  const traceId = record.metadata['traceId'];
  const end = { status: record.status };
  if (traceId === undefined) {
    // Its submission was not traced: no span will ever come.
    const sse = hub.open(reply);
    await sse.send('end', end);
    sse.close();
    return;
  }
  const settled = isFinalStatus(record.status) && clock.now() - record.updatedAt > SETTLED_MS;
  await serveLogStream(hub, bus, reply, {
    stream: Streams.Spans,
    filter: subjects.spans(traceId),
    schema: SpanRecordSchema,
    after,
    frame: (span) => ({ event: 'span', data: toTraceSpan(span) }),
    mode: settled ? { stored: end } : { live: () => undefined },
  });
}

function toTraceSpan(record: SpanRecord): TraceSpan {
  const { v: _version, ...span } = record;
  return span;
}
