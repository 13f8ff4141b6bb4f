import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { z } from 'zod';
import type { Clock, TimerHandle } from './clock.js';
import { headerCarrier, isPayloadRef, parseJson, validateEnvelope } from './codec.js';
import { BusError, BusErrorCode, toTroupeError } from './errors.js';
import type { HeaderCarrier } from './trace-hooks.js';
import { markTimeline } from './timeline.js';
import { traceHooks } from './trace-hooks.js';

/** One work item handed to a handler. Settle it once; a handler that returns without settling acks. */
export interface WorkMessage<T> {
  readonly data: T;
  readonly subject: string;
  readonly streamSeq: number;
  /** 1 on the first delivery. */
  readonly deliveries: number;
  readonly maxDeliver: number;
  readonly headers: HeaderCarrier;
  readonly settled: boolean;
  ack(): void;
  /** Hand it back for redelivery, after `delayMs` if given. */
  nak(delayMs?: number): void;
  /** Tell the server the item is still being worked on (resets ack_wait). */
  working(): void;
  /** Stop redelivery for good. */
  term(reason?: string): void;
}

export type WorkHandler<T> = (msg: WorkMessage<T>) => Promise<void>;

export interface DeadLetterRequest {
  reason: 'decode-failed' | 'max-deliveries' | 'handler-rejected';
  error: string;
  msg: JsMsg;
  deliveries: number;
  /** The decoded message, when it decoded. */
  decoded?: unknown;
}

export interface ConsumeWorkOptions<T> {
  consumer: Consumer;
  schema: z.ZodType<T>;
  handler: WorkHandler<T>;
  /** Items handled at once by this process. */
  concurrency: number;
  /**
   * Handling attempts. A delivery past them (the last attempt's worker died or stalled) is dead-lettered from
   * the message in hand, so a work consumer's `max_deliver` is one more than this.
   */
  maxDeliver: number;
  /** The consumer's `ack_wait`; keep-alives go out at a third of it while a handler runs. */
  ackWaitMs: number;
  /** Send `working()` automatically while a handler runs. */
  keepAlive?: boolean;
  /** Redelivery delay after a handler throws; grows with each delivery. */
  retryDelayMs?: (deliveries: number) => number;
  clock: Clock;
  /** Resolves a payload reference to the stored bytes. */
  loadPayload: (body: Uint8Array, subject: string) => Promise<Uint8Array>;
  /** Writes the dead letter; what it returns runs once the server has confirmed the message's ack. */
  deadLetter: (request: DeadLetterRequest) => Promise<void | (() => void | Promise<void>)>;
  onError?: (err: unknown, context: { subject: string; seq: number }) => void;
}

export interface WorkConsumer {
  readonly inFlight: number;
  /** Stops pulling; resolves when every handler in flight has settled. */
  stop(): Promise<void>;
  readonly stopped: Promise<void>;
}

const defaultRetryDelay = (deliveries: number) => Math.min(30_000, 250 * 2 ** Math.max(0, deliveries - 1));

/**
 * Pulls with bounded concurrency. Each pull asks for exactly as many items as there are free slots, so
 * nothing waits in a local buffer while its ack timer runs: an item this process holds is being worked on.
 */
