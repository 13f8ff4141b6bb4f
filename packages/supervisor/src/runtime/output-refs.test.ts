import { describe, expect, it } from 'vitest';
import type { StepInstance } from '../workflow/context.js';
import { stepInstance as instance } from '../workflow/testing/step-instance.js';
import { compactRecord, expandRecord, outputRevisions } from './output-refs.js';
import type { TaskRecord } from './task-record.js';

const record = (instances: StepInstance[]): TaskRecord => ({
  v: 1,
  taskId: 't1',
  tenant: 'acme',
  workflow: 'report',
  status: 'running',
  input: {},
  options: {},
  metadata: {},
  createdAt: 1,
  updatedAt: 1,
  seq: instances.length,
  wakeAt: null,
  snapshot: { status: 'active', value: 'running', context: { v: 1, instances } },
});

const instancesOf = (r: TaskRecord) =>
  (r.snapshot as { context: { instances: Array<Record<string, unknown>> } }).context.instances;

describe('step outputs stored once', () => {
  it('a revision holds only the outputs no earlier one holds; the whole record comes back from the references', async () => {
    const journal = new Map<number, TaskRecord>();
    // Revision 1 stores the plan's output; revision 2 adds the research output and names revision 1 for the plan.
    const first = record([instance('plan', { outline: ['a', 'b'] }), instance('research')]);
    journal.set(1, compactRecord(first, undefined));
    const afterFirst = outputRevisions(first, 1, undefined);
    const second = record([instance('plan', { outline: ['a', 'b'] }), instance('research', { notes: 'n' })]);
    const stored = compactRecord(second, afterFirst);
    journal.set(2, stored);

    expect(instancesOf(stored)[0]).toEqual(expect.objectContaining({ outputAt: 1 }));
    expect(instancesOf(stored)[0]).not.toHaveProperty('output');
    expect(instancesOf(stored)[1]).toEqual(expect.objectContaining({ output: { notes: 'n' } }));

    const reads: number[] = [];
    const { record: whole, outputs } = await expandRecord(stored, 2, async (revision) => {
      reads.push(revision);
      return journal.get(revision);
    });
    expect(whole).toEqual(second);
    expect(reads).toEqual([1]);
    expect([...outputs.at.values()]).toEqual([1, 2]);
  });

  it('without a map every output stays inline; with one, a reference names the revision that wrote it', () => {
    const r = record([instance('plan', { outline: [] })]);
    expect(compactRecord(r, undefined)).toBe(r);
    const stale = outputRevisions(r, 5, undefined);
    expect(instancesOf(compactRecord(r, stale))[0]).toEqual(expect.objectContaining({ outputAt: 5 }));
  });

  it('a reference to a revision that does not hold the output is an INVALID_SNAPSHOT error naming the step', async () => {
    const stored = record([{ ...instance('plan'), status: 'succeeded', outputAt: 3 } as StepInstance]);
    await expect(expandRecord(stored, 4, async () => record([instance('plan')]))).rejects.toMatchObject({
      code: 'INVALID_SNAPSHOT',
      message: expect.stringContaining('step plan'),
    });
  });
});
