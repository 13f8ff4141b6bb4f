import type { TaskSummary } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import {
  applyTaskChanges,
  EMPTY_TASK_LIST,
  NO_FILTER,
  parseStatusFilter,
  taskDuration,
  totalTokens,
  visibleTasks,
  workflowNames,
  type TaskListChange,
} from './task-list-model.js';

let seq = 0;
function task(over: Partial<TaskSummary> = {}): TaskSummary {
  const id = over.id ?? `t${String(++seq).padStart(4, '0')}`;
  return {
    id,
    workflow: 'report',
    status: 'running',
    createdAt: 1_000 + seq,
    updatedAt: 1_000 + seq,
    endedAt: null,
    metadata: {},
    usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.001 },
    steps: { total: 4, succeeded: 1, running: 1, failed: 0 },
    links: { self: `/v1/tasks/${id}` },
    ...over,
  };
}

const ids = (state: { tasks: ReadonlyMap<string, TaskSummary> }) => [...state.tasks.keys()].sort();

describe('applyTaskChanges', () => {
  it('builds the list from the first sync and follows changes and removals', () => {
    const a = task({ id: 'a' });
    const b = task({ id: 'b' });
    let s = applyTaskChanges(EMPTY_TASK_LIST, [
      { type: 'task', task: a },
      { type: 'task', task: b },
      { type: 'synced', count: 2 },
    ]);
    expect(s.synced).toBe(true);
    expect(ids(s)).toEqual(['a', 'b']);
    s = applyTaskChanges(s, [
      { type: 'task', task: { ...a, status: 'completed', updatedAt: a.updatedAt + 5 } },
      { type: 'removed', id: 'b' },
    ]);
    expect(ids(s)).toEqual(['a']);
    expect(s.tasks.get('a')!.status).toBe('completed');
  });

  it('after a reconnect drops the tasks the stream did not send again', () => {
    const [a, b, c] = [task({ id: 'a' }), task({ id: 'b' }), task({ id: 'c' })];
    let s = applyTaskChanges(EMPTY_TASK_LIST, [
      ...[a, b].map((t): TaskListChange => ({ type: 'task', task: t })),
      { type: 'synced', count: 2 },
    ]);
    s = applyTaskChanges(s, [{ type: 'resync' }, { type: 'task', task: a }, { type: 'task', task: c }]);
    // Until `synced`, what was shown stays.
    expect(ids(s)).toEqual(['a', 'b', 'c']);
    s = applyTaskChanges(s, [{ type: 'synced', count: 2 }]);
    expect(ids(s)).toEqual(['a', 'c']);
    expect(s.resent).toBeNull();
  });

  it('keeps the newer summary when an older one arrives late', () => {
    const a = task({ id: 'a', status: 'completed', updatedAt: 50 });
    const s = applyTaskChanges(EMPTY_TASK_LIST, [
      { type: 'task', task: a },
      { type: 'task', task: { ...a, status: 'running', updatedAt: 40 } },
    ]);
    expect(s.tasks.get('a')!.status).toBe('completed');
  });

  it('returns the same state for no changes', () => {
    expect(applyTaskChanges(EMPTY_TASK_LIST, [])).toBe(EMPTY_TASK_LIST);
  });
});

describe('visibleTasks', () => {
  const tasks = [
    task({ id: 't0aa', status: 'running', workflow: 'report', createdAt: 10 }),
    task({ id: 't0ab', status: 'completed', workflow: 'ask', createdAt: 30 }),
    task({ id: 't1cc', status: 'awaiting_review', workflow: 'report', createdAt: 20 }),
    task({ id: 't1cd', status: 'failed', workflow: 'report', createdAt: 20 }),
  ];
  const shown = (f: Partial<typeof NO_FILTER>) =>
    visibleTasks(tasks, { ...NO_FILTER, ...f }).map((t) => t.id);

  it('shows every task newest first', () => {
    expect(shown({})).toEqual(['t0ab', 't1cd', 't1cc', 't0aa']);
  });

  it('filters by status (active: not final), workflow and id prefix, together', () => {
    expect(shown({ status: 'running' })).toEqual(['t0aa']);
    expect(shown({ status: 'active' })).toEqual(['t1cc', 't0aa']);
    expect(shown({ workflow: 'ask' })).toEqual(['t0ab']);
    expect(shown({ search: 'T0A' })).toEqual(['t0ab', 't0aa']);
    expect(shown({ search: ' t1 ', status: 'failed' })).toEqual(['t1cd']);
    expect(shown({ search: 'aa' })).toEqual([]);
  });

  it('reads a status filter from the URL, falling back to all', () => {
    expect(parseStatusFilter('awaiting_review')).toBe('awaiting_review');
    expect(parseStatusFilter('active')).toBe('active');
    expect(parseStatusFilter('bogus')).toBe('all');
    expect(parseStatusFilter(undefined)).toBe('all');
  });

  it('offers the served workflows and those of the tasks', () => {
    expect(workflowNames(tasks, ['gated', 'ask'])).toEqual(['ask', 'gated', 'report']);
  });
});

describe('task figures', () => {
  it('measures duration to the end, or to now while running, never below zero', () => {
    expect(taskDuration(task({ createdAt: 100, endedAt: 350 }), 1_000)).toBe(250);
    expect(taskDuration(task({ createdAt: 100, endedAt: null }), 1_000)).toBe(900);
    expect(taskDuration(task({ createdAt: 2_000, endedAt: null }), 1_000)).toBe(0);
    expect(totalTokens(task())).toBe(15);
  });
});
