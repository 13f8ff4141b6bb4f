import type { TaskEvent } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { createPlainRenderer } from './plain-renderer.js';
import { applyEvent, createTaskProgress, parseStepKey, type ProgressChange } from './task-progress.js';

const T = 't0demo';
let at = 1_000;
const ev = (type: string, stepKey: string | undefined, data: Record<string, unknown> = {}): TaskEvent => ({
  v: 1,
  taskId: T,
  type,
  at: (at += 100),
  ...(stepKey ? { stepKey } : {}),
  data: data as TaskEvent['data'],
});
const usage = (agentId: string, input: number, output: number, costUsd = 0) => ({
  agentId,
  model: 'offline-1',
  provider: 'offline',
  tokens: { input, output },
  costUsd,
  latencyMs: 40,
});

/** The events of a report task as supervisors and agents publish them: a fan-out, a retry, a parked review, a second round. */
const events: TaskEvent[] = [
  ev('task.started', undefined, { workflow: 'report', version: 1 }),
  ev('step.dispatched', 'plan', { stepId: 'plan', role: 'planner', round: 1, attempt: 1 }),
  ev('model.call', 'plan', { agentId: 'planner-a', provider: 'offline', model: 'offline-1', round: 1 }),
  ev('model.result', 'plan', { agentId: 'planner-a', inputTokens: 100, outputTokens: 20, round: 1 }),
  ev('step.succeeded', 'plan', usage('planner-a', 100, 20, 0.001)),
  ev('step.fanned_out', 'research', { stepId: 'research', count: 2, maxParallel: 4, round: 1 }),
  ev('step.dispatched', 'research-1', { stepId: 'research', role: 'researcher', round: 1, attempt: 1 }),
  ev('step.dispatched', 'research-2', { stepId: 'research', role: 'researcher', round: 1, attempt: 1 }),
  ev('tool.call', 'research-1', { agentId: 'researcher-a', tool: 'search_corpus', round: 1 }),
  ev('tool.call', 'research-1', { agentId: 'researcher-a', tool: 'search_corpus', round: 1 }),
  ev('step.failed', 'research-2', {
    attempt: 1,
    code: 'MODEL_FAILED',
    message: 'upstream 503',
    retryable: true,
  }),
  ev('step.retry_scheduled', 'research-2', { code: 'MODEL_FAILED', nextAttempt: 2, delayMs: 500 }),
  ev('step.dispatched', 'research-2', { stepId: 'research', role: 'researcher', round: 1, attempt: 2 }),
  ev('step.succeeded', 'research-1', usage('researcher-a', 300, 50)),
  ev('step.succeeded', 'research-2', usage('researcher-b', 310, 60)),
  ev('step.dispatched', 'review', { stepId: 'review', role: 'reviewer', round: 1, attempt: 1 }),
  ev('step.succeeded', 'review', usage('reviewer-a', 50, 10)),
  ev('review.requested', 'review', { verdict: 'approve', confidence: 0.4, threshold: 0.5, notes: ['thin'] }),
  ev('review.decided', 'review', { by: 'human', decision: 'revise', notes: ['add numbers'] }),
  ev('step.dispatched', 'draft-r2', { stepId: 'draft', role: 'drafter', round: 2, attempt: 1 }),
  ev('step.succeeded', 'draft-r2', usage('drafter-a', 80, 40)),
  ev('task.completed', undefined, {
    usage: { inputTokens: 840, outputTokens: 180, costUsd: 0.001 },
    rounds: 2,
  }),
];

