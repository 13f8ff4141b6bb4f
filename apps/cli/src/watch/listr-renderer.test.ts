import type { TaskEvent } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { createListrRenderer, type RowSnapshot } from './listr-renderer.js';
import { applyEvent, createTaskProgress } from './task-progress.js';

const outline = [
  { id: 'plan', role: 'planner' },
  { id: 'research', role: 'researcher' },
  { id: 'analyse', role: 'analyst' },
  { id: 'draft', role: 'drafter' },
  { id: 'review', role: 'reviewer' },
];

let at = 0;
const ev = (type: string, stepKey?: string, data: Record<string, unknown> = {}): TaskEvent => ({
  v: 1,
  taskId: 't0rows',
  type,
  at: (at += 10),
  ...(stepKey ? { stepKey } : {}),
  data: data as TaskEvent['data'],
});
const dispatched = (key: string, stepId: string, role: string, round = 1, attempt = 1) =>
  ev('step.dispatched', key, { stepId, role, round, attempt });
const succeeded = (key: string, agentId: string) =>
  ev('step.succeeded', key, {
    agentId,
    model: 'offline-1',
    provider: 'offline',
    tokens: { input: 10, output: 5 },
    costUsd: 0,
    latencyMs: 3,
  });

/** Feeds events one by one, letting the list's rows react between them, as a live stream would. */
async function play(events: TaskEvent[]) {
  const renderer = createListrRenderer(outline, { renderer: 'silent' });
  const progress = createTaskProgress('t0rows');
  for (const e of events) {
    renderer.update(progress, applyEvent(progress, e));
    await new Promise((r) => setImmediate(r));
  }
  renderer.end(progress);
  await renderer.finished;
  return renderer.snapshot();
}

const shape = (rows: RowSnapshot[]): unknown[] =>
  rows.map((r) =>
    r.rows.length > 0
      ? [r.title.split(' · ')[0], r.state, shape(r.rows)]
      : [r.title.split(' · ')[0], r.state],
  );

describe('the live task list', () => {
  it('shows a row per step, fan-out items as sub-rows, a retry, and a second round after a revise', async () => {
    const rows = await play([
      ev('task.started', undefined, { workflow: 'report' }),
      dispatched('plan', 'plan', 'planner'),
      succeeded('plan', 'planner-a'),
      ev('step.fanned_out', 'research', { stepId: 'research', count: 2, round: 1 }),
      dispatched('research-1', 'research', 'researcher'),
      dispatched('research-2', 'research', 'researcher'),
      ev('step.failed', 'research-2', { message: 'upstream 503', retryable: true }),
      ev('step.retry_scheduled', 'research-2', { nextAttempt: 2 }),
      dispatched('research-2', 'research', 'researcher', 1, 2),
      succeeded('research-1', 'researcher-a'),
      succeeded('research-2', 'researcher-b'),
      dispatched('analyse', 'analyse', 'analyst'),
      succeeded('analyse', 'analyst-a'),
      dispatched('draft', 'draft', 'drafter'),
      succeeded('draft', 'drafter-a'),
      dispatched('review', 'review', 'reviewer'),
      succeeded('review', 'reviewer-a'),
      ev('review.decided', 'review', {
        decision: 'revise',
        verdict: 'revise',
        notes: ['add numbers'],
        by: 'agent',
      }),
      dispatched('draft-r2', 'draft', 'drafter', 2),
      succeeded('draft-r2', 'drafter-a'),
      dispatched('review-r2', 'review', 'reviewer', 2),
      succeeded('review-r2', 'reviewer-a'),
      ev('task.completed', undefined, { usage: { inputTokens: 90, outputTokens: 45, costUsd: 0 } }),
    ]);
    expect(shape(rows)).toEqual([
      ['t0rows', 'COMPLETED'],
      ['plan', 'COMPLETED'],
      [
        'research',
        'COMPLETED',
        [
          ['research-1', 'COMPLETED'],
          ['research-2', 'COMPLETED'],
        ],
      ],
      ['analyse', 'COMPLETED'],
      ['draft', 'COMPLETED'],
      ['review', 'COMPLETED'],
      [
        'round 2: revising after the review',
        'COMPLETED',
        [
          ['draft-r2', 'COMPLETED'],
          ['review-r2', 'COMPLETED'],
        ],
      ],
    ]);
    expect(rows[0]!.title).toBe('t0rows · report · completed · 8 steps · 6 agents · 135 tokens · $0.0000');
    expect(rows[2]!.rows[1]!.title).toBe(
      'research-2 · researcher-b · offline:offline-1 · 15 tokens · $0.0000 · 3 ms',
    );
  });

  it('a step that fails for good fails its row and the task row; steps that never ran are skipped', async () => {
    const rows = await play([
      ev('task.started', undefined, { workflow: 'report' }),
      dispatched('plan', 'plan', 'planner'),
      succeeded('plan', 'planner-a'),
      ev('step.fanned_out', 'research', { stepId: 'research', count: 1, round: 1 }),
      dispatched('research-1', 'research', 'researcher'),
      ev('step.failed', 'research-1', { message: 'upstream 503', retryable: false }),
      ev('task.failed', undefined, {
        code: 'STEP_FAILED',
        message: 'step research-1 failed: upstream 503',
        stepKey: 'research-1',
      }),
    ]);
    expect(shape(rows)).toEqual([
      ['t0rows', 'FAILED'],
      ['plan', 'COMPLETED'],
      ['research', 'COMPLETED', [['research-1', 'FAILED']]],
      ['analyse', 'SKIPPED'],
      ['draft', 'SKIPPED'],
      ['review', 'SKIPPED'],
    ]);
    expect(rows[2]!.rows[0]!.message).toBe('research-1 · upstream 503');
    expect(rows[3]!.message).toBe('analyse · not run');
    expect(rows[0]!.message).toContain('failed: step research-1 failed: upstream 503');
  });

  it('replays a finished task whose events all arrived before the rows started', async () => {
    const renderer = createListrRenderer(outline.slice(0, 1), { renderer: 'silent' });
    const progress = createTaskProgress('t0rows');
    for (const e of [
      ev('task.started', undefined, { workflow: 'ask' }),
      dispatched('plan', 'plan', 'planner'),
      succeeded('plan', 'a'),
      ev('task.completed'),
    ]) {
      renderer.update(progress, applyEvent(progress, e));
    }
    renderer.end(progress);
    await renderer.finished;
    expect(shape(renderer.snapshot())).toEqual([
      ['t0rows', 'COMPLETED'],
      ['plan', 'COMPLETED'],
    ]);
  });
});