export function consumeWork<T>(options: ConsumeWorkOptions<T>): WorkConsumer {
  const { consumer, concurrency, clock } = options;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  let inFlight = 0;
  let reserved = 0;
  let stopping = false;
  const pulls = new Set<ConsumerMessages>();
  const handlers = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const minBatch = Math.max(1, Math.floor(concurrency / 4));

  const handle = async (jsMsg: JsMsg) => {
    markTimeline('received', { subject: jsMsg.subject, storedAt: jsMsg.info.timestampNanos / 1e6 });
    const deliveries = jsMsg.info.deliveryCount;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    /**
     * Records the message as a dead letter, then acks it: an ack removes it from a work-queue stream, so no
     * process needs the right to read or delete messages of the whole stream. When the record cannot be
     * written the message comes back and the next delivery tries again.
     */
    const deadLetterInHand = async (request: Omit<DeadLetterRequest, 'msg'>) => {
      jsMsg.working();
      let acked: Promise<boolean> | undefined;
      try {
        const then = await options.deadLetter({ ...request, msg: jsMsg });
        settle(() => (acked = jsMsg.ackAck()));
        if ((await acked) && then) await then();
      } catch (e) {
        if (!acked) settle(() => jsMsg.nak(retryDelay(deliveries)));
        options.onError?.(e, { subject: jsMsg.subject, seq: jsMsg.seq });
      }
    };
    let data: T;
    let raw: unknown;
    try {
      const body = isPayloadRef(jsMsg.headers)
        ? await options.loadPayload(jsMsg.data, jsMsg.subject)
        : jsMsg.data;
      raw = parseJson(body, jsMsg.subject);
      data = validateEnvelope(options.schema, raw, jsMsg.subject);
      markTimeline('decoded', { subject: jsMsg.subject });
    } catch (err) {
      await deadLetterInHand({
        reason: 'decode-failed',
        error: (err as Error).message,
        deliveries,
        decoded: raw,
      });
      markTimeline('handled', { subject: jsMsg.subject });
      return;
    }
    if (deliveries > options.maxDeliver) {
      await deadLetterInHand({
        reason: 'max-deliveries',
        error: 'no acknowledgement after the last attempt (the worker died or stalled)',
        deliveries: options.maxDeliver,
        decoded: data,
      });
      markTimeline('handled', { subject: jsMsg.subject });
      return;
    }
    let keepAlive: TimerHandle | undefined;
    const interval = Math.max(100, Math.floor(options.ackWaitMs / 3));
    const beat = () => {
      if (settled) return;
      jsMsg.working();
      keepAlive = clock.setTimeout(beat, interval);
    };
    if (options.keepAlive !== false) keepAlive = clock.setTimeout(beat, interval);
    const msg: WorkMessage<T> = {
      data,
      subject: jsMsg.subject,
      streamSeq: jsMsg.seq,
      deliveries,
      maxDeliver: options.maxDeliver,
      headers: headerCarrier(jsMsg.headers),
      get settled() {
        return settled;
      },
      ack: () => settle(() => jsMsg.ack()),
      nak: (delayMs) => settle(() => jsMsg.nak(delayMs)),
      working: () => {
        if (!settled) jsMsg.working();
      },
      term: (reason) => settle(() => jsMsg.term(reason)),
    };
    try {
      await traceHooks().runWithExtracted(msg.headers, () => options.handler(msg));
      msg.ack();
    } catch (err) {
      const error = toTroupeError(err);
      if (deliveries >= options.maxDeliver && !settled) {
        await deadLetterInHand({ reason: 'max-deliveries', error: error.message, deliveries, decoded: data });
      } else {
        msg.nak(retryDelay(deliveries));
      }
      options.onError?.(error, { subject: jsMsg.subject, seq: jsMsg.seq });
    } finally {
      if (keepAlive) clock.clearTimeout(keepAlive);
      markTimeline('handled', { subject: jsMsg.subject });
    }
  };

  const startPull = async (count: number) => {
    reserved += count;
    let received = 0;
    let pull: ConsumerMessages | undefined;
    try {
      pull = await consumer.fetch({ max_messages: count, expires: 5_000 });
      pulls.add(pull);
      for await (const jsMsg of pull) {
        received++;
        reserved--;
        if (stopping) {
          jsMsg.nak();
          continue;
        }
        inFlight++;
        const p = handle(jsMsg).finally(() => {
          inFlight--;
          handlers.delete(p);
          signal();
        });
        handlers.add(p);
      }
    } catch (err) {
      if (!stopping) options.onError?.(err, { subject: '(pull)', seq: 0 });
      if (!stopping) await new Promise<void>((r) => clock.setTimeout(r, 250));
    } finally {
      if (pull) pulls.delete(pull);
      reserved -= count - received;
      signal();
    }
  };

  const loop = async () => {
    while (!stopping) {
      const free = concurrency - inFlight - reserved;
      if (free >= minBatch || (free > 0 && reserved === 0)) {
        void startPull(free);
        continue;
      }
      await new Promise<void>((r) => (wake = r));
    }
  };

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  void loop();

  return {
    get inFlight() {
      return inFlight;
    },
    stopped,
    async stop() {
      if (!stopping) {
        stopping = true;
        signal();
        for (const pull of pulls) pull.stop();
      }
      while (handlers.size > 0) await Promise.allSettled([...handlers]);
      resolveStopped();
    },
  };
}

export function assertConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new BusError(
      BusErrorCode.InvalidOptions,
      `option "concurrency" must be an integer from 1 to 10000, got ${concurrency}`,
      {
        details: { option: 'concurrency' },
      },
    );
  }
}
