import { subjects } from '@troupe/bus';
import { createSimulatedClock } from '@troupe/bus/testing';
import { createClient, TaskSchema, TaskTraceSchema, TraceSpanSchema, type TraceSpan } from '@troupe/client';
import { initTelemetry, type SpanRecord, type Telemetry } from '@troupe/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  KEYS,
  sseFrames,
  startTroupe,
  TEST_KEYS,
  type SseFrame,
  type TroupeFixture,
} from './fixtures/troupe.js';

const clock = createSimulatedClock(Date.now());
let troupe: TroupeFixture;
let telemetry: Telemetry;
let call: ReturnType<typeof http>;

beforeAll(async () => {
  troupe = await startTroupe({ keys: TEST_KEYS, apiClock: clock });
  // The span feed goes to the bus, as in a deployment.
  telemetry = initTelemetry({
    serviceName: 'trace-stream-test',
    env: {},
    spanFeed: {
      publish: (payload, traceId) => troupe.bus.publishRaw(subjects.spans(traceId), payload),
      flushIntervalMs: 10,
    },
  });
  call = http(troupe.url);
});

afterAll(async () => {
  await telemetry?.shutdown();
  await troupe?.[Symbol.asyncDispose]();
});

let spanCount = 0;

/** A span record of the task's trace, as another process's span feed would send it. */
function spanRecord(traceId: string, name: string, extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    v: 1,
    traceId,
    spanId: (++spanCount).toString(16).padStart(16, '0'),
    name,
    service: 'troupe-agent',
    kind: 'internal',
    start: Date.now(),
    durationMs: 12.5,
    status: 'ok',
    attrs: { 'troupe.task.id': 'x' },
    host: 'agent-host-1',
    pid: 4242,
    ...extra,
  };
}

/** Publishes one message of span records on the trace's subject, as the span feed does. */
async function publishSpans(...records: SpanRecord[]): Promise<void> {
  troupe.bus.publishRaw(
    subjects.spans(records[0]!.traceId),
    new TextEncoder().encode(JSON.stringify(records)),
  );
  await troupe.bus.flush();
}

async function flushSpans(): Promise<void> {
  await telemetry.forceFlush();
  await troupe.bus.flush();
}

async function submit(workflow: string): Promise<{ id: string; traceId: string }> {
  const res = await call('POST', '/v1/tasks', {
    key: KEYS.acmeWriter,
    body: { workflow, input: { question: 'Where do the spans go?' } },
  });
  expect(res.status).toBe(202);
  const { id } = res.body as { id: string };
  const task = TaskSchema.parse((await call('GET', `/v1/tasks/${id}`, { key: KEYS.acmeReader })).body);
  const traceId = task.metadata['traceId'];
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  return { id, traceId: traceId! };
}

/** GET /trace until `done` holds for its spans (spans are published without an acknowledgement). */
async function storedTrace(id: string, done: (spans: TraceSpan[]) => boolean): Promise<TraceSpan[]> {
  for (let attempt = 0; ; attempt++) {
    const res = await call('GET', `/v1/tasks/${id}/trace`, { key: KEYS.acmeReader });
    expect(res.status).toBe(200);
    const { spans } = TaskTraceSchema.parse(res.body);
    if (done(spans) || attempt >= 50) return spans;
    await flushSpans();
  }
}

interface SpanFrame {
  id: number;
  span: TraceSpan;
}

