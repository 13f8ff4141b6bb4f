import type { StepView, TaskEvent } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { buildStepGraph, liveInstances, reviewMarks, type WorkflowStep } from './step-graph.js';
import { layoutStepGraph, edgePathData } from './step-graph-layout.js';
import { stepIdOfKey, stepKey } from './step-key.js';

const REPORT: WorkflowStep[] = [
  { id: 'plan', role: 'planner', needs: [] },
  { id: 'research', role: 'researcher', needs: ['plan'] },
  { id: 'analyse', role: 'analyst', needs: ['research'] },
  { id: 'draft', role: 'drafter', needs: ['analyse'] },
  { id: 'review', role: 'reviewer', needs: ['draft'] },
];

let seq = 0;
function event(type: string, at: number, stepKey?: string, data: Record<string, unknown> = {}): TaskEvent {
  return {
    v: 1,
    id: `e${seq++}`,
    taskId: 't1',
    type,
    at,
    ...(stepKey ? { stepKey } : {}),
    data,
  } as TaskEvent;
}

const view = (over: Partial<StepView> & Pick<StepView, 'key' | 'stepId' | 'status'>): StepView => ({
  role: 'r',
  round: 1,
  attempt: 1,
  ...over,
});

describe('step keys', () => {
  it('round-trips the supervisor key format', () => {
    expect(stepKey('draft', 2)).toBe('draft-r2');
    expect(stepKey('research', 1, 2)).toBe('research-3');
    expect(stepIdOfKey('research-r2-3', ['research', 'review'])).toBe('research');
    expect(stepIdOfKey('fact-check-2', ['fact', 'fact-check'])).toBe('fact-check');
    expect(stepIdOfKey('other', ['plan'])).toBeUndefined();
  });
});

describe('buildStepGraph', () => {
  it('makes one node per workflow step with edges from needs', () => {
    const graph = buildStepGraph(REPORT, []);
    expect(graph.nodes.map((n) => [n.id, n.state])).toEqual([
      ['plan', 'waiting'],
      ['research', 'waiting'],
      ['analyse', 'waiting'],
      ['draft', 'waiting'],
      ['review', 'waiting'],
    ]);
    expect(graph.edges).toEqual([
      { from: 'plan', to: 'research', state: 'waiting' },
      { from: 'research', to: 'analyse', state: 'waiting' },
      { from: 'analyse', to: 'draft', state: 'waiting' },
      { from: 'draft', to: 'review', state: 'waiting' },
    ]);
  });

  it('aggregates a fan-out, counts retries and shows a running attempt', () => {
    const steps: StepView[] = [
      view({ key: 'plan', stepId: 'plan', status: 'succeeded' }),
      view({ key: 'research-1', stepId: 'research', status: 'succeeded', index: 0 }),
      view({ key: 'research-2', stepId: 'research', status: 'dispatched', index: 1, attempt: 3 }),
      view({ key: 'research-3', stepId: 'research', status: 'pending', index: 2 }),
      view({ key: 'analyse', stepId: 'analyse', status: 'waiting', attempt: 0 }),
    ];
    const events = [event('model.call', 5, 'research-2', { attempt: 3, agentId: 'a1' })];
    const graph = buildStepGraph(REPORT, liveInstances(steps, events));
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    expect(node('plan').state).toBe('succeeded');
    expect(node('research')).toMatchObject({
      state: 'running',
      instances: 3,
      fanOut: true,
      retries: 2,
      counts: { succeeded: 1, running: 1, pending: 1 },
    });
    expect(node('analyse').state).toBe('waiting');
    expect(graph.edges[0]).toEqual({ from: 'plan', to: 'research', state: 'done' });
  });

  it('does not call a dispatched attempt running on an earlier attempt’s events', () => {
    const steps = [view({ key: 'plan', stepId: 'plan', status: 'dispatched', attempt: 2 })];
    const events = [event('model.call', 1, 'plan', { attempt: 1 })];
    expect(liveInstances(steps, events)[0]!.status).toBe('dispatched');
  });

  it('shows the latest round of a step sent back by review, and a failure over anything else', () => {
    const steps: StepView[] = [
      view({ key: 'draft', stepId: 'draft', status: 'succeeded' }),
      view({ key: 'draft-r2', stepId: 'draft', status: 'failed', round: 2 }),
      view({ key: 'review', stepId: 'review', status: 'succeeded' }),
      view({ key: 'review-r2', stepId: 'review', status: 'waiting', round: 2, attempt: 0 }),
    ];
    const graph = buildStepGraph(REPORT, liveInstances(steps, []));
    expect(graph.nodes.find((n) => n.id === 'draft')).toMatchObject({
      state: 'failed',
      round: 2,
      keys: ['draft-r2'],
    });
    expect(graph.nodes.find((n) => n.id === 'review')).toMatchObject({ state: 'waiting', round: 2 });
  });

  it('adds nodes for steps the workflow does not list', () => {
    const graph = buildStepGraph([], liveInstances([view({ key: 'x', stepId: 'x', status: 'skipped' })], []));
    expect(graph.nodes).toMatchObject([{ id: 'x', state: 'skipped' }]);
  });

  it('marks a step awaiting review and the decision that followed', () => {
    const ids = REPORT.map((s) => s.id);
    const events = [
      event('review.requested', 10, 'review', { rounds: 1, confidence: 0.4 }),
      event('review.decided', 20, 'review', { by: 'human', decision: 'revise' }),
      event('review.requested', 30, 'review-r2', { rounds: 2 }),
    ];
    expect(reviewMarks(events, ids, 15).get('review')).toEqual({ state: 'awaiting', rounds: 1 });
    expect(reviewMarks(events, ids, 25).get('review')).toEqual({ state: 'revise', rounds: 1 });
    expect(reviewMarks(events, ids).get('review')).toEqual({ state: 'awaiting', rounds: 2 });
    const graph = buildStepGraph(REPORT, [], reviewMarks(events, ids));
    expect(graph.nodes.find((n) => n.id === 'review')!.review).toEqual({ state: 'awaiting', rounds: 2 });
  });
});

describe('layoutStepGraph', () => {
  it('places needs left of the steps that need them, without overlaps', () => {
    const diamond: WorkflowStep[] = [
      { id: 'a', role: 'r', needs: [] },
      { id: 'b', role: 'r', needs: ['a'] },
      { id: 'c', role: 'r', needs: ['a'] },
      { id: 'd', role: 'r', needs: ['b', 'c', 'missing'] },
    ];
    const layout = layoutStepGraph(diamond);
    const box = (id: string) => layout.nodes.get(id)!;
    expect(box('b').x).toBeGreaterThan(box('a').x + box('a').width);
    expect(box('d').x).toBeGreaterThan(box('b').x + box('b').width);
    expect(box('b').x).toBe(box('c').x);
    expect(Math.abs(box('b').y - box('c').y)).toBeGreaterThanOrEqual(box('b').height);
    expect(layout.edges).toHaveLength(4);
    for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect(layout.width).toBeGreaterThan(box('d').x);
    expect(
      edgePathData([
        { x: 0, y: 1 },
        { x: 2.25, y: 3 },
      ]),
    ).toBe('M0.0,1.0 L2.3,3.0');
  });
});
