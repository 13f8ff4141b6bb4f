import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '@troupe/bus';
import type { FastifyReply } from 'fastify';

/** One open Server-Sent Events response. */
export interface SseConnection {
  /** Sends one event; waits while the client's socket is full. Does nothing once closed. */
  send(event: string, data: unknown, id?: number): Promise<void>;
  readonly closed: boolean;
  /** Resolves when the client goes away or `close()` is called. */
  readonly done: Promise<void>;
  /** Ends the response (idempotent). */
  close(): void;
}

export interface SseOptions {
  clock: Clock;
  /** A comment line goes out on an idle stream this often. */
  heartbeatMs: number;
  /** Asks clients to wait this long before reconnecting (`retry:`). */
  retryMs: number;
}

/**
 * The API's long-lived responses, so closing the API can end them instead of waiting for their clients.
 * `open` turns a route's reply into an SSE connection with keep-alive comments.
 */
export class SseHub {
  private readonly open_ = new Set<() => void>();

  constructor(private readonly o: SseOptions) {}

  closeAll(): void {
    for (const close of [...this.open_]) close();
  }

  /** Registers a long-lived response of another kind; returns the function that forgets it. */
  track(close: () => void): () => void {
    this.open_.add(close);
    return () => this.open_.delete(close);
  }

  /** Takes the reply over (Fastify no longer sends it) and starts the event stream. */
  open(reply: FastifyReply): SseConnection {
    const { clock } = this.o;
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
    let heartbeat: TimerHandle | undefined;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const close = () => {
      if (closed) return;
      closed = true;
      if (heartbeat) clock.clearTimeout(heartbeat);
      this.open_.delete(close);
      if (!raw.writableEnded) raw.end();
      resolveDone();
    };
    this.open_.add(close);
    raw.on('close', close);
    // Node sends no headers for a HEAD response until it ends: answer with them alone, stream nothing.
    if (reply.request.method === 'HEAD') close();

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
    if (!closed) {
      raw.write(`retry: ${this.o.retryMs}\n\n`);
      beat();
    }

    return {
      send: (event, data, id) =>
        write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      get closed() {
        return closed;
      },
      done,
      close,
    };
  }
}

async function drained(raw: ServerResponse, isClosed: () => boolean): Promise<void> {
  if (isClosed()) return;
  await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
}
