import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { CONTENT_ATTRIBUTES, ErrorAttr } from './attributes.js';
import { TelemetryError, TelemetryErrorCode } from './errors.js';

/**
 * The live span feed's wire format (subject `troupe.telemetry.spans`): one message is a JSON array of
 * span records. Every record carries `v`, so a consumer can tell versions apart during a rolling upgrade.
 */
export const SPAN_RECORD_VERSION = 1;

const hex = (length: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} lowercase hex digits`);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const SpanRecordSchema = z.object({
  v: z.literal(SPAN_RECORD_VERSION),
  traceId: hex(32),
  spanId: hex(16),
  /** Absent on a root span. */
  parentSpanId: hex(16).optional(),
  name: z.string(),
  service: z.string(),
  kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer']),
  /** Start time, epoch milliseconds. */
  start: z.number(),
  durationMs: z.number().nonnegative(),
  status: z.enum(['unset', 'ok', 'error']),
  /** Key attributes only: `gen_ai.*` (without message content), `troupe.*`, `error.type`. */
  attrs: z.record(z.string(), z.union([Scalar, z.array(z.union([Scalar, z.null()]))])),
});
export type SpanRecord = z.infer<typeof SpanRecordSchema>;

export const SpanBatchSchema = z.array(SpanRecordSchema);
export type SpanBatch = z.infer<typeof SpanBatchSchema>;

const KINDS = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
} as const satisfies Record<SpanKind, SpanRecord['kind']>;

const STATUSES = {
  [SpanStatusCode.UNSET]: 'unset',
  [SpanStatusCode.OK]: 'ok',
  [SpanStatusCode.ERROR]: 'error',
} as const satisfies Record<SpanStatusCode, SpanRecord['status']>;

export function isKeyAttribute(key: string): boolean {
  return (
    (key.startsWith('gen_ai.') || key.startsWith('troupe.') || key === ErrorAttr.Type) &&
    !CONTENT_ATTRIBUTES.has(key)
  );
}

const hrToMs = (t: readonly [number, number]) => t[0] * 1e3 + t[1] / 1e6;
const roundUs = (ms: number) => Math.round(ms * 1e3) / 1e3;

/** Turns a finished span into its compact record. */
export function toSpanRecord(span: ReadableSpan, service: string): SpanRecord {
  const ctx = span.spanContext();
  const attrs: SpanRecord['attrs'] = {};
  for (const key in span.attributes) {
    if (!isKeyAttribute(key)) continue;
    const value = span.attributes[key];
    if (value !== undefined) attrs[key] = value as SpanRecord['attrs'][string];
  }
  const record: SpanRecord = {
    v: SPAN_RECORD_VERSION,
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    name: span.name,
    service,
    kind: KINDS[span.kind] ?? 'internal',
    start: roundUs(hrToMs(span.startTime)),
    durationMs: roundUs(Math.max(0, hrToMs(span.duration))),
    status: STATUSES[span.status.code] ?? 'unset',
    attrs,
  };
  if (span.parentSpanContext) record.parentSpanId = span.parentSpanContext.spanId;
  return record;
}

const decoder = new TextDecoder();

/** Decodes and validates one span feed message; throws `TelemetryError` `DECODE_FAILED`. */
export function decodeSpanBatch(bytes: Uint8Array): SpanBatch {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new TelemetryError(
      TelemetryErrorCode.DecodeFailed,
      `span batch is not JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const parsed = SpanBatchSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TelemetryError(
      TelemetryErrorCode.DecodeFailed,
      `span batch does not match version ${SPAN_RECORD_VERSION}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
