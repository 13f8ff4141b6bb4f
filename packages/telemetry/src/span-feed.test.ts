import { hostname } from 'node:os';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { createSimulatedClock } from '@troupe/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { isTelemetryError } from './errors.js';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { createSpanFeedProcessor, type SpanFeedOptions } from './span-feed.js';
import { withChatSpan, withWorkflowSpan } from './span-helpers.js';
import {
  decodeSpanBatch,
  MAX_ARRAY_LENGTH,
  MAX_EVENTS,
  MAX_VALUE_LENGTH,
  SpanBatchSchema,
  SpanRecordSchema,
} from './span-record.js';

/** A context inside trace `traceId` (its parent span lives in another process). */
const inTrace = (traceId: string): Context =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'f'.repeat(16), traceFlags: 1 });
const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);
const TRACE_C = 'c'.repeat(32);

function feed(options: Partial<SpanFeedOptions> = {}, resource: Record<string, string | number> = {}) {
  const clock = createSimulatedClock(1_000);
  const messages: Array<{ payload: Uint8Array; traceId: string }> = [];
  const processor = createSpanFeedProcessor({
    publish: (payload, traceId) => void messages.push({ payload, traceId }),
    clock,
    ...options,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'feed-test', ...resource }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('test');
  const endSpans = (n: number, name = 'work', traceId = TRACE_A) => {
    for (let i = 0; i < n; i++) tracer.startSpan(`${name} ${i}`, {}, inTrace(traceId)).end();
  };
  /** A span started now on the simulated clock. */
  const start = (name: string, traceId = TRACE_A) =>
    tracer.startSpan(name, { startTime: clock.now() }, inTrace(traceId));
  const batches = () => messages.map((m) => decodeSpanBatch(m.payload));
  return { clock, messages, processor, tracer, endSpans, start, batches, records: () => batches().flat() };
}

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe('span feed', () => {
  it('batches finished spans: a full batch on the next tick, a partial one after the interval', () => {
    const f = feed({ maxBatch: 3, flushIntervalMs: 100 });
    f.endSpans(2);
    expect(f.messages).toHaveLength(0);
    f.clock.increment(99);
    expect(f.messages).toHaveLength(0);
    f.clock.increment(1);
    expect(f.batches().map((b) => b.length)).toEqual([2]);

    f.endSpans(3);
    expect(f.messages).toHaveLength(1); // never published from inside span.end()
    f.clock.increment(0);
    expect(f.batches().map((b) => b.length)).toEqual([2, 3]);
    expect(f.processor.stats()).toEqual({
      queued: 0,
      open: 0,
      published: 5,
      started: 0,
      batches: 2,
      dropped: 0,
      publishErrors: 0,
    });
    expect(f.clock.pendingTimers()).toBe(0);
  });

  it('sends one message per trace per flush, each at most maxBatch records, with its trace id', () => {
    const f = feed({ maxBatch: 2, flushIntervalMs: 100 });
    f.endSpans(1, 'a', TRACE_A);
    f.endSpans(1, 'b', TRACE_B);
    f.endSpans(2, 'a-more', TRACE_A);
    f.endSpans(1, 'c', TRACE_C);
    f.clock.increment(0); // the queue reached maxBatch
    expect(f.messages.map((m) => m.traceId)).toEqual([TRACE_A, TRACE_A, TRACE_B, TRACE_C]);
    expect(f.batches().map((b) => b.map((r) => r.name))).toEqual([
      ['a 0', 'a-more 0'],
      ['a-more 1'],
      ['b 0'],
      ['c 0'],
    ]);
    for (const m of f.messages)
      expect(decodeSpanBatch(m.payload).every((r) => r.traceId === m.traceId)).toBe(true);
    expect(f.processor.stats()).toMatchObject({ published: 5, batches: 4 });
  });

  it('drops and counts spans beyond maxQueue instead of blocking', () => {
    const f = feed({ maxBatch: 4, maxQueue: 6, flushIntervalMs: 100 });
    f.endSpans(10);
    expect(f.processor.stats()).toMatchObject({ queued: 6, dropped: 4, published: 0 });
    f.clock.increment(0);
    expect(f.batches().map((b) => b.length)).toEqual([4, 2]);
    expect(f.records().map((r) => r.name)).toEqual([
      'work 0',
      'work 1',
      'work 2',
      'work 3',
      'work 4',
      'work 5',
    ]);
    expect(f.processor.stats()).toMatchObject({ queued: 0, dropped: 4, published: 6 });
  });

  it('survives a publish that throws or rejects, counting what was lost', async () => {
    let mode: 'throw' | 'reject' | 'ok' = 'throw';
    const delivered: Uint8Array[] = [];
    const f = feed({
      maxBatch: 2,
      publish: (p) => {
        if (mode === 'throw') throw new Error('not connected');
        if (mode === 'reject') return Promise.reject(new Error('closed')) as unknown as void;
        delivered.push(p);
      },
    });
    expect(() => f.endSpans(2)).not.toThrow();
    f.clock.increment(0);
    expect(f.processor.stats()).toMatchObject({ published: 0, dropped: 2, publishErrors: 1 });

    mode = 'reject';
    f.endSpans(2);
    f.clock.increment(0);
    await Promise.resolve();
    expect(f.processor.stats()).toMatchObject({ published: 0, dropped: 4, publishErrors: 2 });

    mode = 'ok';
    f.endSpans(2);
    f.clock.increment(0);
    expect(delivered).toHaveLength(1);
    expect(f.processor.stats()).toMatchObject({ published: 2, dropped: 4, publishErrors: 2 });
  });

  it('turns spans into compact versioned records with key attributes only', async () => {
    const f = feed();
    const parent = f.tracer.startSpan('invoke_agent researcher', { kind: SpanKind.INTERNAL });
    const child = f.tracer.startSpan(
      'chat gpt-4o-mini',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.input.messages': '[{"role":"user","content":"secret prompt"}]',
          'gen_ai.response.finish_reasons': ['stop'],
          'troupe.task.id': 't1',
          'error.type': 'TIMEOUT',
          'http.request.method': 'POST',
        },
      },
      trace.setSpan(context.active(), parent),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'model timed out' });
    child.end();
    parent.end();
    await f.processor.forceFlush();

    const [batch] = f.batches();
    expect(SpanBatchSchema.safeParse(batch).success).toBe(true);
    const [chat, agent] = batch!;
    expect(chat).toEqual({
      v: 1,
      traceId: parent.spanContext().traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: parent.spanContext().spanId,
      name: 'chat gpt-4o-mini',
      service: 'feed-test',
      kind: 'client',
      start: expect.any(Number),
      durationMs: expect.any(Number),
      status: 'error',
      statusMessage: 'model timed out',
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.response.finish_reasons': ['stop'],
        'troupe.task.id': 't1',
        'error.type': 'TIMEOUT',
      },
      host: hostname(),
      pid: process.pid,
    });
    expect(Math.abs(chat!.start - Date.now())).toBeLessThan(60_000);
    expect(agent).toMatchObject({ kind: 'internal', status: 'unset', attrs: {} });
    expect(agent).not.toHaveProperty('parentSpanId');
    expect(agent).not.toHaveProperty('phase');
    expect(agent).not.toHaveProperty('events');
  });

  it("takes host and pid from the resource's host.name and process.pid", async () => {
    const f = feed({}, { 'host.name': 'box-7', 'process.pid': 4242 });
    f.endSpans(1);
    await f.processor.forceFlush();
    expect(f.records()[0]).toMatchObject({ host: 'box-7', pid: 4242 });
  });

  it('carries span events (newest 32) with key attributes and epoch-ms times', async () => {
    const f = feed();
    const span = f.start('execute_tool search');
    const t0 = Date.UTC(2030, 0, 1);
    for (let i = 0; i < MAX_EVENTS + 8; i++) {
      span.addEvent(`retry ${i}`, { 'troupe.step.attempt': i, 'http.response.status_code': 503 }, t0 + i);
    }
    span.recordException(new Error('lost the connection'));
    span.end();
    await f.processor.forceFlush();
    const [record] = f.records();
    expect(record!.events).toHaveLength(MAX_EVENTS);
    expect(record!.events![0]).toEqual({
      name: 'retry 9',
      time: t0 + 9,
      attrs: { 'troupe.step.attempt': 9 },
    });
    // The exception's message and stack are not key attributes: the status message carries a failure's text.
    expect(record!.events!.at(-1)).toEqual({ name: 'exception', time: expect.any(Number), attrs: {} });
  });

  it('caps long attribute values, arrays and status messages', async () => {
    const f = feed();
    const huge = 'x'.repeat(100_000);
    const span = f.start('chat big', TRACE_A);
    span.setAttributes({
      'troupe.note': huge,
      'gen_ai.response.finish_reasons': Array.from({ length: 1_000 }, () => huge),
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: huge });
    span.end();
    await f.processor.forceFlush();
    const [message] = f.messages;
    expect(message!.payload.byteLength).toBeLessThan(MAX_VALUE_LENGTH * (MAX_ARRAY_LENGTH + 4));
    const [record] = f.records();
    const note = record!.attrs['troupe.note'] as string;
    expect(note).toHaveLength(MAX_VALUE_LENGTH);
    expect(note.endsWith('…')).toBe(true);
    const reasons = record!.attrs['gen_ai.response.finish_reasons'] as string[];
    expect(reasons).toHaveLength(MAX_ARRAY_LENGTH);
    expect(reasons.every((r) => r.length === MAX_VALUE_LENGTH)).toBe(true);
    expect(record!.statusMessage).toHaveLength(MAX_VALUE_LENGTH);
  });

  it('sends a started record once for a span open longer than the flush interval, then its end', () => {
    const f = feed({ flushIntervalMs: 100 });
    const slow = f.start('chat slow');
    slow.setAttribute('gen_ai.request.model', 'big-model');
    const quick = f.start('quick');
    f.clock.increment(50);
    quick.end();
    const late = f.start('chat late'); // 50 ms old at the next flush: too young for a started record
    f.clock.increment(50);
    expect(f.records().map((r) => [r.name, r.phase ?? 'ended'])).toEqual([
      ['quick', 'ended'],
      ['chat slow', 'started'],
    ]);
    expect(f.records()[1]).toMatchObject({
      spanId: slow.spanContext().spanId,
      durationMs: 100,
      status: 'unset',
      attrs: { 'gen_ai.request.model': 'big-model' },
    });
    expect(f.processor.stats()).toMatchObject({ open: 1, started: 1, published: 2 });

    // One flush later the late span has its started record; the slow one gets no second one.
    f.clock.increment(100);
    expect(f.records().slice(2)).toEqual([
      expect.objectContaining({ name: 'chat late', phase: 'started', durationMs: 150 }),
    ]);
    f.clock.increment(1_000);
    expect(f.records()).toHaveLength(3);
    expect(f.clock.pendingTimers()).toBe(0); // no timer runs while nothing is left to report

    slow.setStatus({ code: SpanStatusCode.OK });
    slow.end();
    late.end();
    f.clock.increment(100);
    const ended = f.records().slice(3);
    expect(ended.map((r) => [r.name, r.phase, r.status])).toEqual([
      ['chat slow', undefined, 'ok'],
      ['chat late', undefined, 'unset'],
    ]);
    expect(ended[0]!.spanId).toBe(slow.spanContext().spanId);
    expect(f.processor.stats()).toMatchObject({ open: 0, started: 2, published: 5, dropped: 0 });
  });

  it('watches at most maxOpen open spans, and forgets them at shutdown', async () => {
    const f = feed({ flushIntervalMs: 100, maxOpen: 2 });
    for (const name of ['one', 'two', 'three']) f.start(name);
    expect(f.processor.stats().open).toBe(2);
    f.clock.increment(100);
    expect(f.records().map((r) => [r.name, r.phase])).toEqual([
      ['one', 'started'],
      ['two', 'started'],
    ]);
    f.start('four');
    await f.processor.shutdown();
    expect(f.processor.stats().open).toBe(0);
    expect(f.clock.pendingTimers()).toBe(0);
  });

  it('drops spans that end after shutdown', async () => {
    const f = feed();
    f.endSpans(1);
    await f.processor.shutdown();
    expect(f.batches().flat()).toHaveLength(1);
    f.endSpans(1);
    expect(f.processor.stats()).toMatchObject({ published: 1, dropped: 1, queued: 0 });
  });

  it('decodeSpanBatch rejects what is not a version 1 batch, and reads records without the newer fields', () => {
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    for (const bad of [new TextEncoder().encode('not json'), bytes({ v: 1 }), bytes([{ v: 2, name: 'x' }])]) {
      let caught: unknown;
      try {
        decodeSpanBatch(bad);
      } catch (err) {
        caught = err;
      }
      expect(isTelemetryError(caught, 'DECODE_FAILED')).toBe(true);
    }
    expect(decodeSpanBatch(bytes([]))).toEqual([]);
    const older = {
      v: 1,
      traceId: TRACE_A,
      spanId: '1'.repeat(16),
      name: 'invoke_workflow report',
      service: 'troupe-api',
      kind: 'internal',
      start: 1_732_550_000_123.456,
      durationMs: 3.2,
      status: 'ok',
      attrs: { 'troupe.task.id': 't1' },
    };
    expect(decodeSpanBatch(bytes([older]))).toEqual([older]);
    expect(SpanRecordSchema.safeParse({ ...older, phase: 'running' }).success).toBe(false);
  });

  it('is installed by initTelemetry({ spanFeed }) and fed by the span helpers', async () => {
    const clock = createSimulatedClock();
    const messages: Array<{ payload: Uint8Array; traceId: string }> = [];
    telemetry = initTelemetry({
      serviceName: 'troupe-supervisor',
      env: {},
      spanFeed: { publish: (payload, traceId) => void messages.push({ payload, traceId }), clock },
    });
    expect(telemetry.exporters.traces).toEqual(['span-feed']);
    await withWorkflowSpan({ workflow: 'report', taskId: 'task-9' }, () =>
      withChatSpan({ provider: 'offline', model: 'tiny' }, () => 'ok'),
    );
    clock.increment(250);
    expect(messages).toHaveLength(1);
    const records = messages.flatMap((m) => decodeSpanBatch(m.payload));
    expect(records.map((r) => [r.name, r.service])).toEqual([
      ['chat tiny', 'troupe-supervisor'],
      ['invoke_workflow report', 'troupe-supervisor'],
    ]);
    expect(messages[0]!.traceId).toBe(records[0]!.traceId);
    expect(records[1]?.attrs).toMatchObject({ 'troupe.task.id': 'task-9', 'gen_ai.workflow.name': 'report' });
    expect(records[0]).toMatchObject({ host: hostname(), pid: process.pid });
    expect(telemetry.spanFeed?.stats().published).toBe(2);
  });

  it('names a bad option', () => {
    expect(() => createSpanFeedProcessor({ publish: () => undefined, maxBatch: 0 })).toThrow(
      /createSpanFeedProcessor: option "maxBatch"/,
    );
  });
});
