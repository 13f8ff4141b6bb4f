import { Streams, subjects, type Bus } from '@troupe/bus';
import type { TraceSpan } from '@troupe/client';
import { SpanRecordSchema } from '@troupe/telemetry';

/** Spans may be published a little before a record's `createdAt` (clock skew between processes). */
const SKEW_MS = 5_000;
/** Spans read at most per trace request (the span feed sends up to 100 per message). */
const MAX_SPANS = 100_000;

/**
 * A task's spans from the span stream. Every process publishes to one subject, so the stream cannot be
 * filtered by task: the read starts at the first message stored after the task was created (found by a
 * binary search over sequence numbers, as nats-server 2.9 has no start-by-time lookup) and keeps the
 * spans whose trace id or `troupe.task.id` is the task's.
 */
export async function readTaskSpans(
  bus: Bus,
  query: { taskId: string; traceId: string | null; since: number },
): Promise<TraceSpan[]> {
  const info = await bus.jsm.streams.info(Streams.Spans).catch(() => undefined);
  if (!info || info.state.messages === 0) return [];
  const startSeq = await firstSeqAtOrAfter(
    bus,
    info.state.first_seq,
    info.state.last_seq,
    query.since - SKEW_MS,
  );
  if (startSeq === undefined) return [];
  // Each message is a batch (an array) of spans; the reader hands them out one by one.
  const stored = await bus.readStream(Streams.Spans, subjects.spans(), SpanRecordSchema, {
    startSeq,
    limit: MAX_SPANS,
  });
  const spans: TraceSpan[] = stored.filter(
    (span) =>
      (query.traceId !== null && span.traceId === query.traceId) ||
      span.attrs['troupe.task.id'] === query.taskId,
  );
  spans.sort((a, b) => a.start - b.start);
  return spans;
}

async function timeOf(bus: Bus, seq: number): Promise<number | undefined> {
  const msg = await bus.jsm.streams.getMessage(Streams.Spans, { seq }).catch(() => null);
  return msg ? msg.time.getTime() : undefined;
}

/** The lowest sequence whose message was stored at or after `since`, or undefined when none was. */
async function firstSeqAtOrAfter(
  bus: Bus,
  first: number,
  last: number,
  since: number,
): Promise<number | undefined> {
  const lastTime = await timeOf(bus, last);
  if (lastTime === undefined || lastTime < since) return lastTime === undefined ? first : undefined;
  let lo = first;
  let hi = last;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const t = await timeOf(bus, mid);
    // A gap (expired or deleted message) counts as early: search on to the right.
    if (t === undefined || t < since) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
