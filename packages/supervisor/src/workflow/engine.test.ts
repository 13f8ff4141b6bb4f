import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineWorkflow } from './define-workflow.js';
import type { DispatchEffect, Effect } from './effects.js';
import { createWorkflowEngine } from './engine.js';
import type { TaskSnapshot } from './engine.js';
import { WorkflowError, WorkflowErrorCode } from './errors.js';
import { createEngineDriver, testUsage } from './testing/engine-driver.js';

const input = z.object({ question: z.string().min(1) });
const T0 = 1_000_000;

const single = defineWorkflow({
  name: 'single',
  version: 1,
  input,
  steps: [
    { id: 'answer', role: 'assistant', input: ({ input, thread }) => ({ question: input.question, thread }) },
  ],
  result: ({ outputs }) => ({ answer: outputs.answer }),
});

const pipeline = defineWorkflow({
  name: 'pipeline',
  version: 1,
  input,
  steps: [
    { id: 'a', role: 'researcher', input: ({ input }) => ({ q: input.question }) },
    { id: 'b', role: 'analyst', needs: ['a'], input: ({ outputs }) => ({ from: outputs.a }) },
    {
      id: 'c',
      role: 'drafter',
      needs: ['b'],
      input: ({ outputs }) => ({ from: outputs.b, first: outputs.a }),
    },
  ],
  result: ({ outputs }) => outputs.c,
});

const fanOut = defineWorkflow({
  name: 'fan-out',
  version: 1,
  input: input.extend({ items: z.array(z.string()) }),
  steps: [
    { id: 'split', role: 'planner', input: ({ input }) => ({ items: input.items }) },
    {
      id: 'work',
      role: 'researcher',
      needs: ['split'],
      maxParallel: 2,
      forEach: ({ outputs }) => (outputs.split as { items: string[] }).items,
      input: ({ item, index }) => ({ item, index }),
    },
    { id: 'merge', role: 'analyst', needs: ['work'], input: ({ outputs }) => ({ parts: outputs.work }) },
  ],
  result: ({ outputs }) => outputs.merge,
});

const branch = defineWorkflow({
  name: 'branch',
  version: 1,
  input,
  steps: [
    { id: 'classify', role: 'planner', input: ({ input }) => ({ q: input.question }) },
    {
      id: 'deep',
      role: 'researcher',
      needs: ['classify'],
      when: ({ outputs }) => (outputs.classify as { kind: string }).kind === 'hard',
      input: () => ({}),
    },
    {
      id: 'quick',
      role: 'assistant',
      needs: ['classify'],
      when: ({ outputs }) => (outputs.classify as { kind: string }).kind !== 'hard',
      input: () => ({}),
    },
    {
      id: 'final',
      role: 'drafter',
      needs: ['deep', 'quick'],
      input: ({ outputs }) => ({ deep: outputs.deep, quick: outputs.quick }),
    },
  ],
  result: ({ outputs }) => outputs.final,
});

const loop = defineWorkflow({
  name: 'loop',
  version: 1,
  input,
  steps: [
    { id: 'draft', role: 'drafter', input: ({ outputs, round }) => ({ previous: outputs.draft, round }) },
    {
      id: 'score',
      role: 'reviewer',
      needs: ['draft'],
      input: ({ outputs }) => ({ draft: outputs.draft }),
      loop: {
        to: 'draft',
        while: ({ outputs }) => (outputs.score as { score: number }).score < 0.9,
        maxRounds: 3,
      },
    },
  ],
  result: ({ outputs, round }) => ({ draft: outputs.draft, score: outputs.score, round }),
});

const kinds = (effects: Effect[]) =>
  effects.map((e) => (e.kind === 'event' || e.kind === 'audit' ? `${e.kind}:${e.type}` : e.kind));

