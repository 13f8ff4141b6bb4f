import type { TaskStatus } from '@troupe/client';

const LABEL: Record<TaskStatus, string> = {
  queued: 'queued',
  running: 'running',
  awaiting_review: 'review',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** A task status as a coloured badge (`.badge.status-<status>` in styles.css). */
export function StatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span className={`badge status-${status}`} title={status.replace('_', ' ')}>
      {LABEL[status]}
    </span>
  );
}
