import { describe, expect, it } from 'vitest';
import { ApiError } from '../problem.js';
import {
  buildUsageReport,
  modelRef,
  resolveUsageRange,
  stepFinishedAt,
  type TaskUsageSource,
} from './usage-report.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const usage = (
  inputTokens: number,
  outputTokens: number,
  costUsd: number,
  model = 'gpt-x',
  latencyMs = 0,
) => ({
  inputTokens,
  outputTokens,
  costUsd,
  latencyMs,
  model,
  provider: 'openai',
});

describe('resolveUsageRange', () => {
  const now = 10 * DAY;

  it('defaults to the last 24 h in 48 buckets of whole minutes', () => {
    expect(resolveUsageRange({}, now)).toEqual({ since: now - DAY, until: now, bucketMs: 30 * MIN });
  });

  it('rounds the bucket up to a whole minute and keeps it between a minute and a day', () => {
    expect(resolveUsageRange({ since: now - HOUR }, now).bucketMs).toBe(2 * MIN);
    expect(resolveUsageRange({ since: now - 50 * MIN }, now).bucketMs).toBe(2 * MIN);
    expect(resolveUsageRange({ since: now - MIN }, now).bucketMs).toBe(MIN);
    expect(resolveUsageRange({ since: now, until: now }, now).bucketMs).toBe(MIN);
    expect(resolveUsageRange({ since: 0, until: 100 * DAY }, now).bucketMs).toBe(DAY);
  });

  it('keeps what the query gives', () => {
    expect(resolveUsageRange({ since: 5, until: 7 * MIN, bucketMs: 5 * MIN }, now)).toEqual({
      since: 5,
      until: 7 * MIN,
      bucketMs: 5 * MIN,
    });
    expect(resolveUsageRange({ until: HOUR }, now)).toEqual({ since: 0, until: HOUR, bucketMs: 2 * MIN });
  });

  it('refuses since after until, naming both fields', () => {
    const err = (() => {
      try {
        resolveUsageRange({ since: now + 1 }, now);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toMatch(/"since".*"until"/);
    expect((err as ApiError).details?.['errors']).toEqual([
      { path: 'since', message: 'after until' },
      { path: 'until', message: 'before since' },
    ]);
  });
});

describe('stepFinishedAt and modelRef', () => {
  const task: TaskUsageSource = { workflow: 'report', endedAt: 900, updatedAt: 950, steps: [] };

  it("prefers the step's own finish, then dispatch + run time, then the task's end", () => {
    expect(
      stepFinishedAt({ role: 'r', finishedAt: 500, dispatchedAt: 100, usage: usage(1, 1, 0) }, task),
    ).toBe(500);
    expect(stepFinishedAt({ role: 'r', dispatchedAt: 100, usage: usage(1, 1, 0, 'm', 42) }, task)).toBe(142);
    expect(stepFinishedAt({ role: 'r', usage: usage(1, 1, 0) }, task)).toBe(900);
    expect(stepFinishedAt({ role: 'r', usage: usage(1, 1, 0) }, { ...task, endedAt: undefined })).toBe(950);
  });

  it('names a model provider:model, once', () => {
    expect(modelRef(usage(0, 0, 0, 'gpt-x'))).toBe('openai:gpt-x');
    expect(modelRef(usage(0, 0, 0, 'openai:gpt-x'))).toBe('openai:gpt-x');
    expect(modelRef({ ...usage(0, 0, 0, 'gpt-x'), provider: '' })).toBe('gpt-x');
    expect(modelRef(usage(0, 0, 0, ''))).toBe('unknown');
  });
});

describe('buildUsageReport', () => {
  const range = { since: 10 * MIN, until: 40 * MIN, bucketMs: 10 * MIN };

  it('sums tokens, cost and steps by bucket, workflow, role and model, oldest bucket first', () => {
    const tasks: TaskUsageSource[] = [
      {
        workflow: 'report',
        endedAt: 30 * MIN,
        updatedAt: 30 * MIN,
        steps: [
          { role: 'planner', dispatchedAt: 11 * MIN, usage: usage(10, 20, 0.1) },
          { role: 'researcher', dispatchedAt: 12 * MIN, usage: usage(5, 5, 0.2) },
          { role: 'researcher', dispatchedAt: 13 * MIN, usage: usage(7, 3, 0.1) },
          { role: 'researcher', dispatchedAt: 14 * MIN, usage: usage(1, 1, 0.01, 'claude', 0) },
          { role: 'drafter', dispatchedAt: 25 * MIN, usage: usage(100, 200, 1) },
          // waiting, failed without a result, skipped: no usage, not counted
          { role: 'reviewer' },
        ],
      },
      {
        workflow: 'ask',
        endedAt: undefined,
        updatedAt: 39 * MIN,
        steps: [{ role: 'assistant', dispatchedAt: 19 * MIN, usage: usage(1, 2, 0.3, 'gpt-x', 2 * MIN) }],
      },
    ];
    const report = buildUsageReport(tasks, range);
    expect(report).toMatchObject({ since: 10 * MIN, until: 40 * MIN, bucketMs: 10 * MIN });
    expect(report.rows).toEqual([
      {
        start: 10 * MIN,
        workflow: 'report',
        role: 'planner',
        model: 'openai:gpt-x',
        steps: 1,
        inputTokens: 10,
        outputTokens: 20,
        costUsd: 0.1,
      },
      {
        start: 10 * MIN,
        workflow: 'report',
        role: 'researcher',
        model: 'openai:claude',
        steps: 1,
        inputTokens: 1,
        outputTokens: 1,
        costUsd: 0.01,
      },
      {
        start: 10 * MIN,
        workflow: 'report',
        role: 'researcher',
        model: 'openai:gpt-x',
        steps: 2,
        inputTokens: 12,
        outputTokens: 8,
        costUsd: 0.3,
      },
      {
        start: 20 * MIN,
        workflow: 'ask',
        role: 'assistant',
        model: 'openai:gpt-x',
        steps: 1,
        inputTokens: 1,
        outputTokens: 2,
        costUsd: 0.3,
      },
      {
        start: 20 * MIN,
        workflow: 'report',
        role: 'drafter',
        model: 'openai:gpt-x',
        steps: 1,
        inputTokens: 100,
        outputTokens: 200,
        costUsd: 1,
      },
    ]);
  });

  it('leaves out steps that finished outside the range; buckets align to the epoch', () => {
    const tasks: TaskUsageSource[] = [
      {
        workflow: 'ask',
        endedAt: undefined,
        updatedAt: 0,
        steps: [
          { role: 'a', dispatchedAt: 10 * MIN - 1, usage: usage(1, 1, 1) },
          { role: 'a', dispatchedAt: 10 * MIN, usage: usage(2, 2, 2) },
          { role: 'a', dispatchedAt: 40 * MIN, usage: usage(4, 4, 4) },
          { role: 'a', dispatchedAt: 40 * MIN + 1, usage: usage(8, 8, 8) },
        ],
      },
    ];
    expect(buildUsageReport(tasks, range).rows.map((r) => [r.start, r.steps, r.inputTokens])).toEqual([
      [10 * MIN, 1, 2],
      [40 * MIN, 1, 4],
    ]);
    const shifted = buildUsageReport(tasks, { since: 10 * MIN + 5, until: 45 * MIN, bucketMs: 15 * MIN });
    expect(shifted.rows.map((r) => r.start)).toEqual([30 * MIN]);
  });

  it('is empty without tasks', () => {
    expect(buildUsageReport([], range).rows).toEqual([]);
  });
});
