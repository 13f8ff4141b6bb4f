import { SpanKind, SpanStatusCode, type AttributeValue, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { CONTENT_ATTRIBUTES, ErrorAttr } from './attributes.js';
import { TelemetryError, TelemetryErrorCode } from './errors.js';

/**
 * The live span feed's wire format (subjects `troupe.telemetry.spans.<traceId>`): one message is a JSON array
 * of span records of one trace. Every record carries `v`, so a consumer can tell versions apart during a
 * rolling upgrade; fields added since version 1 are optional, so older records still decode.
 */
export const SPAN_RECORD_VERSION = 1;

/** A string attribute value (or status message) longer than this is cut, so one value cannot bloat a batch. */
export const MAX_VALUE_LENGTH = 4_096;
/** Array attribute values keep this many elements at most. */
export const MAX_ARRAY_LENGTH = 64;
/** Span events per record: the newest are kept, as the SDK itself drops the oldest past its limit. */
export const MAX_EVENTS = 32;

const hex = (length: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} lowercase hex digits`);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const AttrsSchema = z.record(z.string(), z.union([Scalar, z.array(z.union([Scalar, z.null()]))]));

export const SpanEventRecordSchema = z.object({
  name: z.string(),
  /** Epoch milliseconds. */
  time: z.number(),
  /** Key attributes only, as the span's. */
  attrs: AttrsSchema,
});
export type SpanEventRecord = z.infer<typeof SpanEventRecordSchema>;

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
  /** For a `started` record: how long the span had been open when the record was sent. */
  durationMs: z.number().nonnegative(),
  status: z.enum(['unset', 'ok', 'error']),
  /** Key attributes only: `gen_ai.*` (without message content), `troupe.*`, `error.type`. */
  attrs: AttrsSchema,
  /**
   * `started`: the span was still open when it was sent (a long one, such as a model call); the `ended`
   * record with the same `spanId` supersedes it. Absent means `ended`.
   */
  phase: z.enum(['started', 'ended']).optional(),
  statusMessage: z.string().optional(),
  events: z.array(SpanEventRecordSchema).optional(),
  /** The host and process that recorded the span. */
  host: z.string().optional(),
  pid: z.number().int().optional(),
});
export type SpanRecord = z.infer<typeof SpanRecordSchema>;

export const SpanBatchSchema = z.array(SpanRecordSchema);
export type SpanBatch = z.infer<typeof SpanBatchSchema>;

/** Where a span was recorded, read once per resource. */
export interface SpanOrigin {
  service: string;
  host?: string;
  pid?: number;
}

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

const cut = (s: string) => (s.length > MAX_VALUE_LENGTH ? `${s.slice(0, MAX_VALUE_LENGTH - 1)}…` : s);

type AttrValue = SpanRecord['attrs'][string];

/** A value as the record carries it, strings and arrays capped; a kind the record cannot carry is undefined. */
function capValue(value: AttributeValue): AttrValue | undefined {
  if (typeof value === 'string') return cut(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (!Array.isArray(value)) return undefined;
  return value.slice(0, MAX_ARRAY_LENGTH).map((item: unknown) => {
    if (typeof item === 'string') return cut(item);
    return typeof item === 'number' || typeof item === 'boolean' ? item : null;
  });
}

function keyAttributes(attributes: Attributes): SpanRecord['attrs'] {
  const attrs: SpanRecord['attrs'] = {};
  for (const key in attributes) {
    if (!isKeyAttribute(key)) continue;
    const value = capValue(attributes[key]);
    if (value !== undefined) attrs[key] = value;
  }
  return attrs;
}

/**
 * Turns a span into its compact record: a finished one, or with `openForMs` one that is still open (a
 * `started` record, status unset, `durationMs` = how long it has been open).
 */
export function toSpanRecord(span: ReadableSpan, origin: SpanOrigin, openForMs?: number): SpanRecord {
  const ctx = span.spanContext();
  const started = openForMs !== undefined;
  const record: SpanRecord = {
    v: SPAN_RECORD_VERSION,
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    name: span.name,
    service: origin.service,
    kind: KINDS[span.kind] ?? 'internal',
    start: roundUs(hrToMs(span.startTime)),
    durationMs: roundUs(Math.max(0, started ? openForMs : hrToMs(span.duration))),
    status: started ? 'unset' : (STATUSES[span.status.code] ?? 'unset'),
    attrs: keyAttributes(span.attributes),
  };
  if (span.parentSpanContext) record.parentSpanId = span.parentSpanContext.spanId;
  if (started) record.phase = 'started';
  if (!started && span.status.message) record.statusMessage = cut(span.status.message);
  if (span.events.length > 0) {
    record.events = span.events.slice(-MAX_EVENTS).map((event) => ({
      name: cut(event.name),
      time: roundUs(hrToMs(event.time)),
      attrs: event.attributes ? keyAttributes(event.attributes) : {},
    }));
  }
  if (origin.host !== undefined) record.host = origin.host;
  if (origin.pid !== undefined) record.pid = origin.pid;
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
