import { isFinalStatus, type Task, type TaskLinks, type TaskResult, type TaskSummary } from '@troupe/client';
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

export function toSummary(record: TaskRecord): TaskSummary {
  return {
    id: record.taskId,
    workflow: record.workflow,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    metadata: record.metadata,
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
