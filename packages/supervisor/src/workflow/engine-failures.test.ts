import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { computeBackoff, unitHash } from './backoff.js';
import { defineWorkflow } from './define-workflow.js';
import { createEngineDriver } from './testing/engine-driver.js';

const input = z.object({ question: z.string() });
const T0 = 1_000_000;

const retrying = defineWorkflow({
  name: 'retrying',
  version: 1,
  input,
  steps: [
    {
      id: 'fetch',
      role: 'researcher',
      retry: { attempts: 4, backoffMs: 1_000, maxBackoffMs: 3_000, jitter: 0.5 },
      input: () => ({}),
    },
  ],
  result: ({ outputs }) => outputs.fetch,
});

const withFallback = defineWorkflow({
  name: 'with-fallback',
  version: 1,
  input,
  steps: [
    {
      id: 'answer',
      role: 'assistant',
      model: 'offline:small',
      timeoutMs: 10_000,
      retry: { attempts: 2, backoffMs: 2_000, jitter: 0 },
      fallback: { role: 'senior-assistant', model: 'openai:gpt-4o' },
      input: ({ input }) => ({ question: input.question }),
    },
  ],
  result: ({ outputs }) => outputs.answer,
});

const fan = defineWorkflow({
  name: 'fan',
  version: 1,
  input,
  steps: [
    {
      id: 'research',
      role: 'researcher',
      forEach: () => ['a', 'b', 'c'],
      retry: { attempts: 3, backoffMs: 100, jitter: 0 },
      input: ({ item }) => ({ q: item }),
      output: z.object({ findings: z.array(z.string()) }),
    },
  ],
  result: ({ outputs }) => outputs.research,
});

