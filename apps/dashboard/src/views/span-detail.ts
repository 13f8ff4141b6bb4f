import type { TraceSpan } from '@troupe/client';
import { formatCount, formatUsd } from '../lib/format.js';
import type { WaterfallRow } from './waterfall.js';

/**
 * The span detail pane's model: the GenAI facts first (model, tokens, cost, tool), then timing, status,
 * events and the remaining attributes. Values longer than `maxChars` are cut with a note of their length,
 * so a 100 KB attribute costs one slice, not a frozen page.
 */
export interface DetailField {
  key: string;
  label: string;
  value: string;
  /** The value's full length in characters when it was cut. */
  fullLength: number | undefined;
}

export interface DetailEvent {
  name: string;
  time: number;
  /** Since the span started, as recorded. */
  offsetMs: number;
  attributes: DetailField[];
}

export interface SpanDetailModel {
  spanId: string;
  traceId: string;
  parentSpanId: string | undefined;
  name: string;
  service: string;
  kind: string;
  /** `host` or `host:pid` of the recording process, when known. */
  process: string | undefined;
  status: string;
  statusMessage: string | undefined;
  timing: {
    /** As recorded, on the recording host's clock. */
    start: number;
    durationMs: number;
    open: boolean;
    /** Added to the recorded times in the waterfall to line the span up with its parent's clock. */
    shiftMs: number;
    skewMs: number;
    orphan: boolean;
  };
  genAi: DetailField[];
  attributes: DetailField[];
  events: DetailEvent[];
  errors: string[];
}

export const DEFAULT_MAX_CHARS = 2_000;

/** GenAI and Troupe attributes in the order a person reads them, with their labels. */
const KEY_ATTRIBUTES: ReadonlyArray<readonly [string, string]> = [
  ['gen_ai.operation.name', 'Operation'],
  ['gen_ai.agent.name', 'Role'],
  ['gen_ai.agent.id', 'Agent'],
  ['gen_ai.workflow.name', 'Workflow'],
  ['gen_ai.provider.name', 'Provider'],
  ['gen_ai.request.model', 'Model'],
  ['gen_ai.response.model', 'Answered by'],
  ['gen_ai.usage.input_tokens', 'Input tokens'],
  ['gen_ai.usage.output_tokens', 'Output tokens'],
  ['troupe.cost.usd', 'Cost'],
  ['gen_ai.response.finish_reasons', 'Finish reasons'],
  ['gen_ai.tool.name', 'Tool'],
  ['gen_ai.tool.call.id', 'Tool call'],
  ['troupe.step.id', 'Step'],
  ['troupe.step.attempt', 'Attempt'],
  ['troupe.event', 'Supervisor event'],
  ['troupe.outcome', 'Outcome'],
  ['error.type', 'Error type'],
];
const KEY_LABELS: ReadonlyMap<string, string> = new Map(KEY_ATTRIBUTES);

/** A value as text, cut to `maxChars` (a cut value still says how long it was). */
export function displayValue(
  value: unknown,
  maxChars = DEFAULT_MAX_CHARS,
): { text: string; fullLength?: number } {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  if (text.length <= maxChars) return { text };
  return { text: text.slice(0, maxChars), fullLength: text.length };
}

function field(key: string, label: string, value: unknown, maxChars: number): DetailField {
  let shown: unknown = value;
  if (key === 'troupe.cost.usd' && typeof value === 'number') shown = formatUsd(value);
  else if (key.startsWith('gen_ai.usage.') && typeof value === 'number') shown = formatCount(value);
  const { text, fullLength } = displayValue(shown, maxChars);
  return { key, label, value: text, fullLength };
}

function fields(attrs: Record<string, unknown>, maxChars: number, skip?: ReadonlySet<string>): DetailField[] {
  return Object.keys(attrs)
    .filter((k) => !skip?.has(k))
    .sort()
    .map((k) => field(k, k, attrs[k], maxChars));
}

export function spanDetail(
  span: TraceSpan,
  row?: Pick<WaterfallRow, 'shiftMs' | 'skewMs' | 'orphan'>,
  options: { maxChars?: number } = {},
): SpanDetailModel {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const genAi: DetailField[] = [];
  for (const [key, label] of KEY_ATTRIBUTES) {
    if (span.attrs[key] !== undefined) genAi.push(field(key, label, span.attrs[key], maxChars));
  }
  const events: DetailEvent[] = (span.events ?? []).map((e) => ({
    name: e.name,
    time: e.time,
    offsetMs: e.time - span.start,
    attributes: fields(e.attrs, maxChars),
  }));
  const errors: string[] = [];
  if (span.status === 'error' && span.statusMessage) errors.push(span.statusMessage);
  for (const e of span.events ?? []) {
    if (e.name !== 'exception') continue;
    const type = e.attrs['exception.type'];
    const message = e.attrs['exception.message'];
    const text = [type, message].filter((v) => typeof v === 'string' && v.length > 0).join(': ');
    if (text && !errors.includes(text) && !errors.includes(String(message))) {
      errors.push(displayValue(text, maxChars).text);
    }
  }
  if (span.status === 'error' && errors.length === 0) {
    const type = span.attrs['error.type'];
    errors.push(typeof type === 'string' ? type : 'failed without a message');
  }
  const process =
    span.host === undefined ? undefined : span.pid === undefined ? span.host : `${span.host}:${span.pid}`;
  return {
    spanId: span.spanId,
    traceId: span.traceId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: span.service,
    kind: span.kind,
    process,
    status: span.status,
    statusMessage: span.statusMessage,
    timing: {
      start: span.start,
      durationMs: span.durationMs,
      open: span.phase === 'started',
      shiftMs: row?.shiftMs ?? 0,
      skewMs: row?.skewMs ?? 0,
      orphan: row?.orphan ?? false,
    },
    genAi,
    attributes: fields(span.attrs, maxChars, new Set(KEY_LABELS.keys())),
    events,
    errors,
  };
}
