import type { TaskEventMessage, TroupeClient } from '@troupe/client';
import { callApi, type ApiTarget } from '../api-client.js';
import type { ProgressRenderer } from './plain-renderer.js';
import { applyEvent, createTaskProgress, isFinalPhase, type TaskProgress } from './task-progress.js';

export interface FollowTaskOptions {
  client: TroupeClient;
  target: ApiTarget;
  taskId: string;
  renderer?: ProgressRenderer;
  /** Every event as it arrives (`--json` prints them). */
  onEvent?: (message: TaskEventMessage) => void;
  /** The task was parked for a person; the demo approves it here. */
  onReviewRequested?: (progress: TaskProgress) => Promise<void> | void;
  signal?: AbortSignal;
}

/**
 * Follows a task's events from the first (stored ones are replayed, so a late `watch` shows everything)
 * until it is final, keeping its progress and handing each change to the renderer.
 */
export async function followTask(options: FollowTaskOptions): Promise<TaskProgress> {
  const { client, target, taskId } = options;
  const progress = createTaskProgress(taskId);
  await callApi(target, async () => {
    for await (const message of client.events(taskId, options.signal ? { signal: options.signal } : {})) {
      options.onEvent?.(message);
      const change = applyEvent(progress, message.event);
      options.renderer?.update(progress, change);
      if (change.kind === 'review' && change.type === 'requested' && options.onReviewRequested) {
        await options.onReviewRequested(progress);
      }
    }
  });
  if (!isFinalPhase(progress.phase)) {
    // The stream ended on the server's `end` event without a final event we saw: ask for the status.
    const task = await callApi(target, () => client.get(taskId));
    progress.phase = task.status;
    if (task.error) progress.error = { code: task.error.code, message: task.error.message };
  }
  options.renderer?.end(progress);
  return progress;
}
