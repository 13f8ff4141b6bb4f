import { subjects, type Bus } from '@troupe/bus';
import type { SpanFeedOptions } from '@troupe/telemetry';

/**
 * The span feed as `troupe supervisor` and `troupe agent` set it up: every span recorded and published on
 * `troupe.telemetry.spans.<traceId>`, so a task's trace follows it across the processes. `BENCH_TRACES=off`
 * leaves it out (no span recorded; for an A/B of what tracing costs).
 */
export function benchSpanFeed(bus: Bus): { spanFeed?: SpanFeedOptions } {
  if (process.env['BENCH_TRACES'] === 'off') return {};
  return { spanFeed: { publish: (payload, traceId) => bus.publishRaw(subjects.spans(traceId), payload) } };
}
