import { isFinalStatus, type Task } from '@troupe/client';
import { formatAge, formatDuration, formatTokens, formatUsd } from '../lib/format.js';
import { CancelButton } from './cancel-button.js';

export interface TaskHeaderProps {
  task: Task;
  /** When the task ended (its final event), if it did. */
  endedAt: number | undefined;
  now: number;
  onChanged(): void;
}

/** The task's identity and vital signs: status, workflow, age, duration, tokens, cost; cancel while it runs. */
export function TaskHeader({ task, endedAt, now, onChanged }: TaskHeaderProps) {
  const final = isFinalStatus(task.status);
  const end = endedAt ?? (final ? task.updatedAt : now);
  const tokens = task.usage.inputTokens + task.usage.outputTokens;
  return (
    <header className="task-header">
      <div className="task-header-title">
        <h1>
          <span className="task-header-workflow">{task.workflow}</span>{' '}
          <code data-testid="task-id">{task.id}</code>
        </h1>
        <span
          className={`badge task-status status-${task.status}`}
          data-testid="task-status"
          data-status={task.status}
        >
          {task.status.replace('_', ' ')}
        </span>
        {!final && <CancelButton id={task.id} onCancelled={onChanged} />}
      </div>
      <dl className="task-facts">
        <div>
          <dt>Started</dt>
          <dd title={new Date(task.createdAt).toISOString()}>{formatAge(now - task.createdAt)} ago</dd>
        </div>
        <div>
          <dt>{final ? 'Took' : 'Running for'}</dt>
          <dd>{formatDuration(end - task.createdAt)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd title={`${task.usage.inputTokens} in, ${task.usage.outputTokens} out`}>
            {formatTokens(tokens)}{' '}
            <span className="muted">
              ({formatTokens(task.usage.inputTokens)} in / {formatTokens(task.usage.outputTokens)} out)
            </span>
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatUsd(task.usage.costUsd)}</dd>
        </div>
        {task.error && (
          <div className="task-facts-error">
            <dt>Error</dt>
            <dd>
              <code>{task.error.code}</code> {task.error.message}
            </dd>
          </div>
        )}
      </dl>
    </header>
  );
}
