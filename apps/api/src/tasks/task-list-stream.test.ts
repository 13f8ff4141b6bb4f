import { createSimulatedClock, type KvChange } from '@troupe/bus';
import type { TaskRecord } from '@troupe/supervisor';
import { describe, expect, it } from 'vitest';
import { streamTaskList, type TaskListEvent } from './task-list-stream.js';
import { toSummary } from './task-view.js';

/** A change feed the test writes to; `push` resolves once the stream has handled the change. */
function feed<T>() {
  const items: Array<{ item: T; handled: () => void }> = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const iterable: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = items.shift();
        if (next) {
          yield next.item;
          next.handled();
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  return {
    iterable,
    push(item: T): Promise<void> {
      return new Promise((handled) => {
        items.push({ item, handled });
        wake?.();
      });
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

const record = (taskId: string, createdAt: number, patch: Partial<TaskRecord> = {}): TaskRecord => ({
  v: 1,
  taskId,
  tenant: 'acme',
  workflow: 'ask',
  status: 'running',
  input: {},
  options: {},
  metadata: {},
  createdAt,
  updatedAt: createdAt,
  seq: 0,
  wakeAt: null,
  ...patch,
});

const value = (r: TaskRecord, revision = 1): KvChange<TaskRecord> => ({
  type: 'value',
  key: `acme.${r.taskId}`,
  value: r,
  revision,
});

function start(limit: number) {
  const clock = createSimulatedClock(1_000);
  const changes = feed<KvChange<TaskRecord>>();
  const events: TaskListEvent[] = [];
  const invalid: string[] = [];
  const done = streamTaskList({
    changes: changes.iterable,
    visible: (r) => r.workflow !== 'secret',
    summarize: (r) => toSummary(r, undefined),
    send: async (event) => {
      events.push(event);
    },
    limit,
    clock,
    coalesceMs: 250,
    onInvalid: (key) => invalid.push(key),
  });
  const shown = () =>
    events.map((e) =>
      e.type === 'task'
        ? `task ${e.task.id} ${e.task.status}`
        : e.type === 'removed'
          ? `removed ${e.id}`
          : `synced ${e.count}`,
    );
  return { clock, changes, events, invalid, done, shown };
}

describe('streamTaskList', () => {
  it('sends the newest visible stored tasks, then synced', async () => {
    const s = start(3);
    for (const [id, at] of [
      ['a', 10],
      ['b', 50],
      ['c', 20],
      ['d', 40],
      ['e', 30],
    ] as const) {
      await s.changes.push(value(record(id, at)));
    }
    await s.changes.push(value(record('hidden', 60, { workflow: 'secret' })));
    await s.changes.push({ type: 'deleted', key: 'acme.d', revision: 9 });
    await s.changes.push({ type: 'invalid', key: 'acme.bad', revision: 10, error: new Error('no') });
    expect(s.events).toEqual([]);
    await s.changes.push({ type: 'synced' });
    expect(s.shown()).toEqual(['task b running', 'task e running', 'task c running', 'synced 3']);
    expect(s.invalid).toEqual(['acme.bad']);
    s.changes.end();
    await s.done;
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('keeps the newest tasks when there are many more than the limit', async () => {
    const s = start(2);
    for (let i = 0; i < 25; i++) await s.changes.push(value(record(`t${String(i).padStart(2, '0')}`, i)));
    await s.changes.push({ type: 'synced' });
    expect(s.shown()).toEqual(['task t24 running', 'task t23 running', 'synced 2']);
    s.changes.end();
    await s.done;
  });

  it('sends a change at once, then at most one per task per 250 ms, the latest winning', async () => {
    const s = start(10);
    await s.changes.push({ type: 'synced' });
    await s.changes.push(value(record('a', 1)));
    await s.changes.push(value(record('b', 2)));
    expect(s.shown()).toEqual(['synced 0', 'task a running', 'task b running']);

    await s.changes.push(value(record('a', 1, { status: 'awaiting_review' })));
    await s.changes.push(value(record('a', 1, { status: 'completed' })));
    s.clock.increment(249);
    expect(s.events).toHaveLength(3);
    s.clock.increment(1);
    expect(s.shown().slice(3)).toEqual(['task a completed']);

    // b's window closed with nothing waiting; a's second window closes empty too.
    s.clock.increment(250);
    expect(s.events).toHaveLength(4);
    expect(s.clock.pendingTimers()).toBe(0);
    await s.changes.push(value(record('b', 2, { status: 'failed' })));
    expect(s.shown().slice(4)).toEqual(['task b failed']);
    s.changes.end();
    await s.done;
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('tells of the removal of a task it sent, dropping a change that waited, and of no other', async () => {
    const s = start(10);
    await s.changes.push(value(record('a', 1)));
    await s.changes.push({ type: 'synced' });
    await s.changes.push(value(record('a', 1, { status: 'completed' })));
    await s.changes.push({ type: 'deleted', key: 'acme.a', revision: 5 });
    await s.changes.push({ type: 'deleted', key: 'acme.never-sent', revision: 6 });
    await s.changes.push(value(record('hidden', 3, { workflow: 'secret' })));
    s.clock.increment(1_000);
    expect(s.shown()).toEqual(['task a running', 'synced 1', 'removed a']);
    s.changes.end();
    await s.done;
  });

  it('reports an invalid record once per key', async () => {
    const s = start(10);
    await s.changes.push({ type: 'synced' });
    for (let i = 0; i < 3; i++)
      await s.changes.push({ type: 'invalid', key: 'acme.x', revision: i, error: new Error('bad') });
    await s.changes.push({ type: 'invalid', key: 'acme.y', revision: 4, error: new Error('bad') });
    expect(s.invalid).toEqual(['acme.x', 'acme.y']);
    expect(s.shown()).toEqual(['synced 0']);
    s.changes.end();
    await s.done;
  });
});
