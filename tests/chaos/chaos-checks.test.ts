import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '@troupe/bus';
import type { TaskRecord } from '@troupe/supervisor';
import { checkChaosRun, percentile, REPORT_STEPS } from './chaos-checks.js';

let n = 0;
const audit = (
  taskId: string,
  type: string,
  stepKey?: string,
  extra: Partial<AuditRecord> = {},
): AuditRecord => ({
  v: 1,
  id: `r${n++}`,
  taskId,
  type,
  at: n,
  actor: 'supervisor',
  data: {},
  ...(stepKey ? { stepKey } : {}),
  ...extra,
});

/** A whole report's audit log: start, each step dispatched, the agent's call and the acceptance, the end. */
const wholeLog = (taskId: string) => [
  audit(taskId, 'task.started'),
  ...REPORT_STEPS.flatMap((step) => [
    audit(taskId, 'step.dispatched', step),
    audit(taskId, 'model.call', step, { actor: 'agent:a1' }),
    audit(taskId, 'step.succeeded', step, { decision: 'accept' }),
  ]),
  audit(taskId, 'task.completed'),
];

const record = (taskId: string, over: Partial<TaskRecord> = {}): TaskRecord => ({
  v: 1,
  taskId,
  tenant: 'acme',
  workflow: 'report',
  status: 'completed',
  input: {},
  options: {},
  metadata: {},
  createdAt: 0,
  updatedAt: 0,
  seq: 1,
  wakeAt: null,
  result: { document: '# Title\n\ntext', steps: Object.fromEntries(REPORT_STEPS.map((s) => [s, {}])) },
  ...over,
});

describe('checkChaosRun', () => {
  it('passes a run whose tasks all completed whole, each step accepted once', () => {
    const outcome = checkChaosRun(
      ['a', 'b'],
      new Map([
        ['a', record('a')],
        ['b', record('b')],
      ]),
      [...wholeLog('a'), ...wholeLog('b')],
    );
    expect(outcome).toMatchObject({ completed: 2, lost: [], duplicates: [], incomplete: [], auditGaps: [] });
  });

  it('counts a missing or running record as lost, and failures by reason', () => {
    const failed = record('f', {
      status: 'failed',
      error: { code: 'STEP_FAILED', message: 'boom', stepKey: 'plan' },
    });
    const outcome = checkChaosRun(
      ['gone', 'run', 'f'],
      new Map([
        ['run', record('run', { status: 'running' })],
        ['f', failed],
      ]),
      [audit('run', 'task.started')],
    );
    expect(outcome.lost).toEqual(['gone (no record)', 'run (running, last audit task.started)']);
    expect(Object.fromEntries(outcome.failed)).toEqual({ 'STEP_FAILED at plan: boom': 1 });
  });

  it('finds a step accepted twice, a result without a step or document, and an audit log without a step', () => {
    const log = wholeLog('a');
    log.push(audit('a', 'step.succeeded', 'plan', { decision: 'accept' }));
    const thin = record('b', { result: { document: 'no heading', steps: { plan: {} } } });
    const outcome = checkChaosRun(
      ['a', 'b'],
      new Map([
        ['a', record('a')],
        ['b', thin],
      ]),
      [...log, ...wholeLog('b').filter((r) => r.stepKey !== 'plan' || r.type !== 'model.call')],
    );
    expect(outcome.duplicates).toEqual(['a/plan']);
    expect(outcome.incomplete).toEqual([
      `b: no document, ${REPORT_STEPS.slice(1)
        .map((s) => `no ${s}`)
        .join(', ')}`,
    ]);
    expect(outcome.auditGaps).toEqual(['b: no agent record plan']);
  });
});

describe('percentile', () => {
  it('takes the nearest rank, NaN for none', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
