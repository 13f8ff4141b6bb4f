import { describe, expect, it } from 'vitest';
import { Buckets, systemClock } from '@troupe/bus';
import { startTestBus } from '@troupe/bus/testing';
import type { StepInstance } from '../workflow/context.js';
import { stepInstance as step } from '../workflow/testing/step-instance.js';
import { TaskRecordSchema, type TaskRecord } from './task-record.js';
import { createTaskStore, endedRecord } from './task-store.js';

const queued: TaskRecord = {
  v: 1,
  taskId: 't1',
  tenant: 'acme',
  workflow: 'ask',
  status: 'queued',
  input: { question: 'q' },
  options: {},
  metadata: {},
  createdAt: 1,
  updatedAt: 1,
  seq: 3,
  wakeAt: null,
  log: { events: [{ v: 1, id: 'earlier', taskId: 't1', type: 'task.started', at: 1, data: {} }], audit: [] },
};

describe('endedRecord', () => {
  it('ends a task outside the engine with one event and one audit record that say why, and none of the earlier log', () => {
    const error = { code: 'UNKNOWN_WORKFLOW', message: 'workflow "ask" is not known' };
    const ended = endedRecord(queued, 'failed', error, 50);
    expect(TaskRecordSchema.parse(ended)).toEqual(ended);
    expect(ended).toMatchObject({ status: 'failed', seq: 4, updatedAt: 50, error, input: queued.input });
    expect(ended.log).toEqual({
      events: [{ v: 1, id: 't1.4.unknown_workflow', taskId: 't1', type: 'task.failed', at: 50, data: error }],
      audit: [
        {
          v: 1,
          id: 't1.4.unknown_workflow',
          taskId: 't1',
          type: 'task.failed',
          at: 50,
          actor: 'supervisor',
          decision: 'fail',
          error: error.message,
          data: { code: 'UNKNOWN_WORKFLOW' },
        },
      ],
    });
  });

  it('records a cancel as task.cancelled with the cancel decision', () => {
    const ended = endedRecord(
      queued,
      'cancelled',
      { code: 'CANCELLED', message: 'cancelled before it started' },
      9,
    );
    expect(ended.status).toBe('cancelled');
    expect(ended.log?.events[0]?.type).toBe('task.cancelled');
    expect(ended.log?.audit[0]).toMatchObject({ id: 't1.4.cancelled', decision: 'cancel' });
  });
});

describe('TaskStore on a real nats-server', () => {
  it('writes each step output once; another supervisor reads the whole record back from the references', async () => {
    await using t = await startTestBus();
    await t.bus.ensureTopology();
    const tasks = await t.bus.kv(Buckets.Tasks, TaskRecordSchema);
    const writer = createTaskStore({ tasks, clock: systemClock, supervisorId: 'a' });
    const running = (instances: StepInstance[], seq: number): TaskRecord => ({
      ...queued,
      status: 'running',
      seq,
      snapshot: { status: 'active', value: 'running', context: { v: 1, instances } },
    });
    const plan = { outline: ['why', 'how'], text: 'x'.repeat(2_000) };
    const r1 = await writer.create('acme.t1', running([step('plan', plan), step('research')], 1));
    const r2 = await writer.update(
      'acme.t1',
      running([step('plan', plan), step('research', { n: 1 })], 2),
      r1,
    );
    const r3 = await writer.update(
      'acme.t1',
      running([step('plan', plan), step('research', { n: 1 }), step('draft', { d: 'd' })], 3),
      r2,
    );

    // The plan's 2 KB are in the first revision only.
    const sizes = await Promise.all(
      [r1, r2, r3].map(async (r) => JSON.stringify((await tasks.getRevision('acme.t1', r))?.value).length),
    );
    expect(sizes[0]).toBeGreaterThan(2_000);
    expect(sizes[1]).toBeLessThan(1_000);
    expect(sizes[2]).toBeLessThan(1_000);

    const reader = createTaskStore({ tasks, clock: systemClock, supervisorId: 'b' });
    const read = await reader.read('acme.t1');
    expect(read).toEqual({
      value: running([step('plan', plan), step('research', { n: 1 }), step('draft', { d: 'd' })], 3),
      revision: r3,
    });
    // The reader writes on from what it read: references, not copies.
    const r4 = await reader.update('acme.t1', { ...read!.value, seq: 4 }, r3);
    expect(JSON.stringify((await tasks.getRevision('acme.t1', r4))?.value).length).toBeLessThan(1_000);
  });
});
