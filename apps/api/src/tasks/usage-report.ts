import type { UsageQuery, UsageReport, UsageRow } from '@troupe/client';
import type { StepView } from '@troupe/supervisor';
import { ApiError, ApiErrorCode } from '../problem.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const DEFAULT_RANGE_MS = DAY;
const TARGET_BUCKETS = 48;

export interface UsageRange {
  since: number;
  until: number;
  bucketMs: number;
}

/**
 * The query's range with its defaults: the last 24 h up to `now`, and buckets of about a 48th of the range,
 * rounded up to a whole minute and kept between a minute and a day.
 */
export function resolveUsageRange(query: UsageQuery, now: number): UsageRange {
  const until = query.until ?? now;
  const since = query.since ?? Math.max(0, until - DEFAULT_RANGE_MS);
  if (since > until) {
    throw new ApiError(
      ApiErrorCode.Validation,
      `"since" (${since}) is later than "until" (${until}${query.until === undefined ? ', now' : ''}): ask for since <= until.`,
      {
        details: {
          errors: [
            { path: 'since', message: 'after until' },
            { path: 'until', message: 'before since' },
          ],
        },
      },
    );
  }
  const bucketMs =
    query.bucketMs ??
    Math.min(DAY, Math.max(MINUTE, Math.ceil((until - since) / TARGET_BUCKETS / MINUTE) * MINUTE));
  return { since, until, bucketMs };
}

/** What the report needs of one task: its workflow, when it ended, and its steps as the engine sees them. */
export interface TaskUsageSource {
  workflow: string;
  /** When the task became final; undefined while it runs. */
  endedAt: number | undefined;
  updatedAt: number;
  steps: ReadonlyArray<Pick<StepView, 'role' | 'dispatchedAt' | 'usage'> & { finishedAt?: number }>;
}

type StepSource = TaskUsageSource['steps'][number];

/**
 * When a step finished, as well as the record tells: its own `finishedAt` when known; else its dispatch
 * plus the run time its agent measured (the queueing before the run left out); else the task's end.
 */
export function stepFinishedAt(step: StepSource, task: TaskUsageSource): number {
  if (step.finishedAt !== undefined) return step.finishedAt;
  if (step.dispatchedAt !== undefined && step.usage) return step.dispatchedAt + step.usage.latencyMs;
  return task.endedAt ?? task.updatedAt;
}

/** `provider:model`; a model already named with its provider is kept as it is. */
export function modelRef(usage: NonNullable<StepSource['usage']>): string {
  const { provider, model } = usage;
  if (!model) return 'unknown';
  if (!provider || model.startsWith(`${provider}:`)) return model;
  return `${provider}:${model}`;
}

/**
 * Sums the usage of every step instance that carries one (a succeeded attempt's) and finished within
 * `[since, until]`, by time bucket (aligned to multiples of `bucketMs` since the epoch, so that a moving
 * range keeps its buckets), workflow, role and model. Rows come oldest bucket first.
 */
export function buildUsageReport(tasks: Iterable<TaskUsageSource>, range: UsageRange): UsageReport {
  const { since, until, bucketMs } = range;
  const rows = new Map<string, UsageRow>();
  for (const task of tasks) {
    for (const step of task.steps) {
      if (!step.usage) continue;
      const at = stepFinishedAt(step, task);
      if (at < since || at > until) continue;
      const start = Math.floor(at / bucketMs) * bucketMs;
      const model = modelRef(step.usage);
      const key = JSON.stringify([start, task.workflow, step.role, model]);
      let row = rows.get(key);
      if (!row) {
        row = {
          start,
          workflow: task.workflow,
          role: step.role,
          model,
          steps: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
        };
        rows.set(key, row);
      }
      row.steps++;
      row.inputTokens += step.usage.inputTokens;
      row.outputTokens += step.usage.outputTokens;
      row.costUsd += step.usage.costUsd;
    }
  }
  const out = [...rows.values()].map((row) => ({ ...row, costUsd: Math.round(row.costUsd * 1e9) / 1e9 }));
  out.sort(
    (a, b) =>
      a.start - b.start ||
      compare(a.workflow, b.workflow) ||
      compare(a.role, b.role) ||
      compare(a.model, b.model),
  );
  return { since, until, bucketMs, rows: out };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