describe('workflow engine: shapes', () => {
  it('one step: dispatches, completes with the result, then ignores everything', () => {
    const d = createEngineDriver(single, {
      input: { question: 'Why?' },
      at: T0,
      thread: 'earlier: we talked about X',
    });
    const [dispatch] = d.dispatches();
    expect(dispatch).toEqual({
      kind: 'dispatch',
      id: 'task-1.1.2',
      dispatchId: 'task-1.answer.1',
      stepKey: 'answer',
      stepId: 'answer',
      attempt: 1,
      round: 1,
      role: 'assistant',
      input: { question: 'Why?', thread: 'earlier: we talked about X' },
      timeoutMs: 120_000,
      deadline: T0 + 120_000,
      dispatchedAt: T0,
    });
    expect(kinds(d.effects)).toEqual([
      'event:task.started',
      'audit:task.started',
      'dispatch',
      'event:step.dispatched',
      'audit:step.dispatched',
    ]);
    expect(d.status).toBe('running');
    expect(d.snapshot.value).toBe('running');
    expect(d.ctx.wakeAt).toBe(T0 + 120_000);
    const engine = createWorkflowEngine(single);
    expect(engine.status(d.snapshot)).toEqual({ status: 'running', wakeAt: T0 + 120_000 });

    const done = d.succeed('answer', { text: 'Because.' }, { at: T0 + 5_000 });
    expect(done.changed).toBe(true);
    expect(d.status).toBe('completed');
    expect(d.snapshot.value).toBe('completed');
    expect(d.snapshot.status).toBe('done');
    expect(d.ctx.wakeAt).toBeNull();
    expect(d.effects.at(-1)).toEqual({
      kind: 'complete',
      id: expect.any(String),
      status: 'completed',
      result: { answer: { text: 'Because.' } },
    });
    expect(d.view.result).toEqual({ answer: { text: 'Because.' } });
    expect(engine.status(d.snapshot)).toEqual({ status: 'completed', wakeAt: null });
    expect(d.view.usage).toEqual({ inputTokens: 100, outputTokens: 50, costUsd: 0.001 });

    expect(d.succeed('answer', { text: 'again' }, { attempt: 1 }).changed).toBe(false);
    expect(d.tick(T0 + 10_000_000).changed).toBe(false);
    expect(d.send({ type: 'cancel' }).changed).toBe(false);
  });

  it('sequential pipeline: each step starts when its need completes and sees earlier outputs', () => {
    const d = createEngineDriver(pipeline, { input: { question: 'q' } });
    expect(d.dispatched()).toEqual(['a']);
    d.succeed('a', { facts: [1] });
    expect(d.dispatches().map((e) => [e.stepKey, e.role, e.input])).toEqual([
      ['b', 'analyst', { from: { facts: [1] } }],
    ]);
    d.succeed('b', { summary: 's' });
    expect(d.dispatches()[0]?.input).toEqual({ from: { summary: 's' }, first: { facts: [1] } });
    d.succeed('c', { doc: 'd' });
    expect(d.status).toBe('completed');
    expect(d.view.result).toEqual({ doc: 'd' });
    expect(d.view.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', 1],
      ['c', 'succeeded', 1],
    ]);
  });

  it('fan-out / fan-in: one instance per item, at most maxParallel in flight, outputs in item order', () => {
    const d = createEngineDriver(fanOut, { input: { question: 'q', items: ['w', 'x', 'y', 'z', 'v'] } });
    d.succeed('split', { items: ['w', 'x', 'y', 'z', 'v'] });
    expect(d.dispatches().map((e) => [e.stepKey, e.input])).toEqual([
      ['work-1', { item: 'w', index: 0 }],
      ['work-2', { item: 'x', index: 1 }],
    ]);
    expect(d.events('step.fanned_out')[0]).toMatchObject({ data: { count: 5, maxParallel: 2 } });
    expect(d.view.steps.filter((s) => s.stepId === 'work').map((s) => s.status)).toEqual([
      'dispatched',
      'dispatched',
      'pending',
      'pending',
      'pending',
    ]);
    // Finish out of order: each completion frees exactly one slot.
    d.succeed('work-2', 'X');
    expect(d.dispatched()).toEqual(['work-1', 'work-3']);
    d.succeed('work-1', 'W');
    expect(d.dispatched()).toEqual(['work-3', 'work-4']);
    d.succeed('work-4', 'Z');
    d.succeed('work-3', 'Y');
    expect(d.dispatched()).toEqual(['work-5']);
    expect(d.dispatches()).toHaveLength(0);
    d.succeed('work-5', 'V');
    expect(d.dispatches().map((e) => [e.stepKey, e.input])).toEqual([
      ['merge', { parts: ['W', 'X', 'Y', 'Z', 'V'] }],
    ]);
    d.succeed('merge', 'merged');
    expect(d.status).toBe('completed');
  });

  it('fan-out: an item waiting out a retry backoff keeps its slot', () => {
    const d = createEngineDriver(fanOut, {
      input: { question: 'q', items: ['a', 'b', 'c', 'd'] },
      options: { retry: { backoffMs: 1_000, jitter: 0 } },
    });
    d.succeed('split', { items: ['a', 'b', 'c', 'd'] });
    const failedAt = d.now + 10;
    d.fail('work-1', { message: 'rate limited' }, { at: failedAt });
    expect(d.dispatched()).toEqual(['work-2']);
    expect(d.ctx.wakeAt).toBe(failedAt + 1_000);
    d.succeed('work-2', 'B');
    expect(d.dispatched()).toEqual(['work-3']);
    d.tick(failedAt + 1_000);
    expect(d.dispatches().map((e) => [e.stepKey, e.attempt])).toEqual([['work-1', 2]]);
    expect(d.dispatched()).toEqual(['work-1', 'work-3']);
  });

  it('a task whose every step is skipped completes when it starts', () => {
    const none = defineWorkflow({
      name: 'none',
      version: 1,
      input,
      steps: [{ id: 'only', role: 'assistant', when: () => false, input: () => ({}) }],
      result: ({ outputs }) => ({ ran: 'only' in outputs }),
    });
    const engine = createWorkflowEngine(none);
    const { snapshot, effects } = engine.start({
      taskId: 't',
      tenant: 'a',
      input: { question: 'q' },
      at: T0,
    });
    expect(snapshot.value).toBe('completed');
    expect(snapshot.status).toBe('done');
    expect(effects.at(-1)).toMatchObject({ kind: 'complete', status: 'completed', result: { ran: false } });
  });

  it('fan-out over no items completes the step at once', () => {
    const d = createEngineDriver(fanOut, { input: { question: 'q', items: [] } });
    d.succeed('split', { items: [] });
    expect(d.dispatches().map((e) => [e.stepKey, e.input])).toEqual([['merge', { parts: [] }]]);
  });

  it('branch: a step whose when() is false is skipped and counts as done for its dependents', () => {
    const hard = createEngineDriver(branch, { input: { question: 'q' } });
    hard.succeed('classify', { kind: 'hard' });
    expect(hard.dispatched()).toEqual(['deep']);
    expect(hard.events('step.skipped').map((e) => e.kind === 'event' && e.stepKey)).toEqual(['quick']);
    hard.succeed('deep', 'deep answer');
    expect(hard.dispatches()[0]?.input).toEqual({ deep: 'deep answer' });
    expect(hard.view.steps.find((s) => s.stepId === 'quick')?.status).toBe('skipped');

    const easy = createEngineDriver(branch, { input: { question: 'q' } });
    easy.succeed('classify', { kind: 'easy' });
    expect(easy.dispatched()).toEqual(['quick']);
    easy.succeed('quick', 'quick answer');
    easy.succeed('final', 'ok');
    expect(easy.status).toBe('completed');
  });

  it('bounded loop: back to an earlier step while the condition holds, at most maxRounds runs', () => {
    const d = createEngineDriver(loop, { input: { question: 'q' } });
    d.succeed('draft', 'v1');
    d.succeed('score', { score: 0.5 });
    expect(d.dispatches().map((e) => [e.stepKey, e.round, e.input])).toEqual([
      ['draft-r2', 2, { previous: 'v1', round: 2 }],
    ]);
    expect(d.events('step.loop')).toHaveLength(1);
    d.succeed('draft-r2', 'v2');
    expect(d.dispatches()[0]).toMatchObject({ stepKey: 'score-r2', input: { draft: 'v2' } });
    d.succeed('score-r2', { score: 0.6 });
    d.succeed('draft-r3', 'v3');
    d.succeed('score-r3', { score: 0.7 });
    // Third run was the last one allowed, even though the score is still low.
    expect(d.status).toBe('completed');
    expect(d.view.result).toEqual({ draft: 'v3', score: { score: 0.7 }, round: 3 });

    const early = createEngineDriver(loop, { input: { question: 'q' } });
    early.succeed('draft', 'v1');
    early.succeed('score', { score: 0.95 });
    expect(early.status).toBe('completed');
  });

  it('ignores stale and duplicate results: each result is applied exactly once', () => {
    const d = createEngineDriver(pipeline, {
      input: { question: 'q' },
      options: { retry: { backoffMs: 0 } },
    });
    const first = d.succeed('a', { n: 1 });
    expect(first.changed).toBe(true);
    const before = d.snapshot;
    expect(d.succeed('a', { n: 2 }, { attempt: 1 })).toMatchObject({ changed: false, effects: [] });
    expect(d.snapshot).toBe(before);
    // b fails once and is retried at once; the late success of attempt 1 is stale.
    d.fail('b', { message: 'flaky' });
    expect(d.dispatches().map((e) => e.dispatchId)).toEqual(['task-1.b.2']);
    expect(d.succeed('b', 'late', { attempt: 1 }).changed).toBe(false);
    expect(d.fail('b', {}, { attempt: 1 }).changed).toBe(false);
    expect(d.lost('b', 'gone', { attempt: 1 }).changed).toBe(false);
    expect(d.succeed('nope', 'x', { attempt: 1 }).changed).toBe(false);
    expect(d.succeed('c', 'x', { attempt: 1 }).changed).toBe(false);
    expect(d.send({ type: 'review.decision', decision: 'approve' }).changed).toBe(false);
    expect(d.tick(d.now + 1).changed).toBe(false);
    d.succeed('b', 'fresh', { attempt: 2 });
    expect(d.dispatches()[0]?.input).toEqual({ from: 'fresh', first: { n: 1 } });
  });

  it('the snapshot survives a JSON round trip and the task carries on from it', () => {
    const engine = createWorkflowEngine(fanOut);
    const { snapshot } = engine.start({
      taskId: 't-json',
      tenant: 'acme',
      input: { question: 'q', items: ['a', 'b'] },
      at: T0,
    });
    const stored = JSON.stringify(snapshot);
    const restored = JSON.parse(stored) as TaskSnapshot;
    const a = engine.apply(restored, {
      type: 'step.succeeded',
      at: T0 + 1,
      stepKey: 'split',
      attempt: 1,
      output: { items: ['a', 'b'] },
      usage: testUsage(),
      agentId: 'agent-1',
    });
    const b = engine.apply(snapshot, {
      type: 'step.succeeded',
      at: T0 + 1,
      stepKey: 'split',
      attempt: 1,
      output: { items: ['a', 'b'] },
      usage: testUsage(),
      agentId: 'agent-1',
    });
    expect(a.changed).toBe(true);
    expect(JSON.parse(JSON.stringify(a.snapshot))).toEqual(JSON.parse(JSON.stringify(b.snapshot)));
    expect(a.effects).toEqual(b.effects);
    // The input snapshot was not modified.
    expect(JSON.stringify(restored)).toBe(stored);
  });

  it('persists the outbox without dispatch inputs and results, events or audit; pendingEffects rebuilds what is carried out', () => {
    const carriedOut = (effects: readonly { kind: string }[]) =>
      effects.filter((e) => e.kind !== 'event' && e.kind !== 'audit');
    const d = createEngineDriver(pipeline, { input: { question: 'q' } });
    d.succeed('a', { facts: [1, 2, 3] });
    const persisted = d.ctx.outbox.find((e) => e.kind === 'dispatch') as Partial<DispatchEffect>;
    expect(persisted.stepKey).toBe('b');
    expect(persisted).not.toHaveProperty('input');
    // The runtime stores a transition's events and audit records with its snapshot: the outbox keeps none.
    expect(d.ctx.outbox.filter((e) => e.kind === 'event' || e.kind === 'audit')).toEqual([]);
    expect(d.engine.pendingEffects(d.snapshot)).toEqual(carriedOut(d.effects));
    d.succeed('b', 's');
    d.succeed('c', 'doc');
    expect(d.ctx.outbox.find((e) => e.kind === 'complete')).not.toHaveProperty('result');
    expect(d.engine.pendingEffects(d.snapshot)).toEqual(carriedOut(d.effects));
  });

  it('gives every effect a unique id and every transition an audit record', () => {
    const d = createEngineDriver(fanOut, { input: { question: 'q', items: ['a', 'b', 'c'] } });
    d.succeed('split', { items: ['a', 'b', 'c'] });
    for (const key of ['work-1', 'work-2', 'work-3']) d.succeed(key, key);
    d.succeed('merge', 'm');
    const ids = d.allEffects().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(d.history.every((effects) => effects.some((e) => e.kind === 'audit'))).toBe(true);
    const audits = d.allEffects().filter((e) => e.kind === 'audit');
    expect(audits.find((e) => e.type === 'step.succeeded')).toMatchObject({
      stepKey: 'split',
      attempt: 1,
      agentId: 'agent-split',
      model: 'offline:echo',
      tokens: { input: 100, output: 50 },
      costUsd: 0.001,
      decision: 'accept',
    });
  });

  it('cancel mid fan-out aborts the dispatched steps; later results and ticks change nothing', () => {
    const d = createEngineDriver(fanOut, { input: { question: 'q', items: ['a', 'b', 'c', 'd'] } });
    d.succeed('split', { items: ['a', 'b', 'c', 'd'] });
    d.succeed('work-1', 'A');
    expect(d.dispatched()).toEqual(['work-2', 'work-3']);
    const cancelled = d.send({ type: 'cancel', reason: 'user asked' });
    expect(cancelled.changed).toBe(true);
    expect(d.status).toBe('cancelled');
    expect(d.effects.filter((e) => e.kind === 'abort')).toEqual([
      {
        kind: 'abort',
        id: expect.any(String),
        stepKeys: ['work-2', 'work-3'],
        reason: 'cancelled: user asked',
      },
    ]);
    expect(d.effects.find((e) => e.kind === 'complete')).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED' },
    });
    expect(d.effects.find((e) => e.kind === 'audit')).toMatchObject({ decision: 'cancel' });
    expect(d.view.steps.filter((s) => s.stepId === 'work').map((s) => s.status)).toEqual([
      'succeeded',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(d.succeed('work-2', 'B', { attempt: 1 }).changed).toBe(false);
    expect(d.fail('work-3', {}, { attempt: 1 }).changed).toBe(false);
    expect(d.tick(d.now + 10_000_000).changed).toBe(false);
    expect(d.send({ type: 'cancel' }).changed).toBe(false);
    expect(
      d.history
        .slice(d.history.length - 1)
        .flat()
        .filter((e) => e.kind === 'dispatch'),
    ).toHaveLength(0);
    expect(d.ctx.wakeAt).toBeNull();
  });

  it('fails the task, naming the step, when the workflow’s own code throws', () => {
    const broken = defineWorkflow({
      name: 'broken',
      version: 1,
      input,
      steps: [
        { id: 'a', role: 'assistant', input: () => ({}) },
        {
          id: 'b',
          role: 'assistant',
          needs: ['a'],
          input: ({ outputs }) => ({ n: (outputs.a as { list: string[] }).list.length }),
        },
      ],
      result: () => null,
    });
    const d = createEngineDriver(broken, { input: { question: 'q' } });
    d.succeed('a', {});
    expect(d.status).toBe('failed');
    expect(d.view.error).toMatchObject({ code: 'WORKFLOW_CODE_FAILED', stepKey: 'b' });
    expect(d.view.error?.message).toMatch(/^step "b": input\(ctx\) threw: .*length/);
    expect(d.view.result).toEqual({
      partial: true,
      steps: { a: {} },
      usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.001 },
    });
  });

  it('rejects bad input, options, events and foreign snapshots with WorkflowError', () => {
    const engine = createWorkflowEngine(single);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(WorkflowError);
        return [(err as WorkflowError).code, (err as WorkflowError).message];
      }
      return undefined;
    };
    expect(code(() => engine.start({ taskId: 't', tenant: 'a', input: { question: '' }, at: 1 }))).toEqual([
      WorkflowErrorCode.InvalidInput,
      expect.stringMatching(/^invalid input for workflow "single": question: /),
    ]);
    expect(
      code(() =>
        engine.start({
          taskId: 't',
          tenant: 'a',
          input: { question: 'q' },
          options: { budget: { tokens: -1 } },
          at: 1,
        }),
      ),
    ).toEqual([
      WorkflowErrorCode.InvalidOptions,
      expect.stringMatching(/^invalid task option "budget.tokens": /),
    ]);
    expect(
      code(() =>
        engine.start({
          taskId: 't',
          tenant: 'a',
          input: { question: 'q' },
          options: { colour: 'red' },
          at: 1,
        }),
      ),
    ).toEqual([WorkflowErrorCode.InvalidOptions, expect.stringMatching(/colour/)]);
    expect(
      code(() => engine.start({ taskId: 'a.b', tenant: 'a', input: { question: 'q' }, at: 1 }))?.[0],
    ).toBe(WorkflowErrorCode.InvalidOptions);
    const { snapshot } = engine.start({ taskId: 't', tenant: 'a', input: { question: 'q' }, at: 1 });
    expect(code(() => engine.apply(snapshot, { type: 'tick' } as never))?.[0]).toBe(
      WorkflowErrorCode.InvalidEvent,
    );
    expect(code(() => engine.apply({ nope: true }, { type: 'tick', at: 2 }))?.[0]).toBe(
      WorkflowErrorCode.InvalidSnapshot,
    );
    const other = createWorkflowEngine(pipeline);
    expect(code(() => other.apply(snapshot, { type: 'tick', at: 2 }))).toEqual([
      WorkflowErrorCode.InvalidSnapshot,
      'snapshot of task t belongs to workflow single@1, not pipeline@1',
    ]);
  });

  it('routes models: step model, then the task’s per-role models', () => {
    const wf = defineWorkflow({
      name: 'models',
      version: 1,
      input,
      steps: [
        { id: 'a', role: 'researcher', model: 'anthropic:claude-haiku', input: () => ({}) },
        { id: 'b', role: 'analyst', input: () => ({}) },
        { id: 'c', role: 'drafter', input: () => ({}) },
      ],
      result: () => null,
    });
    const d = createEngineDriver(wf, {
      input: { question: 'q' },
      options: { models: { analyst: 'openai:gpt-4o-mini', researcher: 'openai:gpt-4o' } },
    });
    expect(d.dispatches().map((e) => [e.stepKey, e.model])).toEqual([
      ['a', 'anthropic:claude-haiku'],
      ['b', 'openai:gpt-4o-mini'],
      ['c', undefined],
    ]);
  });
});
