import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { createSimulatedClock } from '@troupe/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { isTelemetryError } from './errors.js';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { createSpanFeedProcessor, type SpanFeedOptions } from './span-feed.js';
import { withChatSpan, withWorkflowSpan } from './span-helpers.js';
import { decodeSpanBatch, SpanBatchSchema } from './span-record.js';

function feed(options: Partial<SpanFeedOptions> = {}) {
  const clock = createSimulatedClock(1_000);
  const messages: Uint8Array[] = [];
  const processor = createSpanFeedProcessor({ publish: (p) => void messages.push(p), clock, ...options });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'feed-test' }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('test');
  const endSpans = (n: number, name = 'work') => {
    for (let i = 0; i < n; i++) tracer.startSpan(`${name} ${i}`).end();
  };
  return { clock, messages, processor, tracer, endSpans, batches: () => messages.map(decodeSpanBatch) };
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
      published: 5,
      batches: 2,
      dropped: 0,
      publishErrors: 0,
    });
  });

  it('drops and counts spans beyond maxQueue instead of blocking', () => {
    const f = feed({ maxBatch: 4, maxQueue: 6, flushIntervalMs: 100 });
    f.endSpans(10);
    expect(f.processor.stats()).toMatchObject({ queued: 6, dropped: 4, published: 0 });
    f.clock.increment(0);
    expect(f.batches().map((b) => b.length)).toEqual([4, 2]);
    expect(
      f
        .batches()
        .flat()
        .map((r) => r.name),
    ).toEqual(['work 0', 'work 1', 'work 2', 'work 3', 'work 4', 'work 5']);
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
    child.setStatus({ code: SpanStatusCode.ERROR });
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
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.response.finish_reasons': ['stop'],
        'troupe.task.id': 't1',
        'error.type': 'TIMEOUT',
      },
    });
    expect(Math.abs(chat!.start - Date.now())).toBeLessThan(60_000);
    expect(agent).toMatchObject({ kind: 'internal', status: 'unset', attrs: {} });
    expect(agent).not.toHaveProperty('parentSpanId');
  });

  it('drops spans that end after shutdown', async () => {
    const f = feed();
    f.endSpans(1);
    await f.processor.shutdown();
    expect(f.batches().flat()).toHaveLength(1);
    f.endSpans(1);
    expect(f.processor.stats()).toMatchObject({ published: 1, dropped: 1, queued: 0 });
  });

  it('decodeSpanBatch rejects what is not a version 1 batch', () => {
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
  });

  it('is installed by initTelemetry({ spanFeed }) and fed by the span helpers', async () => {
    const clock = createSimulatedClock();
    const messages: Uint8Array[] = [];
    telemetry = initTelemetry({
      serviceName: 'troupe-supervisor',
      env: {},
      spanFeed: { publish: (p) => void messages.push(p), clock },
    });
    expect(telemetry.exporters.traces).toEqual(['span-feed']);
    await withWorkflowSpan({ workflow: 'report', taskId: 'task-9' }, () =>
      withChatSpan({ provider: 'offline', model: 'tiny' }, () => 'ok'),
    );
    clock.increment(250);
    const records = messages.flatMap((m) => decodeSpanBatch(m));
    expect(records.map((r) => [r.name, r.service])).toEqual([
      ['chat tiny', 'troupe-supervisor'],
      ['invoke_workflow report', 'troupe-supervisor'],
    ]);
    expect(records[1]?.attrs).toMatchObject({ 'troupe.task.id': 'task-9', 'gen_ai.workflow.name': 'report' });
    expect(telemetry.spanFeed?.stats().published).toBe(2);
  });

  it('names a bad option', () => {
    expect(() => createSpanFeedProcessor({ publish: () => undefined, maxBatch: 0 })).toThrow(
      /createSpanFeedProcessor: option "maxBatch"/,
    );
  });
});