/** One connection to a task's span stream, read frame by frame. */
async function openSpans(id: string, headers: Record<string, string> = {}, query = '') {
  const controller = new AbortController();
  const res = await fetch(`${troupe.url}/v1/tasks/${id}/trace/stream${query}`, {
    headers: { authorization: `Bearer ${KEYS.acmeReader}`, ...headers },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames = sseFrames(res);
  const spans: SpanFrame[] = [];
  const others: SseFrame[] = [];
  const toSpan = (frame: SseFrame): SpanFrame => {
    expect(frame.id).toMatch(/^\d+$/);
    const data = JSON.parse(frame.data!) as Record<string, unknown>;
    expect(data).not.toHaveProperty('v');
    return { id: Number(frame.id), span: TraceSpanSchema.parse(data) };
  };
  return {
    spans,
    others,
    /** Reads until a span frame satisfies `found`; returns it. */
    async until(found: (span: TraceSpan) => boolean): Promise<SpanFrame> {
      for (;;) {
        const { value, done } = await frames.next();
        if (done)
          throw new Error(`the stream ended first; spans: ${spans.map((s) => s.span.name).join(', ')}`);
        if (value.event !== 'span') {
          others.push(value);
          continue;
        }
        const frame = toSpan(value);
        spans.push(frame);
        if (found(frame.span)) return frame;
      }
    },
    /** Reads to the end of the stream. */
    async rest(): Promise<void> {
      for await (const value of frames) {
        if (value.event === 'span') spans.push(toSpan(value));
        else others.push(value);
      }
    },
    close: () => controller.abort(),
  };
}

/** A span by name; without `phase`, an ended one (the phase absent or `ended`). */
const named =
  (name: string, phase: 'started' | 'ended' = 'ended') =>
  (span: TraceSpan) =>
    span.name === name && (span.phase ?? 'ended') === phase;

describe("a task's span stream (SSE)", () => {
  it('sends stored spans, then live ones and started records, and resumes after Last-Event-ID', async () => {
    const { id, traceId } = await submit('gated');
    await publishSpans(spanRecord(traceId, 'stored step'));
    await flushSpans();
    // The API's own span of the submission came through the real span feed.
    await storedTrace(
      id,
      (spans) => spans.some(named('stored step')) && spans.some(named('invoke_workflow gated')),
    );

    const first = await openSpans(id);
    await first.until(named('stored step'));
    // Published while the client is connected: a span, and a long one's started record, then its end.
    await publishSpans(spanRecord(traceId, 'live step'));
    const live = await first.until(named('live step'));
    expect(live.span).toMatchObject({ traceId, host: 'agent-host-1', pid: 4242, status: 'ok' });
    const slow = spanRecord(traceId, 'slow call', { phase: 'started', status: 'unset', durationMs: 250 });
    await publishSpans(slow, spanRecord(traceId, 'quick call'));
    const started = await first.until(named('slow call', 'started'));
    expect(started.span).toMatchObject({ spanId: slow.spanId, durationMs: 250, status: 'unset' });
    // Both records of one message: the second one's position is the next slot of the same message.
    expect((await first.until(named('quick call'))).id).toBe(started.id + 1);
    await publishSpans({
      ...slow,
      phase: 'ended',
      status: 'error',
      statusMessage: 'timed out',
      durationMs: 900,
    });
    const ended = await first.until(named('slow call', 'ended'));
    expect(ended.span).toMatchObject({ spanId: slow.spanId, statusMessage: 'timed out' });
    const hung = spanRecord(traceId, 'hung call', { phase: 'started', status: 'unset' });
    await publishSpans(hung);
    await first.until(named('hung call', 'started'));
    first.close();
    const firstIds = first.spans.map((s) => s.id);
    expect([...firstIds].sort((a, b) => a - b)).toEqual(firstIds);
    expect(new Set(firstIds).size).toBe(firstIds.length);

    // While nobody listens, another span comes; the next connection resumes after the last one seen.
    await publishSpans(spanRecord(traceId, 'after drop'));
    const lastId = firstIds.at(-1)!;
    const second = await openSpans(id, { 'last-event-id': String(lastId) });
    await second.until(named('after drop'));
    second.close();
    expect(second.spans.every((s) => s.id > lastId)).toBe(true);
    expect(second.spans.map((s) => s.span.name)).not.toContain('hung call');

    // ?lastEventId= does the same for clients that cannot set headers.
    const viaQuery = await openSpans(id, {}, `?lastEventId=${lastId}`);
    await viaQuery.until(named('after drop'));
    viaQuery.close();
    expect(viaQuery.spans.map((s) => s.id)).toEqual(second.spans.map((s) => s.id));

    // The trace read merges a span's records: the ended one wins, an unfinished one stays started.
    const spans = await storedTrace(id, (all) => all.some(named('after drop')));
    expect(spans.filter((s) => s.name === 'slow call')).toEqual([
      expect.objectContaining({ spanId: slow.spanId, phase: 'ended', durationMs: 900 }),
    ]);
    expect(spans.filter((s) => s.name === 'hung call')).toEqual([
      expect.objectContaining({ spanId: hung.spanId, phase: 'started' }),
    ]);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
  });

  it("is a 404 for another tenant's task, and a 400 for a bad Last-Event-ID", async () => {
    const { id } = await submit('ask');
    const other = await call('GET', `/v1/tasks/${id}/trace/stream`, { key: KEYS.globex });
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const bad = await call('GET', `/v1/tasks/${id}/trace/stream`, {
      key: KEYS.acmeReader,
      headers: { 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    const anonymous = await call('GET', `/v1/tasks/${id}/trace/stream`);
    expect(anonymous.status).toBe(401);
  });

  it('keeps a just-finished task open for late spans; one final for over 30 s gets stored spans, then end', async () => {
    const { id, traceId } = await submit('ask');
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeReader });
    expect((await client.wait(id, { timeoutMs: 30_000 })).status).toBe('completed');
    await flushSpans();
    const stored = await storedTrace(id, (spans) => spans.length > 0);

    // Just finished: a span that arrives late still comes through.
    const recent = await openSpans(id);
    await recent.until((span) => span.spanId === stored[0]!.spanId);
    await publishSpans(spanRecord(traceId, 'late span'));
    await recent.until(named('late span'));
    recent.close();

    clock.set(Date.now() + 60_000);
    const settled = await openSpans(id);
    await settled.rest();
    expect(settled.others.filter((f) => f.event)).toEqual([
      { event: 'end', data: JSON.stringify({ status: 'completed' }) },
    ]);
    const all = await storedTrace(id, () => true);
    expect(new Set(settled.spans.map((s) => s.span.spanId))).toEqual(new Set(all.map((s) => s.spanId)));
    expect(settled.spans.map((s) => s.span.name)).toContain('late span');

    // Resuming inside a settled trace: the rest, then end.
    const afterFirst = await openSpans(id, { 'last-event-id': String(settled.spans[0]!.id) });
    await afterFirst.rest();
    expect(afterFirst.spans.map((s) => s.id)).toEqual(settled.spans.slice(1).map((s) => s.id));
    expect(afterFirst.others.at(-1)?.event).toBe('end');
  });
});
