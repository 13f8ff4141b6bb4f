import type { TraceSpan } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { serviceColour } from './service-colour.js';
import { buildWaterfall, estimateClockOffsets, mergeSpans, visibleRows } from './waterfall.js';

const TRACE = '0'.repeat(32);
const hex16 = (n: number) => n.toString(16).padStart(16, '0');

function span(id: number | string, over: Partial<TraceSpan> = {}): TraceSpan {
  return {
    traceId: TRACE,
    spanId: typeof id === 'number' ? hex16(id) : id,
    name: `span ${id}`,
    service: 'troupe-supervisor',
    kind: 'internal',
    start: 1_000,
    durationMs: 10,
    status: 'ok',
    attrs: {},
    ...over,
  };
}

describe('buildWaterfall', () => {
  it('orders a tree depth first with children by start time', () => {
    const spans = [
      span('c2', { parentSpanId: 'root', start: 1_050 }),
      span('root', { start: 1_000, durationMs: 200 }),
      span('c1', { parentSpanId: 'root', start: 1_010 }),
      span('g1', { parentSpanId: 'c1', start: 1_012 }),
    ];
    const wf = buildWaterfall(spans, { now: 2_000 });
    expect(wf.rows.map((r) => [r.spanId, r.depth])).toEqual([
      ['root', 0],
      ['c1', 1],
      ['g1', 2],
      ['c2', 1],
    ]);
    expect(wf.rows[0]!.childCount).toBe(2);
    expect(wf.index.get('g1')).toBe(2);
    expect(wf.start).toBe(1_000);
    expect(wf.end).toBe(1_200);
  });

  it('keeps spans whose parent is missing as orphan roots', () => {
    const wf = buildWaterfall(
      [
        span('a', { start: 5 }),
        span('lost', { parentSpanId: 'gone', start: 1 }),
        span('kid', { parentSpanId: 'lost', start: 2 }),
      ],
      { now: 100 },
    );
    expect(wf.rows.map((r) => [r.spanId, r.depth, r.orphan])).toEqual([
      ['lost', 0, true],
      ['kid', 1, false],
      ['a', 0, false],
    ]);
    expect(wf.orphanCount).toBe(1);
  });

  it('shows spans whose parents form a loop instead of dropping them', () => {
    const wf = buildWaterfall(
      [span('x', { parentSpanId: 'y' }), span('y', { parentSpanId: 'x', start: 1_001 })],
      {
        now: 0,
      },
    );
    expect(wf.rows.map((r) => r.spanId).sort()).toEqual(['x', 'y']);
  });

  it('lets an ended record replace a started marker, never the reverse', () => {
    const started = span('m', { phase: 'started', durationMs: 5 });
    const ended = span('m', { phase: 'ended', durationMs: 40 });
    expect(mergeSpans([started, ended]).get('m')).toBe(ended);
    expect(mergeSpans([ended, started]).get('m')).toBe(ended);
    expect(buildWaterfall([started, ended, started], { now: 9_999 }).rows).toHaveLength(1);
  });

  it('extends open spans to now', () => {
    const wf = buildWaterfall([span('m', { phase: 'started', start: 1_000, durationMs: 5 })], { now: 4_000 });
    expect(wf.rows[0]).toMatchObject({ open: true, start: 1_000, end: 4_000 });
    expect(wf.openCount).toBe(1);
  });

  it('corrects a host clock that runs behind with one offset per pair of clocks', () => {
    // The agent host's clock is 300 ms behind the supervisor's: each of its spans seems to start before its parent.
    const spans = [
      span('root', { host: 'sup', start: 10_000, durationMs: 2_000 }),
      span('a1', {
        parentSpanId: 'root',
        host: 'agent',
        service: 'troupe-agent',
        start: 9_750,
        durationMs: 100,
      }),
      span('a2', {
        parentSpanId: 'root',
        host: 'agent',
        service: 'troupe-agent',
        start: 9_800,
        durationMs: 100,
      }),
      span('a3', {
        parentSpanId: 'root',
        host: 'agent',
        service: 'troupe-agent',
        start: 9_700,
        durationMs: 100,
      }),
      span('a1c', {
        parentSpanId: 'a1',
        host: 'agent',
        service: 'troupe-agent',
        start: 9_760,
        durationMs: 10,
      }),
    ];
    expect(estimateClockOffsets(mergeSpans(spans)).get('sup')?.get('agent')).toBe(250);
    const wf = buildWaterfall(spans, { now: 0 });
    const row = (id: string) => wf.rows[wf.index.get(id)!]!;
    expect(row('a2')).toMatchObject({ start: 10_050, skewMs: 0, shiftMs: 250 });
    // a3 needed 300 ms, 50 more than the estimate: clamped to its parent's start, whole.
    expect(row('a3')).toMatchObject({ start: 10_000, end: 10_100, skewMs: 50, shiftMs: 300 });
    // The same host's child moves with its parent, keeping their distance.
    expect(row('a1c').start - row('a1').start).toBe(10);
    expect(wf.skewedCount).toBe(1);
    expect(wf.rows.map((r) => r.spanId)).toEqual(['root', 'a3', 'a1', 'a1c', 'a2']);
  });

  it('keeps a consumer that outlives its producer span', () => {
    const wf = buildWaterfall(
      [span('p', { start: 0, durationMs: 2 }), span('c', { parentSpanId: 'p', start: 5, durationMs: 1_000 })],
      { now: 0 },
    );
    expect(wf.rows[1]).toMatchObject({ start: 5, end: 1_005, skewMs: 0 });
  });

  it('colours by role and names the step, inherited within a service, and by service across', () => {
    const wf = buildWaterfall(
      [
        span('agent', {
          service: 'troupe-agent',
          attrs: { 'gen_ai.agent.name': 'researcher', 'troupe.step.id': 'research-2' },
        }),
        span('chat', { service: 'troupe-agent', parentSpanId: 'agent', start: 1_001 }),
        span('sup', { service: 'troupe-supervisor', parentSpanId: 'chat', start: 1_002 }),
      ],
      { now: 0 },
    );
    expect(wf.rows.map((r) => r.colourKey)).toEqual(['researcher', 'researcher', 'troupe-supervisor']);
    expect(wf.rows.map((r) => r.stepKey)).toEqual(['research-2', 'research-2', undefined]);
    expect(wf.rows[0]!.colour).toBe(serviceColour('researcher'));
    expect(wf.legend).toEqual([
      { key: 'researcher', colour: serviceColour('researcher'), count: 2 },
      { key: 'troupe-supervisor', colour: serviceColour('troupe-supervisor'), count: 1 },
    ]);
  });

  it('builds 10,000 spans in tree order', () => {
    // One root, 99 children each with 100 grandchildren, handed over in a scrambled order.
    const CHILDREN = 99;
    const GRANDCHILDREN = 100;
    const BLOCK = GRANDCHILDREN + 1;
    const spans: TraceSpan[] = [span(0, { start: 0, durationMs: 200_000 })];
    let id = 1;
    for (let c = 0; c < CHILDREN; c++) {
      const childId = id++;
      const at = 1_000 * (CHILDREN - c);
      spans.push(span(childId, { parentSpanId: hex16(0), start: at, durationMs: 900, host: `h${c % 7}` }));
      for (let g = 0; g < GRANDCHILDREN; g++) {
        spans.push(
          span(id++, { parentSpanId: hex16(childId), start: at + GRANDCHILDREN - g, durationMs: 1 }),
        );
      }
    }
    let seed = 7;
    for (let i = spans.length - 1; i > 0; i--) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      const j = seed % (i + 1);
      [spans[i], spans[j]] = [spans[j]!, spans[i]!];
    }
    const wf = buildWaterfall(spans, { now: 0 });
    expect(wf.rows).toHaveLength(10_000);
    expect(wf.rows[0]!.depth).toBe(0);
    // Children of the root come by start time, each followed by its grandchildren, also by start time.
    for (let c = 0; c < CHILDREN; c++) {
      const head = wf.rows[1 + c * BLOCK]!;
      expect(head.depth).toBe(1);
      expect(head.childCount).toBe(GRANDCHILDREN);
      if (c > 0) expect(head.start).toBeGreaterThan(wf.rows[1 + (c - 1) * BLOCK]!.start);
      for (let g = 1; g <= GRANDCHILDREN; g++) {
        const row = wf.rows[1 + c * BLOCK + g]!;
        expect(row.depth).toBe(2);
        expect(row.parentSpanId).toBe(head.spanId);
        if (g > 1) expect(row.start).toBeGreaterThan(wf.rows[c * BLOCK + g]!.start);
      }
    }
  });

  it('walks a chain 10,000 deep without recursion', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) =>
      span(i, i === 0 ? { start: 0 } : { parentSpanId: hex16(i - 1), start: i }),
    );
    const wf = buildWaterfall(spans, { now: 0 });
    expect(wf.rows).toHaveLength(10_000);
    expect(wf.rows[9_999]!.depth).toBe(9_999);
  });
});

describe('visibleRows', () => {
  it('hides the descendants of collapsed spans', () => {
    const wf = buildWaterfall(
      [
        span('r', { start: 0, durationMs: 100 }),
        span('a', { parentSpanId: 'r', start: 1 }),
        span('a1', { parentSpanId: 'a', start: 2 }),
        span('a11', { parentSpanId: 'a1', start: 3 }),
        span('b', { parentSpanId: 'r', start: 4 }),
      ],
      { now: 0 },
    );
    expect(visibleRows(wf.rows, new Set(['a'])).map((r) => r.spanId)).toEqual(['r', 'a', 'b']);
    expect(visibleRows(wf.rows, new Set(['a1', 'b'])).map((r) => r.spanId)).toEqual(['r', 'a', 'a1', 'b']);
    expect(visibleRows(wf.rows, new Set())).toHaveLength(5);
  });
});
