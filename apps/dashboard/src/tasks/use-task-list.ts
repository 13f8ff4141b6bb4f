import { useCallback, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { useLiveStream, type LiveStream, type StreamOpener } from '../app/use-live-stream.js';
import {
  applyTaskChanges,
  EMPTY_TASK_LIST,
  type TaskListChange,
  type TaskListState,
} from './task-list-model.js';

/**
 * The tenant's tasks, live from `taskUpdates()` (no polling). Updates are applied once per animation frame;
 * a reconnect marks a resync so that tasks removed meanwhile disappear at the next `synced`.
 */
export function useTaskList(): TaskListState & LiveStream {
  const { client, can } = useTroupe();
  const [list, setList] = useState(EMPTY_TASK_LIST);
  const mayRead = can('tasks:read');
  const open = useCallback<StreamOpener<TaskListChange>>((o) => client.taskUpdates(o), [client]);
  const stream = useLiveStream<TaskListChange>({
    name: 'tasks',
    open: mayRead ? open : null,
    onBatch: (changes) => setList((s) => applyTaskChanges(s, changes)),
    onState: (state, push) => {
      if (state === 'reconnecting') push({ type: 'resync' });
    },
  });
  return { ...list, ...stream };
}
