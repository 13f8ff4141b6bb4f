import { useEffect, useMemo, useRef, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError, isForbidden } from '../app/describe-error.js';
import { hrefFor, type RouteQuery } from '../app/router.js';
import { navigate } from '../app/use-route.js';
import { formatCount } from '../lib/format.js';
import { SubmitForm } from './submit-form.js';
import {
  parseStatusFilter,
  STATUS_FILTERS,
  visibleTasks,
  workflowNames,
  type StatusFilter,
  type TaskFilter,
} from './task-list-model.js';
import { TaskTable } from './task-table.js';
import { useTaskList } from './use-task-list.js';

const STATUS_LABEL: Record<StatusFilter, string> = {
  all: 'All statuses',
  active: 'Active (not final)',
  queued: 'Queued',
  running: 'Running',
  awaiting_review: 'Awaiting review',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The filters live in the URL (`#/tasks?status=…&workflow=…&q=…`): a filtered view can be bookmarked. */
function filterOf(query: RouteQuery): TaskFilter {
  return {
    status: parseStatusFilter(query['status']),
    workflow: query['workflow'] || 'all',
    search: query['q'] ?? '',
  };
}

function setFilter(filter: TaskFilter): void {
  const query = {
    status: filter.status === 'all' ? '' : filter.status,
    workflow: filter.workflow === 'all' ? '' : filter.workflow,
    q: filter.search,
  };
  navigate(hrefFor({ page: 'tasks', query }), { replace: true });
}

export function TasksPage({ query }: { query: RouteQuery }) {
  const { can } = useTroupe();
  const list = useTaskList();
  const [served, setServed] = useState<string[]>([]);
  const filter = filterOf(query);
  const { status, workflow, search: idPrefix } = filter;
  const all = list.tasks;
  const shown = useMemo(
    () => visibleTasks(all.values(), { status, workflow, search: idPrefix }),
    [all, status, workflow, idPrefix],
  );
  const workflows = useMemo(() => workflowNames(all.values(), served), [all, served]);
  const search = useRef<HTMLInputElement>(null);
  useSlashToSearch(search);
  const filtered = filter.status !== 'all' || filter.workflow !== 'all' || filter.search.trim() !== '';

  return (
    <div className="tasks-page">
      <section className="tasks-main">
        <div className="toolbar">
          <select
            data-testid="filter-status"
            aria-label="Filter by status"
            value={filter.status}
            onChange={(e) => setFilter({ ...filter, status: parseStatusFilter(e.target.value) })}
          >
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
          <select
            data-testid="filter-workflow"
            aria-label="Filter by workflow"
            value={filter.workflow}
            onChange={(e) => setFilter({ ...filter, workflow: e.target.value })}
          >
            <option value="all">All workflows</option>
            {workflows.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
          <input
            ref={search}
            data-testid="task-search"
            type="search"
            placeholder="Task id…  ( / )"
            aria-label="Search by task id"
            spellCheck={false}
            value={filter.search}
            onChange={(e) => setFilter({ ...filter, search: e.target.value })}
          />
          <span className="spacer" />
          <span
            className="task-count muted"
            data-testid="task-count"
            data-count={shown.length}
            data-total={all.size}
          >
            {filtered
              ? `${formatCount(shown.length)} of ${formatCount(all.size)} tasks`
              : `${formatCount(all.size)} ${all.size === 1 ? 'task' : 'tasks'}`}
          </span>
        </div>
        {list.error ? (
          <div className="banner banner-error" role="alert">
            {isForbidden(list.error) ? 'This API key may not read tasks. ' : 'The task list stopped: '}
            {describeError(list.error)}{' '}
            <button type="button" className="btn btn-small" onClick={list.retry}>
              Retry
            </button>
          </div>
        ) : !can('tasks:read') ? (
          <div className="banner">This API key cannot read tasks: it lacks the tasks:read scope.</div>
        ) : null}
        <TaskTable
          tasks={shown}
          synced={list.synced}
          empty={
            !list.synced && !list.error
              ? 'Loading tasks…'
              : filtered
                ? 'No task matches these filters.'
                : 'No tasks yet. Submit one with the form.'
          }
        />
      </section>
      <aside className="tasks-side">
        <SubmitForm onWorkflows={setServed} />
      </aside>
    </div>
  );
}

/** `/` anywhere on the page (outside a text field) jumps to the id search. */
function useSlashToSearch(input: React.RefObject<HTMLInputElement | null>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      e.preventDefault();
      input.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [input]);
}
