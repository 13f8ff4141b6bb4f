import type { TaskEvent, TraceSpan } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { instancesAt, nextMark, previousMark, replayAt, replayRange, waterfallAt } from './replay.js';
import type { WorkflowStep } from './step-graph.js';
import { buildWaterfall } from './waterfall.js';

const STEPS: WorkflowStep[] = [
  { id: 'plan', role: 'planner', needs: [] },
  { id: 'research', role: 'researcher', needs: ['plan'] },
  { id: 'draft', role: 'drafter', needs: ['research'] },
  { id: 'review', role: 'reviewer', needs: ['draft'] },
];

let seq = 0;
const ev = (type: string, at: number, stepKey?: string, data: Record<string, unknown> = {}): TaskEvent =>
  ({ v: 1, id: `e${seq++}`, taskId: 't1', type, at, ...(stepKey ? { stepKey } : {}), data }) as TaskEvent;

/** A report-like task: plan, a fan-out of two with one retry, a draft, a review that waits for a person. */
const EVENTS: TaskEvent[] = [
  ev('task.started', 100, undefined, { workflow: 'report' }),
  ev('step.dispatched', 100, 'plan', { stepId: 'plan', role: 'planner', round: 1, attempt: 1 }),
  ev('model.call', 110, 'plan', { attempt: 1, agentId: 'a1', model: 'm' }),
  ev('step.succeeded', 200, 'plan', { attempt: 1 }),
  ev('step.fanned_out', 200, 'research', { stepId: 'research', count: 2, round: 1 }),
  ev('step.dispatched', 200, 'research-1', { stepId: 'research', round: 1, attempt: 1 }),
  ev('step.dispatched', 200, 'research-2', { stepId: 'research', round: 1, attempt: 1 }),
  ev('step.failed', 250, 'research-2', { attempt: 1, code: 'E', retryable: true }),
  ev('step.retry_scheduled', 250, 'research-2', { nextAttempt: 2 }),
  ev('step.succeeded', 280, 'research-1', { attempt: 1 }),
  ev('step.dispatched', 300, 'research-2', { stepId: 'research', round: 1, attempt: 2 }),
  ev('tool.call', 310, 'research-2', { attempt: 2, tool: 'search' }),
  ev('step.succeeded', 350, 'research-2', { attempt: 2 }),
  ev('step.dispatched', 350, 'draft', { stepId: 'draft', round: 1, attempt: 1 }),
  ev('step.succeeded', 400, 'draft', { attempt: 1 }),
  ev('step.dispatched', 400, 'review', { stepId: 'review', round: 1, attempt: 1 }),
  ev('step.succeeded', 450, 'review', { attempt: 1 }),
  ev('review.requested', 450, 'review', { rounds: 1 }),
  ev('review.decided', 600, 'review', { by: 'human', decision: 'approve' }),
  ev('task.completed', 600),
];

const node = (frame: ReturnType<typeof replayAt>, id: string) => frame.graph.nodes.find((n) => n.id === id)!;

function span(id: string, start: number, durationMs: number, over: Partial<TraceSpan> = {}): TraceSpan {
  return {
    traceId: 't',
    spanId: id,
    name: id,
    service: 's',
    kind: 'internal',
    start,
    durationMs,
    status: 'ok',
    attrs: {},
    ...over,
  };
}

