import { TaskStatusSchema, type TaskListUpdate, type TaskStatus, type TaskSummary } from '@troupe/client';

/**
 * The live task list as `taskUpdates()` feeds it. After a reconnect the stream sends the whole list again
 * and then `synced`; tasks it did not send again were removed while the page was away, so a `resync`
 * (pushed when the stream reports `reconnecting`) starts counting what comes back.
 */
export interface TaskListState {
  readonly tasks: ReadonlyMap<string, TaskSummary>;
  /** True once the first full list has arrived. */
  readonly synced: boolean;
  /** Ids sent again since a reconnect, until `synced`; null when not resyncing. */
  readonly resent: ReadonlySet<string> | null;
}

export type TaskListChange = TaskListUpdate | { type: 'resync' };

export const EMPTY_TASK_LIST: TaskListState = { tasks: new Map(), synced: false, resent: null };

/** Applies a frame's worth of changes at once; returns the same state when nothing changed. */
export function applyTaskChanges(state: TaskListState, changes: readonly TaskListChange[]): TaskListState {
  if (changes.length === 0) return state;
  const tasks = new Map(state.tasks);
  let { synced } = state;
  let resent = state.resent === null ? null : new Set(state.resent);
  for (const change of changes) {
    switch (change.type) {
      case 'task': {
        const known = tasks.get(change.task.id);
        // A summary older than the one shown (sent again during a resync) does not roll it back.
        if (!known || change.task.updatedAt >= known.updatedAt) tasks.set(change.task.id, change.task);
        resent?.add(change.task.id);
        break;
      }
      case 'removed':
        tasks.delete(change.id);
        break;
      case 'synced':
        if (resent !== null) for (const id of [...tasks.keys()]) if (!resent.has(id)) tasks.delete(id);
        resent = null;
        synced = true;
        break;
      case 'resync':
        resent = new Set();
        break;
      default:
        change satisfies never;
    }
  }
  return { tasks, synced, resent };
}

/** `active` stands for every status that is not final. */
export type StatusFilter = TaskStatus | 'all' | 'active';

export const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'active', ...TaskStatusSchema.options];

const ACTIVE: ReadonlySet<TaskStatus> = new Set(['queued', 'running', 'awaiting_review']);

export interface TaskFilter {
  status: StatusFilter;
  /** A workflow name, or `all`. */
  workflow: string;
  /** An id prefix (any case); empty for every task. */
  search: string;
}

export const NO_FILTER: TaskFilter = { status: 'all', workflow: 'all', search: '' };

export function parseStatusFilter(value: string | undefined): StatusFilter {
  return STATUS_FILTERS.find((s) => s === value) ?? 'all';
}

export function matchesFilter(task: TaskSummary, filter: TaskFilter): boolean {
  if (
    filter.status === 'active'
      ? !ACTIVE.has(task.status)
      : filter.status !== 'all' && task.status !== filter.status
  ) {
    return false;
  }
  if (filter.workflow !== 'all' && task.workflow !== filter.workflow) return false;
  const search = filter.search.trim().toLowerCase();
  return search === '' || task.id.toLowerCase().startsWith(search);
}

/** Newest first: by creation time, then by id (ids the API makes sort by creation time too). */
export function compareNewestFirst(a: TaskSummary, b: TaskSummary): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function visibleTasks(tasks: Iterable<TaskSummary>, filter: TaskFilter): TaskSummary[] {
  const out: TaskSummary[] = [];
  for (const t of tasks) if (matchesFilter(t, filter)) out.push(t);
  return out.sort(compareNewestFirst);
}

/** The workflows to offer in the filter: those the API serves and those of tasks shown, by name. */
export function workflowNames(tasks: Iterable<TaskSummary>, served: readonly string[] = []): string[] {
  const names = new Set(served);
  for (const t of tasks) names.add(t.workflow);
  return [...names].sort();
}

/** How long the task ran: until it ended, or until now while it runs. */
export function taskDuration(task: TaskSummary, now: number): number {
  return Math.max(0, (task.endedAt ?? now) - task.createdAt);
}

export const totalTokens = (task: TaskSummary): number => task.usage.inputTokens + task.usage.outputTokens;
