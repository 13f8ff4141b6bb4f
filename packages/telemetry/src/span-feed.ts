import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { systemClock, type Clock, type TimerHandle } from '@troupe/bus';
import { z } from 'zod';
import { ResourceAttr } from './attributes.js';
import { toSpanRecord } from './span-record.js';
import { parseOptions } from './validate.js';

/** Where the feed sends its batches; with the bus: `{ publish: (p) => bus.publishRaw(subjects.spans(), p) }`. */
export interface SpanFeedPublisher {
  publish(payload: Uint8Array): void;
}

export interface SpanFeedOptions extends SpanFeedPublisher {
  /** Spans per message; a full batch is published on the next tick. Default 100. */
  maxBatch?: number;
  /** A partial batch waits at most this long. Default 250 ms. */
  flushIntervalMs?: number;
  /** Finished spans waiting to be published; beyond it new spans are dropped and counted. Default 2048. */
  maxQueue?: number;
  clock?: Clock;
}

export interface SpanFeedStats {
  /** Spans waiting for the next publish. */
  queued: number;
  /** Spans handed to `publish` without it throwing. */
  published: number;
  /** Messages handed to `publish`. */
  batches: number;
  /** Spans lost: queue full, publish failed, or ended after shutdown. */
  dropped: number;
  /** Calls to `publish` that threw or rejected. */
  publishErrors: number;
}

export interface SpanFeedProcessor extends SpanProcessor {
  stats(): SpanFeedStats;
}

const OptionsSchema = z.object({
  publish: z.custom<SpanFeedPublisher['publish']>((v) => typeof v === 'function', 'must be a function'),
  maxBatch: z.number().int().positive().default(100),
  flushIntervalMs: z.number().nonnegative().default(250),
  maxQueue: z.number().int().positive().default(2048),
  clock: z
    .custom<Clock>((v) => typeof v === 'object' && v !== null && 'setTimeout' in v, 'must be a Clock')
    .optional(),
});

const encoder = new TextEncoder();

/**
 * A span processor for the live dashboard: every finished span becomes a compact JSON record
 * (`SpanRecordSchema`), records go out in batches (one message = one JSON array).
 * Best effort by design: when the queue is full or `publish` throws, spans are dropped and counted;
 * the processor never blocks and never throws into the code that ended the span.
 */
export function createSpanFeedProcessor(options: SpanFeedOptions): SpanFeedProcessor {
  const o = parseOptions('createSpanFeedProcessor', OptionsSchema, options);
  // Keep the caller's object as `this` for publish (e.g. a class instance).
  const publish = (payload: Uint8Array): unknown => options.publish(payload);
  const clock = o.clock ?? systemClock;
  const maxBatch = Math.min(o.maxBatch, o.maxQueue);

  let queue: ReadableSpan[] = [];
  let timer: TimerHandle | undefined;
  let timerDelay = 0;
  let closed = false;
  const stats = { published: 0, batches: 0, dropped: 0, publishErrors: 0 };

  let lastResource: ReadableSpan['resource'] | undefined;
  let lastService = 'unknown_service';
  const serviceOf = (span: ReadableSpan): string => {
    if (span.resource !== lastResource) {
      lastResource = span.resource;
      const name = span.resource.attributes[ResourceAttr.ServiceName];
      lastService = typeof name === 'string' ? name : 'unknown_service';
    }
    return lastService;
  };

  const failed = (count: number) => {
    stats.publishErrors += 1;
    stats.dropped += count;
  };

  const publishBatch = (spans: ReadableSpan[]) => {
    try {
      const records = spans.map((span) => toSpanRecord(span, serviceOf(span)));
      const result = publish(encoder.encode(JSON.stringify(records)));
      if (result instanceof Promise) {
        result.catch(() => {
          stats.published -= spans.length;
          failed(spans.length);
        });
      }
      stats.published += spans.length;
      stats.batches += 1;
    } catch {
      failed(spans.length);
    }
  };

  const drain = () => {
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    const pending = queue;
    queue = [];
    for (let i = 0; i < pending.length; i += maxBatch) publishBatch(pending.slice(i, i + maxBatch));
  };

  const schedule = (delay: number) => {
    if (timer !== undefined) {
      if (timerDelay <= delay) return;
      clock.clearTimeout(timer);
    }
    timerDelay = delay;
    timer = clock.setTimeout(() => {
      timer = undefined;
      drain();
    }, delay);
  };

  return {
    onStart(_span: Span, _parentContext: Context) {},
    onEnd(span: ReadableSpan) {
      try {
        if (closed || queue.length >= o.maxQueue) {
          stats.dropped += 1;
          return;
        }
        queue.push(span);
        schedule(queue.length >= maxBatch ? 0 : o.flushIntervalMs);
      } catch {
        stats.dropped += 1;
      }
    },
    async forceFlush() {
      drain();
    },
    async shutdown() {
      if (closed) return;
      drain();
      closed = true;
    },
    stats: () => ({ queued: queue.length, ...stats }),
  };
}
