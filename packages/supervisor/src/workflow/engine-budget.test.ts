import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineWorkflow } from './define-workflow.js';
import { createEngineDriver } from './testing/engine-driver.js';

const input = z.object({ question: z.string() });
const T0 = 1_000_000;

const five = defineWorkflow({
  name: 'five',
  version: 1,
  input,
  steps: ['s1', 's2', 's3', 's4', 's5'].map((id, i, all) => ({
    id,
    role: 'assistant',
    ...(i > 0 ? { needs: [all[i - 1]!] } : {}),
    input: () => ({ id }),
  })),
  result: ({ outputs }) => outputs,
});

const usage = { inputTokens: 200, outputTokens: 100, costUsd: 0.002 };

describe('workflow engine: budgets', () => {
  it('alerts once at 80% and, under the stop policy, ends the task with BUDGET_EXCEEDED and partial results', () => {
    const d = createEngineDriver(five, { input: { question: 'q' }, options: { budget: { tokens: 1_000 } } });
    d.succeed('s1', 'one', { usage });
    d.succeed('s2', 'two', { usage });
    expect(d.allEffects().filter((e) => e.kind === 'event' && e.type === 'budget.alert')).toHaveLength(0);
    d.succeed('s3', 'three', { usage }); // 900 of 1 000
    expect(d.events('budget.alert')).toEqual([
      expect.objectContaining({ data: { dimension: 'tokens', used: 900, limit: 1_000, ratio: 0.9 } }),
    ]);
    expect(d.status).toBe('running');
    d.succeed('s4', 'four', { usage }); // 1 200 of 1 000
    expect(d.allEffects().filter((e) => e.kind === 'event' && e.type === 'budget.alert')).toHaveLength(1);
    expect(d.status).toBe('failed');
    expect(d.events('budget.exceeded')[0]).toMatchObject({
      data: { dimension: 'tokens', used: 1_200, policy: 'stop' },
    });
    expect(d.effects.filter((e) => e.kind === 'audit').map((e) => e.kind === 'audit' && e.decision)).toEqual([
      'accept',
      'stop',
      'fail',
    ]);
    expect(d.effects.find((e) => e.kind === 'complete')).toEqual({
      kind: 'complete',
      id: expect.any(String),
      status: 'failed',
      result: {
        partial: true,
        steps: { s1: 'one', s2: 'two', s3: 'three', s4: 'four' },
        usage: { inputTokens: 800, outputTokens: 400, costUsd: 0.008 },
      },
      error: { code: 'BUDGET_EXCEEDED', message: 'token budget exceeded: 1200 of 1000 tokens used' },
    });
    expect(d.dispatches()).toHaveLength(0);
  });

  it('under the downgrade policy, sends further dispatches to the cheap model and carries on', () => {
    const d = createEngineDriver(five, {
      input: { question: 'q' },
      options: {
        budget: { costUsd: 0.005 },
        budgetPolicy: 'downgrade',
        cheapModel: 'offline:cheap',
        models: { assistant: 'openai:gpt-4o' },
      },
    });
    expect(d.dispatches()[0]?.model).toBe('openai:gpt-4o');
    d.succeed('s1', 1, { usage });
    d.succeed('s2', 2, { usage }); // $0.004: alert
    expect(d.events('budget.alert')).toHaveLength(1);
    expect(d.dispatches()[0]?.model).toBe('openai:gpt-4o');
    d.succeed('s3', 3, { usage }); // $0.006: exceeded
    expect(d.events('budget.exceeded')[0]).toMatchObject({
      data: { dimension: 'costUsd', policy: 'downgrade', model: 'offline:cheap' },
    });
    expect(d.effects.find((e) => e.kind === 'audit' && e.decision === 'downgrade')).toBeDefined();
    expect(d.dispatches()[0]).toMatchObject({ stepKey: 's4', model: 'offline:cheap' });
    d.succeed('s4', 4, { usage });
    expect(d.events('budget.exceeded')).toHaveLength(0); // once
    expect(d.dispatches()[0]).toMatchObject({ stepKey: 's5', model: 'offline:cheap' });
    d.succeed('s5', 5, { usage });
    expect(d.status).toBe('completed');
    expect(d.view.budget).toMatchObject({ downgraded: true, alerted: ['costUsd'], exceeded: ['costUsd'] });
  });

  it('without a cheap model, a downgrade sends a tier hint instead', () => {
    const d = createEngineDriver(five, {
      input: { question: 'q' },
      options: { budget: { tokens: 500 }, budgetPolicy: 'downgrade' },
    });
    d.succeed('s1', 1, { usage });
    d.succeed('s2', 2, { usage });
    const [dispatch] = d.dispatches();
    expect(dispatch).toMatchObject({ stepKey: 's3', tier: 'cheap' });
    expect(dispatch).not.toHaveProperty('model');
  });

  it('stops a task past its wall-time budget with partial results, after an alert at 80%', () => {
    const d = createEngineDriver(five, {
      input: { question: 'q' },
      at: T0,
      options: { budget: { wallTimeMs: 60_000 } },
    });
    expect(d.ctx.wakeAt).toBe(T0 + 60_000); // before the step's 120 s deadline
    d.succeed('s1', 'one', { at: T0 + 10_000 });
    expect(d.tick(T0 + 47_999).changed).toBe(false);
    d.tick(T0 + 48_000);
    expect(d.events('budget.alert')[0]).toMatchObject({
      data: { dimension: 'wallTimeMs', used: 48_000, limit: 60_000 },
    });
    expect(d.tick(T0 + 50_000).changed).toBe(false);
    d.tick(T0 + 60_000);
    expect(d.status).toBe('failed');
    expect(d.view.error).toEqual({
      code: 'BUDGET_EXCEEDED',
      message: 'wall-time budget exceeded: 60000 ms of 60000 ms',
    });
    expect(d.effects.find((e) => e.kind === 'abort')).toMatchObject({ stepKeys: ['s2'] });
    expect(d.effects.find((e) => e.kind === 'complete')).toMatchObject({
      result: { partial: true, steps: { s1: 'one' } },
    });
  });
});
