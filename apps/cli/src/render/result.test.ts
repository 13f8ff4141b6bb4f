import { describe, expect, it } from 'vitest';
import { formatCost, formatDuration, formatTable, modelLabel } from './format.js';
import { renderResultBody, renderReview, renderTaskResult } from './result.js';

describe('result rendering', () => {
  const report = {
    document:
      '# Acks\n\nConsumers acknowledge each message [1].\n\n## References\n\n1. JetStream — /docs/jetstream.md',
    title: 'Acks',
    citations: [{ id: 1, source: '/docs/jetstream.md', title: 'JetStream' }],
    review: { verdict: 'approve', confidence: 0.82, notes: ['tighten the summary'], by: 'agent', rounds: 1 },
    usage: { inputTokens: 1200, outputTokens: 300, costUsd: 0 },
  };

  it('a report prints as its Markdown; sources it already lists are not repeated', () => {
    const text = renderResultBody(report);
    expect(text).toContain('## References');
    expect(text).not.toContain('Sources:');
  });

  it('an answer gets its sources listed under it', () => {
    const text = renderResultBody({
      answer: '42',
      citations: [{ source: 'calc://6*7', title: 'calculator' }],
    });
    expect(text).toBe('42\n\nSources:\n  [1] calculator — calc://6*7');
  });

  it('anything else prints as JSON', () => {
    expect(renderResultBody({ claims: [] })).toBe('{\n  "claims": []\n}');
  });

  it('the review verdict, the notes and the usage line', () => {
    expect(renderReview(report)).toBe(
      'approve · confidence 0.82 · by agent · 1 round\n  - tighten the summary',
    );
    const text = renderTaskResult({
      id: 't0x',
      status: 'completed',
      result: report,
      error: null,
      usage: report.usage,
    });
    expect(text).toContain('Review: approve · confidence 0.82');
    expect(text).toContain('Usage: 1,500 tokens (1,200 in, 300 out) · cost $0.0000');
  });

  it('formats', () => {
    expect(formatCost(0.000123)).toBe('$0.000123');
    expect(formatCost(1.5)).toBe('$1.5000');
    expect(formatDuration(950)).toBe('950 ms');
    expect(formatDuration(23_400)).toBe('23.4 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(modelLabel('offline', 'offline-1')).toBe('offline:offline-1');
    expect(modelLabel('openai', 'openai:gpt-4o')).toBe('openai:gpt-4o');
    expect(formatTable(['A', 'LONG'], [['xyz', '1']], '')).toBe('A    LONG\nxyz  1');
  });
});
