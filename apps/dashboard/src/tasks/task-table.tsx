import type { TaskSummary } from '@troupe/client';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef } from 'react';
import { taskHref } from '../app/router.js';
import { StatusBadge } from '../app/status-badge.js';
import { formatAge, formatDateTime, formatDuration, formatTokens, formatUsd } from '../lib/format.js';
import { useNow } from '../lib/use-now.js';
import { taskDuration, totalTokens } from './task-list-model.js';

const ROW_HEIGHT = 32;

/**
 * The task list as a virtualised grid: only the rows in view (plus a few) are in the DOM, so hundreds of
 * live tasks cost what a screenful does. Each row is a link to its task.
 */
export function TaskTable({
  tasks,
  empty,
  synced,
}: {
  tasks: readonly TaskSummary[];
  empty: React.ReactNode;
  /** The whole list has arrived (the stream said `synced`). */
  synced: boolean;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const now = useNow(1_000);
  const virtualizer = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => tasks[i]!.id,
    initialRect: { width: 1000, height: 800 },
  });

  return (
    <div className="task-table" role="table" aria-label="Tasks" aria-rowcount={tasks.length + 1}>
      <div className="task-grid task-head" role="row">
        <span role="columnheader">Status</span>
        <span role="columnheader">Workflow</span>
        <span role="columnheader">Task</span>
        <span role="columnheader" className="num">
          Age
        </span>
        <span role="columnheader" className="num">
          Duration
        </span>
        <span role="columnheader">Steps</span>
        <span role="columnheader" className="num">
          Tokens
        </span>
        <span role="columnheader" className="num">
          Cost
        </span>
      </div>
      <div className="task-scroll" ref={scroller} data-testid="task-list" data-synced={synced}>
        {tasks.length === 0 ? (
          <div className="empty">{empty}</div>
        ) : (
          <div className="task-canvas" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((v) => {
              const t = tasks[v.index]!;
              return <TaskRow key={v.key} task={t} now={now} top={v.start} index={v.index} />;
            })}
          </div>
        )}
      </div>
    </div>
  );
}

/** Memoised: a batch that changes one task re-renders one row (until the next second's tick). */
const TaskRow = memo(function TaskRow({
  task: t,
  now,
  top,
  index,
}: {
  task: TaskSummary;
  now: number;
  top: number;
  index: number;
}) {
  const { total, succeeded, failed, running } = t.steps;
  return (
    <a
      className="task-grid task-row"
      role="row"
      aria-rowindex={index + 2}
      href={taskHref(t.id)}
      data-testid="task-row"
      data-task-id={t.id}
      data-status={t.status}
      style={{ transform: `translateY(${top}px)` }}
    >
      <span role="cell">
        <StatusBadge status={t.status} />
      </span>
      <span role="cell" className="ellipsis">
        {t.workflow}
      </span>
      <span role="cell" className="mono ellipsis" title={t.id}>
        {t.id}
      </span>
      <span role="cell" className="num" title={formatDateTime(t.createdAt)}>
        {formatAge(now - t.createdAt)}
      </span>
      <span role="cell" className="num">
        {formatDuration(taskDuration(t, now))}
      </span>
      <span
        role="cell"
        className="steps"
        title={`${succeeded} succeeded, ${running} running, ${failed} failed, of ${total}`}
      >
        <span className="steps-bar" aria-hidden="true">
          <span className="steps-ok" style={{ width: pct(succeeded, total) }} />
          <span className="steps-run" style={{ width: pct(running, total) }} />
          <span className="steps-fail" style={{ width: pct(failed, total) }} />
        </span>
        <span className="num">
          {succeeded}/{total}
        </span>
      </span>
      <span role="cell" className="num" title={`${t.usage.inputTokens} in, ${t.usage.outputTokens} out`}>
        {formatTokens(totalTokens(t))}
      </span>
      <span role="cell" className="num">
        {formatUsd(t.usage.costUsd)}
      </span>
    </a>
  );
});

const pct = (n: number, total: number) => (total > 0 ? `${(100 * n) / total}%` : '0%');
