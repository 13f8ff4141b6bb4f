import { hostname } from 'node:os';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { systemClock, type Clock, type TimerHandle } from '@troupe/bus';
import { z } from 'zod';
import { ResourceAttr } from './attributes.js';
import { toSpanRecord, type SpanOrigin, type SpanRecord } from './span-record.js';
import { parseOptions } from './validate.js';

/**
 * Where the feed sends its batches, each the records of one trace; with the bus:
 * `{ publish: (p, traceId) => bus.publishRaw(subjects.spans(traceId), p) }`.
 */
export interface SpanFeedPublisher {
  publish(payload: Uint8Array, traceId: string): void;
}

export interface SpanFeedOptions extends SpanFeedPublisher {
  /** Records per message; a full batch is published on the next tick. Default 100. */
  maxBatch?: number;
  /**
   * A partial batch waits at most this long. A span open longer than this gets a `started` record at the
   * next flush, so a dashboard shows it while it runs. Default 250 ms.
   */
  flushIntervalMs?: number;
  /** Finished spans waiting to be published; beyond it new spans are dropped and counted. Default 2048. */
  maxQueue?: number;
  /** Open spans watched for a `started` record; spans that start beyond it get none. Default 4096. */
  maxOpen?: number;
  clock?: Clock;
}

export interface SpanFeedStats {
  /** Spans waiting for the next publish. */
  queued: number;
  /** Open spans that may still get a `started` record. */
  open: number;
  /** Records (finished spans and `started` records) handed to `publish` without it throwing. */
  published: number;
  /** `started` records among them. */
  started: number;
  /** Messages handed to `publish`. */
  batches: number;
  /** Records lost: queue full, publish failed, or ended after shutdown. */
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
  maxOpen: z.number().int().nonnegative().default(4096),
  clock: z
    .custom<Clock>((v) => typeof v === 'object' && v !== null && 'setTimeout' in v, 'must be a Clock')
    .optional(),
});

const encoder = new TextEncoder();

/**
 * A span processor for the live dashboard: every finished span becomes a compact JSON record
 * (`SpanRecordSchema`), records go out in batches, one message per trace (a JSON array). A span still
 * open a flush interval after it started is announced once by a `started` record, so long spans (model
 * calls) show while they run; its `ended` record follows when it ends.
 * Best effort by design: when the queue is full or `publish` throws, records are dropped and counted;
 * the processor never blocks and never throws into the code that started or ended the span. One timer
 * serves all spans.
 */
export function createSpanFeedProcessor(options: SpanFeedOptions): SpanFeedProcessor {
  const o = parseOptions('createSpanFeedProcessor', OptionsSchema, options);
  // Keep the caller's object as `this` for publish (e.g. a class instance).
  const publish = (payload: Uint8Array, traceId: string): unknown => options.publish(payload, traceId);
  const clock = o.clock ?? systemClock;
  const maxBatch = Math.min(o.maxBatch, o.maxQueue);

  let queue: ReadableSpan[] = [];
  /** Open spans without a `started` record yet → when they started (clock time), oldest first. */
  const open = new Map<ReadableSpan, number>();
  let timer: TimerHandle | undefined;
  let timerDelay = 0;
  let closed = false;
  const stats = { published: 0, started: 0, batches: 0, dropped: 0, publishErrors: 0 };

  const localHost = hostname();
  let lastResource: ReadableSpan['resource'] | undefined;
  let lastOrigin: SpanOrigin = { service: 'unknown_service' };
  const originOf = (span: ReadableSpan): SpanOrigin => {
    if (span.resource !== lastResource) {
      lastResource = span.resource;
      const attrs = span.resource.attributes;
      const name = attrs[ResourceAttr.ServiceName];
      const host = attrs[ResourceAttr.HostName];
      const pid = attrs[ResourceAttr.ProcessPid];
      lastOrigin = {
        service: typeof name === 'string' ? name : 'unknown_service',
        host: typeof host === 'string' ? host : localHost,
        pid: typeof pid === 'number' ? pid : process.pid,
      };
    }
    return lastOrigin;
  };

  const failed = (count: number) => {
    stats.publishErrors += 1;
    stats.dropped += count;
  };

  const publishBatch = (traceId: string, records: SpanRecord[]) => {
    try {
      const result = publish(encoder.encode(JSON.stringify(records)), traceId);
      if (result instanceof Promise) {
        result.catch(() => {
          stats.published -= records.length;
          failed(records.length);
        });
      }
      stats.published += records.length;
      stats.batches += 1;
    } catch {
      failed(records.length);
    }
  };

  const drain = () => {
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    const byTrace = new Map<string, SpanRecord[]>();
    const add = (record: SpanRecord) => {
      const records = byTrace.get(record.traceId);
      if (records) records.push(record);
      else byTrace.set(record.traceId, [record]);
    };
    const pending = queue;
    queue = [];
    for (const span of pending) {
      try {
        add(toSpanRecord(span, originOf(span)));
      } catch {
        stats.dropped += 1;
      }
    }
    const now = clock.now();
    for (const [span, since] of open) {
      const openFor = now - since;
      // Insertion order is start order: the rest are younger still.
      if (openFor < o.flushIntervalMs) break;
      open.delete(span);
      try {
        add(toSpanRecord(span, originOf(span), openFor));
        stats.started += 1;
      } catch {
        stats.dropped += 1;
      }
    }
    for (const [traceId, records] of byTrace) {
      for (let i = 0; i < records.length; i += maxBatch)
        publishBatch(traceId, records.slice(i, i + maxBatch));
    }
    if (open.size > 0 && !closed) schedule(o.flushIntervalMs);
  };

  function schedule(delay: number) {
    if (timer !== undefined) {
      if (timerDelay <= delay) return;
      clock.clearTimeout(timer);
    }
    timerDelay = delay;
    timer = clock.setTimeout(() => {
      timer = undefined;
      drain();
    }, delay);
  }

  return {
    onStart(span: Span, _parentContext: Context) {
      try {
        if (closed || open.size >= o.maxOpen) return;
        open.set(span, clock.now());
        schedule(o.flushIntervalMs);
      } catch {
        // a feed that cannot watch a span only loses its started record
      }
    },
    onEnd(span: ReadableSpan) {
      try {
        open.delete(span);
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
      closed = true;
      drain();
      open.clear();
    },
    stats: () => ({ queued: queue.length, open: open.size, ...stats }),
  };
}
