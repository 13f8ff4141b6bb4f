import {
  isFinalStatus,
  type StepProgress,
  type Task,
  type TaskLinks,
  type TaskResult,
  type TaskSummary,
} from '@troupe/client';
import type { TaskRecord, TaskView, WorkflowEngine } from '@troupe/supervisor';

export function taskLinks(id: string): TaskLinks {
  const self = `/v1/tasks/${id}`;
  return {
    self,
    events: `${self}/events`,
    result: `${self}/result`,
    cancel: `${self}/cancel`,
    review: `${self}/review`,
    audit: `${self}/audit`,
    trace: `${self}/trace`,
  };
}

/** The engine's view of a record's snapshot; undefined before the task started or for a snapshot it cannot read. */
export function engineView(record: TaskRecord, engine: WorkflowEngine | undefined): TaskView | undefined {
  if (record.snapshot === undefined || engine === undefined) return undefined;
  try {
    return engine.view(record.snapshot);
  } catch {
    return undefined;
  }
}

const ZERO_USAGE = { inputTokens: 0, outputTokens: 0, costUsd: 0 };

export function toTask(record: TaskRecord, view: TaskView | undefined): Task {
  return {
    id: record.taskId,
    workflow: record.workflow,
    workflowVersion: record.workflowVersion ?? view?.workflow.version ?? null,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    input: record.input,
    options: record.options,
    metadata: record.metadata,
    continueFrom: record.continueFrom ?? null,
    steps: (view?.steps ?? []).map((s) => ({ ...s })),
    usage: view ? { ...view.usage } : { ...ZERO_USAGE },
    review: view?.review ? ({ ...view.review } as Task['review']) : null,
    error: record.error ?? view?.error ?? null,
    resultAvailable: isFinalStatus(record.status),
    links: taskLinks(record.taskId),
  };
}

/**
 * Step instances by state, over every entry of the engine's view except skipped ones: fan-out items and
 * review rounds count one each, and a step still waiting for its needs counts one (its fan-out is not known
 * yet), so `total` can grow while a task runs. `running` is pending (queued or backing off) or dispatched.
 */
export function stepProgress(view: TaskView | undefined): StepProgress {
  const progress: StepProgress = { total: 0, succeeded: 0, running: 0, failed: 0 };
  for (const step of view?.steps ?? []) {
    switch (step.status) {
      case 'skipped':
        continue;
      case 'succeeded':
        progress.succeeded++;
        break;
      case 'pending':
      case 'dispatched':
        progress.running++;
        break;
      case 'failed':
        progress.failed++;
        break;
      case 'waiting':
        break;
    }
    progress.total++;
  }
  return progress;
}

export function toSummary(record: TaskRecord, view: TaskView | undefined): TaskSummary {
  return {
    id: record.taskId,
    workflow: record.workflow,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    endedAt: isFinalStatus(record.status) ? (view?.endedAt ?? record.updatedAt) : null,
    metadata: record.metadata,
    usage: view ? { ...view.usage } : { ...ZERO_USAGE },
    steps: stepProgress(view),
    links: { self: `/v1/tasks/${record.taskId}` },
  };
}

/** The result of a final task: the record's (written at completion), else the engine's view. */
export function toResult(record: TaskRecord, view: TaskView | undefined): TaskResult | undefined {
  const status = record.status;
  if (!isFinalStatus(status)) return undefined;
  return {
    id: record.taskId,
    status,
    result: record.result !== undefined ? record.result : (view?.result ?? null),
    error: record.error ?? view?.error ?? null,
    usage: view ? { ...view.usage } : { ...ZERO_USAGE },
  };
}
