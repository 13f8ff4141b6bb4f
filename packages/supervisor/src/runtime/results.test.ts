import { describe, expect, it } from 'vitest';
import { subjects, type Control, type StepResult, type Usage } from '@troupe/bus';
import { WorkflowEventSchema } from '../workflow/events.js';
import { refuseByOrigin, toEvent } from './results.js';

const AT = 1_700_000_000_000;
const usage: Usage = {
  inputTokens: 10,
  outputTokens: 5,
  costUsd: 0.001,
  latencyMs: 12,
  model: 'm',
  provider: 'p',
};
const base = {
  v: 1 as const,
  taskId: 't1',
  tenant: 'acme',
  stepKey: 'draft',
  attempt: 2,
  agentId: 'agent-1',
};
const control = { v: 1 as const, taskId: 't1', tenant: 'acme', at: 1 };

/** Each mapping is also a valid workflow event, as the engine's schema reads it. */
const mapped = (data: StepResult | Control) => {
  const event = toEvent(data, AT);
  if (event) expect(WorkflowEventSchema.parse(event)).toEqual(event);
  return event;
};

describe('toEvent', () => {
  it('maps a successful step result to step.succeeded, at the time of applying it', () => {
    expect(mapped({ ...base, ok: true, output: { text: 'x' }, usage, finishedAt: 5 })).toEqual({
      type: 'step.succeeded',
      at: AT,
      stepKey: 'draft',
      attempt: 2,
      output: { text: 'x' },
      usage,
      agentId: 'agent-1',
    });
  });

  it('maps a failed step result to step.failed, with its usage only when it has one', () => {
    const error = { code: 'MODEL_ERROR', message: 'boom', retryable: true };
    expect(mapped({ ...base, ok: false, error, finishedAt: 5 })).toEqual({
      type: 'step.failed',
      at: AT,
      stepKey: 'draft',
      attempt: 2,
      error,
      agentId: 'agent-1',
    });
    expect(mapped({ ...base, ok: false, error, usage, finishedAt: 5 })).toMatchObject({ usage });
  });

  it('maps cancel, review and step-lost control messages, leaving out absent optional fields', () => {
    expect(mapped({ ...control, type: 'cancel' })).toEqual({ type: 'cancel', at: AT });
    expect(mapped({ ...control, type: 'cancel', reason: 'user' })).toEqual({
      type: 'cancel',
      at: AT,
      reason: 'user',
    });
    expect(mapped({ ...control, type: 'review', decision: 'revise', notes: 'shorter', by: 'ann' })).toEqual({
      type: 'review.decision',
      at: AT,
      decision: 'revise',
      notes: 'shorter',
      by: 'ann',
    });
    expect(mapped({ ...control, type: 'review', decision: 'approve' })).toEqual({
      type: 'review.decision',
      at: AT,
      decision: 'approve',
    });
    expect(
      mapped({ ...control, type: 'step-lost', stepKey: 'draft', attempt: 3, reason: 'deliveries' }),
    ).toEqual({ type: 'step.lost', at: AT, stepKey: 'draft', attempt: 3, reason: 'deliveries' });
  });

  it('maps a control message of a type it does not know to no event', () => {
    expect(toEvent({ ...control, type: 'pause' } as unknown as Control, AT)).toBeUndefined();
  });
});

describe('refuseByOrigin', () => {
  const result: StepResult = { ...base, ok: true, output: {}, usage, finishedAt: 5 };
  const lost: Control = { ...control, type: 'step-lost', stepKey: 'draft', attempt: 2, reason: 'r' };
  it("takes step results and lost steps on a role's result subject, cancels and reviews on control", () => {
    expect(refuseByOrigin(subjects.result('drafter', 't1'), result)).toBeUndefined();
    expect(refuseByOrigin(subjects.result('drafter', 't1'), lost)).toBeUndefined();
    expect(refuseByOrigin(subjects.control('t1'), { ...control, type: 'cancel' })).toBeUndefined();
  });
  it("refuses a cancel or review on an agent's result subject, and a message about another task", () => {
    expect(refuseByOrigin(subjects.result('drafter', 't1'), { ...control, type: 'cancel' })).toMatch(
      /cancel may not come on an agent's result subject/,
    );
    expect(
      refuseByOrigin(subjects.result('drafter', 't1'), { ...control, type: 'review', decision: 'approve' }),
    ).toMatch(/review may not come/);
    expect(refuseByOrigin(subjects.result('drafter', 't2'), result)).toMatch(/another task \(t1\)/);
  });
});