describe('replay of step states', () => {
  const waterfall = buildWaterfall([], { now: 0 });
  const at = (t: number) => replayAt({ events: EVENTS, steps: STEPS, waterfall, t });

  it('starts queued with every step waiting', () => {
    const frame = at(50);
    expect(frame.status).toBe('queued');
    expect(frame.graph.nodes.every((n) => n.state === 'waiting')).toBe(true);
  });

  it('tells dispatched from running by the agent’s events', () => {
    expect(node(at(105), 'plan').state).toBe('dispatched');
    expect(node(at(150), 'plan').state).toBe('running');
    expect(at(150).status).toBe('running');
  });

  it('shows a fan-out with a retry in flight', () => {
    const frame = at(260);
    expect(node(frame, 'plan').state).toBe('succeeded');
    expect(node(frame, 'research')).toMatchObject({ state: 'dispatched', instances: 2, fanOut: true });
    expect(frame.instances.find((i) => i.key === 'research-2')).toMatchObject({
      status: 'pending',
      index: 1,
    });
    expect(node(at(320), 'research')).toMatchObject({ state: 'running', retries: 1 });
    expect(node(at(360), 'research').state).toBe('succeeded');
  });

  it('shows the task parked for review, then approved and complete', () => {
    const parked = at(500);
    expect(parked.status).toBe('awaiting_review');
    expect(node(parked, 'review').review).toEqual({ state: 'awaiting', rounds: 1 });
    const done = at(600);
    expect(done.status).toBe('completed');
    expect(node(done, 'review').review?.state).toBe('approve');
    expect(done.graph.nodes.every((n) => n.state === 'succeeded')).toBe(true);
  });

  it('skips unfinished instances when the task is cancelled, and those a loop restarts', () => {
    const cancelled = [...EVENTS.slice(0, 8), ev('task.cancelled', 260, undefined, { reason: null })];
    const { status, instances } = instancesAt(cancelled, STEPS, 1_000);
    expect(status).toBe('cancelled');
    expect(instances.find((i) => i.key === 'research-1')!.status).toBe('skipped');
    const looped = [...EVENTS.slice(0, 14), ev('step.loop', 360, undefined, { to: 'research', round: 2 })];
    const after = instancesAt(looped, STEPS, 1_000).instances;
    expect(after.find((i) => i.key === 'draft')!.status).toBe('skipped');
    expect(after.find((i) => i.key === 'plan')!.status).toBe('succeeded');
  });

  it('reads a skipped step and a step id it can only learn from the key', () => {
    const events = [
      ev('step.skipped', 10, 'draft-r2', { stepId: 'draft', round: 2 }),
      ev('step.succeeded', 20, 'research-r2-3'),
    ];
    const { instances } = instancesAt(events, STEPS, 100);
    expect(instances).toEqual([
      { key: 'draft-r2', stepId: 'draft', status: 'skipped', round: 2, attempt: 0 },
      { key: 'research-r2-3', stepId: 'research', status: 'succeeded', round: 2, attempt: 0, index: 2 },
    ]);
  });
});

describe('replay of the waterfall', () => {
  const full = buildWaterfall(
    [
      span('root', 100, 500),
      span('a', 150, 100, { parentSpanId: 'root', status: 'error' }),
      span('b', 300, 200, { parentSpanId: 'root' }),
      span('b1', 320, 10, { parentSpanId: 'b' }),
    ],
    { now: 0 },
  );

  it('hides spans that had not started and shows running ones open up to t', () => {
    const w = waterfallAt(full, 200);
    expect(w.rows.map((r) => [r.spanId, r.open, r.end])).toEqual([
      ['root', true, 200],
      ['a', true, 200],
    ]);
    expect(w.rows[0]!.childCount).toBe(1);
    // Still running at t, so not failed yet.
    expect(w.errorCount).toBe(0);
    expect(w.start).toBe(full.start);
    expect(w.end).toBe(full.end);
  });

  it('is the full waterfall after the end', () => {
    const w = waterfallAt(full, 10_000);
    expect(w.rows).toEqual(full.rows);
    expect(w.openCount).toBe(0);
    expect(w.errorCount).toBe(1);
  });
});

describe('replay range and marks', () => {
  it('spans creation to the final event, taking in spans, with supervisor events as marks', () => {
    const w = buildWaterfall([span('late', 90, 700)], { now: 0 });
    const range = replayRange({ createdAt: 95, events: EVENTS, waterfall: w, now: 99_999 });
    expect(range.start).toBe(90);
    expect(range.end).toBe(790);
    expect(range.marks.some((m) => m.type === 'model.call' || m.type === 'tool.call')).toBe(false);
    expect(range.marks.find((m) => m.type === 'review.decided')).toMatchObject({
      at: 600,
      tone: 'review',
      label: 'review.decided review (approve)',
    });
  });

  it('runs to now while the task runs', () => {
    expect(replayRange({ createdAt: 0, events: EVENTS.slice(0, 3), now: 5_000 }).end).toBe(5_000);
  });

  it('steps between marks', () => {
    const { marks } = replayRange({ createdAt: 0, events: EVENTS, now: 0 });
    expect(nextMark(marks, 200)!.at).toBe(250);
    expect(previousMark(marks, 200)!.at).toBe(100);
    expect(nextMark(marks, 600)).toBeUndefined();
    expect(previousMark(marks, 100)).toBeUndefined();
  });
});