describe('task progress from events', () => {
  it('follows steps, agents, models, tokens, cost and the review to the end', () => {
    const p = createTaskProgress(T);
    const changes: ProgressChange[] = events.map((e) => applyEvent(p, e));
    expect(p.phase).toBe('completed');
    expect(p.workflow).toBe('report');
    expect([...p.steps.keys()]).toEqual(['plan', 'research-1', 'research-2', 'review', 'draft-r2']);
    expect(p.steps.get('research-2')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      agentId: 'researcher-b',
    });
    expect(p.steps.get('research-2')!.error).toBeUndefined();
    expect(p.steps.get('draft-r2')).toMatchObject({ stepId: 'draft', round: 2, role: 'drafter' });
    expect(p.steps.get('plan')).toMatchObject({
      tokens: { input: 100, output: 20 },
      costUsd: 0.001,
      model: 'offline:offline-1',
    });
    expect(p.fanOut.get('research@1')).toBe(2);
    expect([...p.agents].sort()).toEqual([
      'drafter-a',
      'planner-a',
      'researcher-a',
      'researcher-b',
      'reviewer-a',
    ]);
    expect([...p.models]).toEqual(['offline:offline-1']);
    expect(p.usage).toEqual({ inputTokens: 840, outputTokens: 180, costUsd: 0.001 });
    expect(p.review).toMatchObject({ decision: 'revise', by: 'human', notes: ['add numbers'] });
    expect(changes).toContainEqual({
      kind: 'fan-out',
      key: 'research',
      stepId: 'research',
      round: 1,
      count: 2,
    });
    expect(changes).toContainEqual({ kind: 'review', type: 'requested', key: 'review' });
  });

  it('adds live tokens while a step runs, and takes the step usage once it succeeded', () => {
    const p = createTaskProgress(T);
    applyEvent(p, ev('step.dispatched', 'plan', { stepId: 'plan', role: 'planner', round: 1, attempt: 1 }));
    applyEvent(p, ev('model.result', 'plan', { agentId: 'a', inputTokens: 10, outputTokens: 5 }));
    applyEvent(p, ev('model.result', 'plan', { agentId: 'a', inputTokens: 7, outputTokens: 3 }));
    expect(p.usage).toMatchObject({ inputTokens: 17, outputTokens: 8 });
    expect(p.steps.get('plan')!.activity).toBe('thinking');
    applyEvent(p, ev('step.succeeded', 'plan', usage('a', 20, 9, 0.5)));
    expect(p.usage).toEqual({ inputTokens: 20, outputTokens: 9, costUsd: 0.5 });
  });

  it('a parked review, a failure and a cancellation change the phase', () => {
    const p = createTaskProgress(T);
    applyEvent(p, ev('task.started', undefined, { workflow: 'report' }));
    applyEvent(
      p,
      ev('review.requested', 'review', { verdict: 'approve', confidence: 0.3, threshold: 0.5, notes: [] }),
    );
    expect(p.phase).toBe('awaiting_review');
    applyEvent(p, ev('review.decided', 'review', { by: 'human', decision: 'approve' }));
    expect(p.phase).toBe('running');
    applyEvent(
      p,
      ev('task.failed', undefined, {
        code: 'STEP_FAILED',
        message: 'step research-2 failed after 3 attempts',
        stepKey: 'research-2',
      }),
    );
    expect(p).toMatchObject({ phase: 'failed', error: { code: 'STEP_FAILED', stepKey: 'research-2' } });
    const q = createTaskProgress(T);
    applyEvent(q, ev('task.cancelled', undefined, { reason: 'by user' }));
    expect(q).toMatchObject({ phase: 'cancelled', error: { message: 'cancelled: by user' } });
  });

  it('reads step keys the supervisor makes', () => {
    expect(parseStepKey('plan')).toEqual({ stepId: 'plan', round: 1 });
    expect(parseStepKey('research-2')).toEqual({ stepId: 'research', round: 1 });
    expect(parseStepKey('draft-r2')).toEqual({ stepId: 'draft', round: 2 });
    expect(parseStepKey('research-r3-4')).toEqual({ stepId: 'research', round: 3 });
  });

  it('renders one line per change when there is no terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const render = createPlainRenderer(
      (l) => lines.push(l),
      () => (now += 250),
    );
    const p = createTaskProgress(T);
    for (const e of events) render.update(p, applyEvent(p, e));
    const text = lines.join('\n');
    expect(text).toContain(`task           ${T} started (report)`);
    expect(text).toContain('research       fans out into 2 steps');
    expect(text.split('research-1     researcher-a calls search_corpus')).toHaveLength(2); // twice in a round: one line
    expect(text).toContain('research-2     ✖ upstream 503');
    expect(text).toContain('research-2     ↻ retry scheduled');
    expect(text).toContain('research-2     → researcher (attempt 2)');
    expect(text).toMatch(
      /plan {11}✔ planner · planner-a · offline:offline-1 · 120 tokens · \$0\.001000 · 40 ms/,
    );
    expect(text).toContain(
      'review         waiting for a person: the reviewer says approve (confidence 0.40, threshold 0.5)',
    );
    expect(text).toContain('review         revise by human');
    expect(text).toContain('task           completed · 5 steps · 5 agents · 1,020 tokens · $0.001000');
    expect(lines[0]).toMatch(/^\[ {2}0\.3s\]/);
  });
});
