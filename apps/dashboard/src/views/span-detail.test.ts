import type { TraceSpan } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { displayValue, spanDetail } from './span-detail.js';

const base: TraceSpan = {
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: 'c'.repeat(16),
  name: 'chat gpt-4o-mini',
  service: 'troupe-agent',
  kind: 'client',
  start: 1_000,
  durationMs: 1_234,
  status: 'ok',
  attrs: {},
  host: 'node-2',
  pid: 4242,
};

describe('spanDetail', () => {
  it('puts the GenAI facts first, in reading order, formatted', () => {
    const d = spanDetail({
      ...base,
      attrs: {
        'gen_ai.usage.output_tokens': 250,
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 12_000,
        'troupe.cost.usd': 0.00123,
        'gen_ai.response.finish_reasons': ['stop'],
        'zeta.custom': 'z',
      },
    });
    expect(d.genAi.map((f) => [f.label, f.value])).toEqual([
      ['Operation', 'chat'],
      ['Model', 'gpt-4o-mini'],
      ['Input tokens', '12,000'],
      ['Output tokens', '250'],
      ['Cost', '$0.0012'],
      ['Finish reasons', '["stop"]'],
    ]);
    expect(d.attributes.map((f) => f.key)).toEqual(['zeta.custom']);
    expect(d.process).toBe('node-2:4242');
    expect(d.timing).toMatchObject({ start: 1_000, durationMs: 1_234, open: false });
  });

  it('names tool calls', () => {
    const d = spanDetail({ ...base, name: 'execute_tool search', attrs: { 'gen_ai.tool.name': 'search' } });
    expect(d.genAi).toEqual([
      { key: 'gen_ai.tool.name', label: 'Tool', value: 'search', fullLength: undefined },
    ]);
  });

  it('cuts a 100 KB attribute and says how long it was', () => {
    const big = 'x'.repeat(100_000);
    const d = spanDetail({ ...base, attrs: { 'troupe.blob': big, 'gen_ai.request.model': big } });
    expect(d.attributes[0]!.value).toHaveLength(2_000);
    expect(d.attributes[0]!.fullLength).toBe(100_000);
    expect(d.genAi[0]!.fullLength).toBe(100_000);
    expect(
      spanDetail({ ...base, attrs: { 'troupe.blob': big } }, undefined, { maxChars: 50 }).attributes[0]!
        .value,
    ).toHaveLength(50);
  });

  it('collects errors from the status, exception events and error.type', () => {
    const d = spanDetail({
      ...base,
      status: 'error',
      statusMessage: 'upstream 503',
      attrs: { 'error.type': 'PROVIDER_ERROR' },
      events: [
        { name: 'exception', time: 1_400, attrs: { 'exception.message': 'upstream 503' } },
        {
          name: 'exception',
          time: 1_500,
          attrs: { 'exception.type': 'ProviderError', 'exception.message': 'HTTP 503' },
        },
        { name: 'retry', time: 1_600, attrs: { attempt: 2 } },
      ],
    });
    // The status message is not repeated by the exception that carries the same text.
    expect(d.errors).toEqual(['upstream 503', 'ProviderError: HTTP 503']);
    expect(d.events.map((e) => [e.name, e.offsetMs])).toEqual([
      ['exception', 400],
      ['exception', 500],
      ['retry', 600],
    ]);
    expect(spanDetail({ ...base, status: 'error', attrs: { 'error.type': 'TIMEOUT' } }).errors).toEqual([
      'TIMEOUT',
    ]);
  });

  it('carries the waterfall’s clock correction and the open marker', () => {
    const d = spanDetail({ ...base, phase: 'started' }, { shiftMs: 250, skewMs: 50, orphan: true });
    expect(d.timing).toMatchObject({ open: true, shiftMs: 250, skewMs: 50, orphan: true });
  });
});

describe('displayValue', () => {
  it('shows any value as text', () => {
    expect(displayValue('a')).toEqual({ text: 'a' });
    expect(displayValue(3)).toEqual({ text: '3' });
    expect(displayValue({ a: [1] })).toEqual({ text: '{"a":[1]}' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(displayValue(cyclic).text).toBe('[object Object]');
  });
});
