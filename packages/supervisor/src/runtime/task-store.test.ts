import { describe, expect, it } from 'vitest';
import { TaskRecordSchema, type TaskRecord } from './task-record.js';
import { endedRecord } from './task-store.js';

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
