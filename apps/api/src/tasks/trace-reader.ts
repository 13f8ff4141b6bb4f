import { Streams, subjects, type Bus, type InvalidRecord } from '@troupe/bus';
import type { TraceSpan } from '@troupe/client';
import { SpanRecordSchema, type SpanRecord } from '@troupe/telemetry';

/** Span records read at most per trace request (the span feed sends up to 100 per message). */
const MAX_RECORDS = 100_000;

/**
 * A task's spans, oldest first: the records stored on its trace's subject, one span per `spanId` (the
 * `ended` record supersedes the `started` one; a span whose end never came stays `started`). A task without
 * a trace id (its submission was not traced) has none.
 */
export async function readTaskSpans(
  bus: Bus,
  traceId: string | null,
  onInvalid?: (record: InvalidRecord) => void,
): Promise<TraceSpan[]> {
  if (traceId === null) return [];
  const stored = await bus.readStream(Streams.Spans, subjects.spans(traceId), SpanRecordSchema, {
    limit: MAX_RECORDS,
    ...(onInvalid ? { onInvalid } : {}),
  });
  const spans = mergeSpanRecords(stored);
  spans.sort((a, b) => a.start - b.start);
  return spans;
}

/** One record per span: an ended one wins over a started one, whatever their order. */
export function mergeSpanRecords(records: readonly SpanRecord[]): SpanRecord[] {
  const bySpan = new Map<string, SpanRecord>();
  for (const record of records) {
    const known = bySpan.get(record.spanId);
    if (known === undefined || known.phase === 'started') bySpan.set(record.spanId, record);
  }
  return [...bySpan.values()];
}
