import type { Clock, KvChange, TimerHandle } from '@troupe/bus';
import type { TaskSummary } from '@troupe/client';
import type { TaskRecord } from '@troupe/supervisor';

/** What the task-list stream sends: the SSE event name is `type`. */
export type TaskListEvent =
  { type: 'task'; task: TaskSummary } | { type: 'removed'; id: string } | { type: 'synced'; count: number };

export interface TaskListStreamOptions {
  /** The tenant's task records as the bucket's watch hands them out; the stream ends when this ends. */
  changes: AsyncIterable<KvChange<TaskRecord>>;
  /** Whether the caller may see the task (a key limited to some workflows sees only theirs). */
  visible: (record: TaskRecord) => boolean;
  summarize: (record: TaskRecord) => TaskSummary;
  send: (event: TaskListEvent) => Promise<void>;
  /** How many tasks, newest first, go out before `synced`. */
  limit: number;
  clock: Clock;
  /** At most one `task` event per task this often; the latest version wins. */
  coalesceMs: number;
  /** A stored record that does not match the schema; called once per key, and the record is skipped. */
  onInvalid: (key: string, error: Error) => void;
}

const idOf = (key: string) => key.slice(key.indexOf('.') + 1);

const newestFirst = (a: TaskRecord, b: TaskRecord) =>
  b.createdAt - a.createdAt || (a.taskId < b.taskId ? 1 : a.taskId > b.taskId ? -1 : 0);

/**
 * Turns a watch of the tenant's task records into the task-list stream: the newest `limit` stored tasks,
 * then `synced`, then every change. A task's changes go out at the first one and then at most once per
 * `coalesceMs` (its latest record, summarised when sent), so a hundred busy tasks cost a browser a few
 * hundred events a second at most.
 */
export async function streamTaskList(o: TaskListStreamOptions): Promise<void> {
  const { clock } = o;
  /** Before `synced`: the newest stored records by id, trimmed to `limit` as they come. */
  let stored: Map<string, TaskRecord> | undefined = new Map();
  /** Tasks the client has been sent, so it hears of their removal (and of no other). */
  const sent = new Set<string>();
  const reportedInvalid = new Set<string>();
  /** Tasks sent less than `coalesceMs` ago, with the record that waits for the window to close. */
  const windows = new Map<string, { timer: TimerHandle; pending?: TaskRecord }>();

  const emit = (record: TaskRecord): Promise<void> => {
    const id = record.taskId;
    const timer = clock.setTimeout(() => {
      const pending = windows.get(id)?.pending;
      windows.delete(id);
      // A failed send means the client is gone; the watch ends with the connection.
      if (pending) void emit(pending).catch(() => undefined);
    }, o.coalesceMs);
    windows.set(id, { timer });
    sent.add(id);
    return o.send({ type: 'task', task: o.summarize(record) });
  };

  const trimStored = (records: Map<string, TaskRecord>) => {
    const kept = [...records.values()].sort(newestFirst).slice(0, o.limit);
    return new Map(kept.map((r) => [r.taskId, r]));
  };

  try {
    for await (const change of o.changes) {
      switch (change.type) {
        case 'invalid':
          if (!reportedInvalid.has(change.key)) {
            reportedInvalid.add(change.key);
            o.onInvalid(change.key, change.error);
          }
          break;
        case 'value': {
          const record = change.value;
          if (!o.visible(record)) break;
          if (stored) {
            stored.set(record.taskId, record);
            if (stored.size >= 2 * o.limit) stored = trimStored(stored);
            break;
          }
          const open = windows.get(record.taskId);
          if (open) open.pending = record;
          else await emit(record);
          break;
        }
        case 'deleted': {
          const id = idOf(change.key);
          if (stored) {
            stored.delete(id);
            break;
          }
          const open = windows.get(id);
          if (open) {
            clock.clearTimeout(open.timer);
            windows.delete(id);
          }
          if (sent.delete(id)) await o.send({ type: 'removed', id });
          break;
        }
        case 'synced': {
          if (!stored) break;
          const initial = trimStored(stored);
          stored = undefined;
          for (const record of initial.values()) await emit(record);
          await o.send({ type: 'synced', count: initial.size });
          break;
        }
      }
    }
  } finally {
    for (const { timer } of windows.values()) clock.clearTimeout(timer);
    windows.clear();
  }
}