describe('workflow engine: failures', () => {
  it('retries with exponential backoff and deterministic jitter', () => {
    const d = createEngineDriver(retrying, { input: { question: 'q' }, at: T0, taskId: 'task-9' });
    const policy = { attempts: 4, backoffMs: 1_000, maxBackoffMs: 3_000, jitter: 0.5 };
    const expected = (failures: number, attempt: number, base: number) => {
      const delay = Math.round(base * (1 - 0.5 * unitHash(`task-9.fetch.${attempt}`)));
      expect(computeBackoff(policy, failures, { taskId: 'task-9', stepKey: 'fetch', attempt })).toBe(delay);
      return delay;
    };

    let now = T0 + 500;
    d.fail('fetch', { message: 'upstream 503' }, { at: now });
    const first = expected(1, 1, 1_000);
    expect(first).toBeGreaterThanOrEqual(500);
    expect(d.ctx.instances[0]).toMatchObject({ status: 'pending', nextRetryAt: now + first, failures: 1 });
    expect(d.ctx.wakeAt).toBe(now + first);
    expect(d.events('step.retry_scheduled')[0]).toMatchObject({
      data: { nextAttempt: 2, delayMs: first, retryAt: now + first },
    });
    expect(d.effects.find((e) => e.kind === 'audit')).toMatchObject({
      decision: 'retry',
      attempt: 1,
      error: 'upstream 503',
    });

    expect(d.tick(now + first - 1).changed).toBe(false);
    d.tick(now + first);
    expect(d.dispatches()).toMatchObject([{ stepKey: 'fetch', attempt: 2, dispatchId: 'task-9.fetch.2' }]);

    now += first + 100;
    d.fail('fetch', { message: 'upstream 503' }, { at: now });
    const second = expected(2, 2, 2_000);
    expect(d.ctx.instances[0]?.nextRetryAt).toBe(now + second);
    d.tick(now + second);

    now += second + 100;
    d.fail('fetch', { message: 'upstream 503' }, { at: now });
    const third = expected(3, 3, 3_000); // 4 000 capped at maxBackoffMs
    expect(d.ctx.instances[0]?.nextRetryAt).toBe(now + third);
    d.tick(now + third);
    expect(d.dispatches()[0]?.attempt).toBe(4);

    d.fail('fetch', { message: 'upstream 503 again' }, { at: now + third + 10 });
    expect(d.status).toBe('failed');
    expect(d.view.error).toEqual({
      code: 'STEP_FAILED',
      stepKey: 'fetch',
      message: 'step fetch failed after 4 attempts: upstream 503 again',
    });
  });

  it('timeout → retry → fallback role and model → success', () => {
    const d = createEngineDriver(withFallback, { input: { question: 'q' }, at: T0 });
    expect(d.dispatches()[0]).toMatchObject({
      role: 'assistant',
      model: 'offline:small',
      deadline: T0 + 10_000,
    });
    expect(d.tick(T0 + 9_999).changed).toBe(false);

    d.tick(T0 + 10_000);
    expect(d.effects.find((e) => e.kind === 'abort')).toMatchObject({
      stepKeys: ['answer'],
      reason: 'timeout',
    });
    expect(d.events('step.timeout')).toHaveLength(1);
    expect(d.ctx.instances[0]).toMatchObject({
      status: 'pending',
      nextRetryAt: T0 + 12_000,
      error: { code: 'STEP_TIMEOUT' },
    });

    d.tick(T0 + 12_000);
    expect(d.dispatches()[0]).toMatchObject({ attempt: 2, role: 'assistant', deadline: T0 + 22_000 });

    d.tick(T0 + 22_000);
    // Retries spent: the fallback takes the next attempt at once.
    expect(d.events('step.fallback')[0]).toMatchObject({
      data: { role: 'senior-assistant', model: 'openai:gpt-4o', afterAttempts: 2 },
    });
    expect(d.dispatches()[0]).toMatchObject({
      attempt: 3,
      role: 'senior-assistant',
      model: 'openai:gpt-4o',
      dispatchId: 'task-1.answer.3',
    });
    expect(d.effects.filter((e) => e.kind === 'audit').map((e) => e.kind === 'audit' && e.decision)).toEqual([
      'timeout',
      'fallback',
      'dispatch',
    ]);
    expect(d.view.steps[0]).toMatchObject({ role: 'senior-assistant', fallback: true, attempt: 3 });

    d.succeed('answer', { text: 'ok' });
    expect(d.status).toBe('completed');
  });

  it('fails with a readable reason when retries run out and there is no fallback, keeping partial results', () => {
    const d = createEngineDriver(fan, { input: { question: 'q' }, at: T0 });
    d.succeed('research-1', { findings: ['one'] });
    for (let i = 0; i < 2; i++) {
      d.fail('research-2', { code: 'MODEL_ERROR', message: 'upstream 503' });
      d.tick(d.ctx.wakeAt!);
    }
    expect(d.dispatched()).toEqual(['research-2', 'research-3']);
    d.fail('research-2', { code: 'MODEL_ERROR', message: 'upstream 503' });
    expect(d.status).toBe('failed');
    expect(d.view.error?.message).toBe('step research-2 failed after 3 attempts: upstream 503');
    expect(d.effects.find((e) => e.kind === 'abort')).toMatchObject({ stepKeys: ['research-3'] });
    expect(d.effects.find((e) => e.kind === 'complete')).toMatchObject({
      status: 'failed',
      result: { partial: true, steps: { 'research-1': { findings: ['one'] } } },
      error: { code: 'STEP_FAILED', stepKey: 'research-2' },
    });
    expect(d.succeed('research-3', { findings: [] }, { attempt: 1 }).changed).toBe(false);
  });

  it('does not retry an error marked not retryable', () => {
    const d = createEngineDriver(retrying, { input: { question: 'q' } });
    d.fail('fetch', { code: 'CONTENT_POLICY', message: 'refused by the provider', retryable: false });
    expect(d.status).toBe('failed');
    expect(d.view.error?.message).toBe('step fetch failed after 1 attempt: refused by the provider');
  });

  it('retries INVALID_OUTPUT within the policy and never beyond it', () => {
    const d = createEngineDriver(fan, { input: { question: 'q' } });
    d.succeed('research-1', { wrong: true });
    expect(d.ctx.instances[0]).toMatchObject({
      status: 'pending',
      failures: 1,
      error: { code: 'INVALID_OUTPUT' },
    });
    expect(d.effects.find((e) => e.kind === 'audit')).toMatchObject({
      decision: 'reject-output',
      error: 'findings: Invalid input: expected array, received undefined',
    });
    expect(d.view.usage.inputTokens).toBe(100); // the rejected call still cost tokens
    d.tick(d.ctx.wakeAt!);
    // The agent itself may report INVALID_OUTPUT (after its repair attempt), even as not retryable.
    d.fail('research-1', { code: 'INVALID_OUTPUT', message: 'no valid JSON after repair', retryable: false });
    expect(d.ctx.instances[0]).toMatchObject({ status: 'pending', failures: 2 });
    d.tick(d.ctx.wakeAt!);
    d.succeed('research-1', 'still wrong');
    expect(d.status).toBe('failed');
    expect(d.view.error?.message).toMatch(
      /^step research-1 failed after 3 attempts: output does not match the step's schema: /,
    );
  });

  it('reassigns a lost step at once without spending a retry, up to maxReassign times', () => {
    const d = createEngineDriver(retrying, { input: { question: 'q' }, options: { maxReassign: 2 } });
    d.lost('fetch', 'agent agent-3 stopped heartbeating');
    expect(d.dispatches()).toMatchObject([{ attempt: 2, dispatchId: 'task-1.fetch.2' }]);
    expect(d.effects.find((e) => e.kind === 'audit')).toMatchObject({
      decision: 'reassign',
      data: { lost: 1 },
    });
    expect(d.ctx.instances[0]).toMatchObject({ failures: 0, lost: 1 });
    d.lost('fetch', 'max deliveries');
    expect(d.dispatches()[0]?.attempt).toBe(3);
    d.lost('fetch', 'max deliveries');
    // The third loss counts as a failed attempt and goes through the retry policy.
    expect(d.ctx.instances[0]).toMatchObject({
      status: 'pending',
      failures: 1,
      error: { code: 'STEP_LOST', message: 'lost 3 times, last: max deliveries' },
    });
    expect(d.succeed('fetch', 'late', { attempt: 3 }).changed).toBe(false);
  });
});
