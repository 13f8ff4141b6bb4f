import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { z } from 'zod';
import { encodeJson, headerCarrier, parseJson, validateEnvelope } from './codec.js';
import type { DeadLetters } from './dead-letters.js';
import { BusError, BusErrorCode, toTroupeError } from './errors.js';
import type { PayloadStore } from './payloads.js';
import { outgoingHeaders } from './publisher.js';
import { traceHooks, type HeaderCarrier } from './trace-hooks.js';

export interface RequestOptions {
  timeoutMs?: number;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member. */
  queue?: string;
  onError?: (err: unknown) => void;
}

export interface Incoming<T> {
  data: T;
  subject: string;
  headers: HeaderCarrier;
  respond(value: unknown): boolean;
}

/** What a raw responder answers: bytes, or a string sent as UTF-8. */
export type RawReply = Uint8Array | string;

/** A live subscription or responder. */
export interface BusSubscription {
  /** Stops delivery at once. */
  unsubscribe(): void;
  readonly isClosed: boolean;
}

/** Receives: core subscriptions with schema validation, request/reply, and raw responders. */
export class Subscriber {
  constructor(
    private readonly nc: NatsConnection,
    private readonly payloads: PayloadStore,
    private readonly deadLetters: DeadLetters,
  ) {}

  /**
   * Core NATS subscription with schema validation. A message that does not decode is dead-lettered with
   * its reason and the subscription goes on.
   */
  subscribe<T>(
    subject: string,
    schema: z.ZodType<T>,
    handler: (msg: Incoming<T>) => void | Promise<void>,
    options: SubscribeOptions = {},
  ): BusSubscription {
    const sub = this.nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) return options.onError?.(err);
        void this.deliver(msg, schema, handler, options.onError);
      },
    });
    return sealed(sub);
  }

  /**
   * Answers every request on `subject` with what `reply` returns, without envelopes, schemas or trace
   * context: for probes that must answer while everything else is busy (an agent's health).
   */
  respondRaw(subject: string, reply: (request: Uint8Array) => RawReply): BusSubscription {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) msg.respond(reply(msg.data));
      },
    });
    return sealed(sub);
  }

  /** Request/reply with a timeout; fails with TIMEOUT or NO_RESPONDERS. */
  async request<T>(
    subject: string,
    value: unknown,
    schema: z.ZodType<T>,
    options: RequestOptions = {},
  ): Promise<T> {
    const timeout = options.timeoutMs ?? 5_000;
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, encodeJson(value), { timeout, headers: outgoingHeaders() });
    } catch (err) {
      const text = `${(err as Error).name} ${(err as Error).message}`;
      if (/no responders|503/i.test(text)) {
        throw new BusError(BusErrorCode.NoResponders, `no one is listening on ${subject}`, {
          cause: err,
          details: { subject },
        });
      }
      if (/timeout/i.test(text)) {
        throw new BusError(BusErrorCode.Timeout, `no reply on ${subject} within ${timeout} ms`, {
          cause: err,
          details: { subject, timeoutMs: timeout },
        });
      }
      throw toTroupeError(err);
    }
    return this.decode(reply, schema);
  }

  private async deliver<T>(
    msg: Msg,
    schema: z.ZodType<T>,
    handler: (msg: Incoming<T>) => void | Promise<void>,
    onError?: (err: unknown) => void,
  ): Promise<void> {
    let data: T;
    try {
      data = await this.decode(msg, schema);
    } catch (decodeErr) {
      await this.deadLetters.recordCore(msg, decodeErr).catch(() => undefined);
      onError?.(decodeErr);
      return;
    }
    const headers = headerCarrier(msg.headers);
    try {
      await traceHooks().runWithExtracted(headers, () =>
        handler({ data, subject: msg.subject, headers, respond: (v) => msg.respond(encodeJson(v)) }),
      );
    } catch (handlerErr) {
      onError?.(handlerErr);
    }
  }

  private async decode<T>(msg: Msg, schema: z.ZodType<T>): Promise<T> {
    return validateEnvelope(schema, parseJson(await this.payloads.body(msg), msg.subject), msg.subject);
  }
}

function sealed(sub: Subscription): BusSubscription {
  return {
    unsubscribe: () => sub.unsubscribe(),
    get isClosed() {
      return sub.isClosed();
    },
  };
}
