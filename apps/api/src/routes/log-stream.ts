import type { Bus, InvalidRecord, StreamReadOptions } from '@troupe/bus';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SseHub } from './sse.js';

/** `Last-Event-ID`: the position of the last record a stream sent, to resume after it. */
export const ResumeHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, 'Last-Event-ID is the `id` of an event this stream sent (a non-negative integer)')
    .optional()
    .meta({ description: 'Resume after this event (sent by EventSource on reconnect).' }),
});

export const ResumeQuery = z
  .object({
    lastEventId: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Resume after this event, for clients that cannot send Last-Event-ID.' }),
  })
  .strict();

/** Where a stream resumes: the header wins over the query parameter. */
export function resumeAfter(request: {
  headers: z.infer<typeof ResumeHeaders>;
  query: z.infer<typeof ResumeQuery>;
}): number | undefined {
  const header = request.headers['last-event-id'];
  return header !== undefined ? Number(header) : request.query.lastEventId;
}

/** The OpenAPI entry of a 200 that is an event stream. */
export function eventStreamResponse(description: string): unknown {
  return {
    description,
    content: { 'text/event-stream': { schema: z.string().meta({ description: 'SSE frames' }) } },
  };
}

/** One stored log (a stream and a subject) served as SSE, each record with `id:` = its position. */
export interface LogStreamPlan<T> {
  stream: string;
  filter: string;
  schema: z.ZodType<T>;
  /** The records a stored message holds (a journal entry's events), when it is not one record or an array. */
  records?: StreamReadOptions['records'];
  /**
   * A core subject whose messages go out too while the stream is live, as they happen and without an `id:`
   * (a model's streamed text is never stored; other records are, later, and are then not sent again).
   */
  live?: { subject: string; schema: z.ZodType<T>; id: (record: T) => string | undefined };
  /** Resume after this position. */
  after: number | undefined;
  /** The SSE event of a record, and its data. */
  frame(record: T): { event: string; data: unknown };
  /**
   * `{ stored: end }`: nothing more will come, so send what is stored, then `event: end` with `end`.
   * `{ live: endAfter }`: stored records, then live ones while the client stays, until `endAfter` returns
   * the data of an `end` event for a record.
   */
  mode: { stored: unknown } | { live: (record: T) => unknown };
}

/** Records a stored-only read hands out at most. */
const MAX_STORED = 100_000;

/**
 * Serves a log stream: a client resumes with `Last-Event-ID` and sees neither a repeat nor a gap. The
 * consumer is stopped when the client goes away; an error ends the stream with `event: error`.
 */
export async function serveLogStream<T>(
  hub: SseHub,
  bus: Bus,
  reply: FastifyReply,
  plan: LogStreamPlan<T>,
): Promise<void> {
  const sse = hub.open(reply);
  let stopTail: (() => Promise<void>) | undefined;
  void sse.done.then(() => stopTail?.());
  /** Ids of the records sent live: their stored copies are not sent again. */
  const sentLive = new Set<string>();
  const send = (position: number, record: T) => {
    const id = plan.live?.id(record);
    if (id !== undefined && sentLive.delete(id)) return;
    const { event, data } = plan.frame(record);
    return sse.send(event, data, position);
  };
  try {
    const resume = {
      ...(plan.after !== undefined ? { after: plan.after } : {}),
      ...(plan.records ? { records: plan.records } : {}),
      onInvalid: (invalid: InvalidRecord) =>
        reply.log.warn(
          { ...invalid, stream: plan.stream },
          'log stream skipped a record that does not decode',
        ),
    };
    if ('stored' in plan.mode) {
      const stored = await bus.readStreamWithSeq(plan.stream, plan.filter, plan.schema, {
        ...resume,
        limit: MAX_STORED,
      });
      for (const { position, data } of stored) await send(position, data);
      await sse.send('end', plan.mode.stored);
      return;
    }
    const endAfter = plan.mode.live;
    const live = plan.live;
    const liveSub = live
      ? bus.subscribe(live.subject, live.schema, async ({ data }) => {
          if (sse.closed) return;
          const id = live.id(data);
          if (id !== undefined) sentLive.add(id);
          const { event, data: frame } = plan.frame(data);
          await sse.send(event, frame);
        })
      : undefined;
    void sse.done.then(() => liveSub?.unsubscribe());
    const tail = await bus.tailStream(plan.stream, plan.filter, plan.schema, resume);
    stopTail = () => tail.stop();
    if (sse.closed) {
      await tail.stop();
      return;
    }
    for await (const { position, data } of tail) {
      await send(position, data);
      const end = endAfter(data);
      if (end !== undefined) {
        await sse.send('end', end);
        // Closed before the consumer is stopped, so no keep-alive follows the end.
        sse.close();
        break;
      }
      if (sse.closed) break;
    }
  } catch (err) {
    if (!sse.closed) await sse.send('error', { message: (err as Error).message }).catch(() => undefined);
    reply.log.warn({ err, stream: plan.stream, filter: plan.filter }, 'log stream ended with an error');
  } finally {
    sse.close();
  }
}
