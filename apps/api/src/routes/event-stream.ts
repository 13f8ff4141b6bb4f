import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import {
  Streams,
  subjects,
  TaskEventSchema,
  type Bus,
  type Clock,
  type TaskEvent,
  type TimerHandle,
} from '@troupe/bus';
import { isFinalStatus, isTerminalEventType } from '@troupe/client';
import type { TaskRecord } from '@troupe/supervisor';
import type { FastifyReply } from 'fastify';

export interface EventStreamOptions {
  bus: Bus;
  clock: Clock;
  heartbeatMs: number;
  /** Asks clients to wait this long before reconnecting (`retry:`). */
  retryMs: number;
}

/** Open event streams, so closing the API can end them instead of waiting for their clients. */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly o: EventStreamOptions) {}

  closeAll(): void {
    for (const close of [...this.open]) close();
  }

  /** Registers a long-lived response of another route; returns the function that forgets it. */
  track(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }

  /**
   * Streams a task's events as SSE: `id:` is the event's stream sequence, so a client resumes with
   * `Last-Event-ID` and sees neither a repeat nor a gap. Stored events come first, then live ones; the
   * stream ends with `event: end` after the final event (or at once for a task that ended before).
   */
  async serve(reply: FastifyReply, record: TaskRecord, lastEventId: number | undefined): Promise<void> {
    const { bus, clock } = this.o;
    const raw = reply.raw;
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders()))
      if (v !== undefined) headers[k] = v as string | number | string[];
    reply.hijack();
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });

    let closed = false;
    let stopTail: (() => Promise<void>) | undefined;
    let heartbeat: TimerHandle | undefined;
    const close = () => {
      if (closed) return;
      closed = true;
      if (heartbeat) clock.clearTimeout(heartbeat);
      void stopTail?.();
      if (!raw.writableEnded) raw.end();
    };
    this.open.add(close);
    raw.on('close', close);

    const write = async (chunk: string) => {
      if (closed) return;
      if (!raw.write(chunk)) await drained(raw, () => closed);
    };
    const beat = () => {
      heartbeat = clock.setTimeout(() => {
        if (closed) return;
        raw.write(`: keep-alive ${clock.now()}\n\n`);
        beat();
      }, this.o.heartbeatMs);
    };
    const send = (position: number, event: TaskEvent) =>
      write(`id: ${position}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    const end = async (status: string) => {
      await write(`event: end\ndata: ${JSON.stringify({ status })}\n\n`);
      close();
    };

    try {
      await write(`retry: ${this.o.retryMs}\n\n`);
      beat();
      const filter = subjects.event(record.taskId);
      const resume = lastEventId !== undefined ? { after: lastEventId } : {};
      if (isFinalStatus(record.status)) {
        // Nothing more will come: what is stored is the whole story.
        const stored = await bus.readStreamWithSeq(Streams.Events, filter, TaskEventSchema, {
          ...resume,
          limit: 100_000,
        });
        for (const { position, data } of stored) await send(position, data);
        await end(record.status);
        return;
      }
      const tail = await bus.tailStream(Streams.Events, filter, TaskEventSchema, resume);
      stopTail = () => tail.stop();
      if (closed) {
        await tail.stop();
        return;
      }
      for await (const { position, data } of tail) {
        await send(position, data);
        if (isTerminalEventType(data.type)) {
          await end(data.type.slice('task.'.length));
          break;
        }
        if (closed) break;
      }
    } catch (err) {
      if (!closed)
        await write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`).catch(
          () => undefined,
        );
      reply.log.warn({ err, taskId: record.taskId }, 'event stream ended with an error');
    } finally {
      close();
      this.open.delete(close);
    }
  }
}

async function drained(raw: ServerResponse, isClosed: () => boolean): Promise<void> {
  if (isClosed()) return;
  await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
}
