import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineWorkflow } from './define-workflow.js';
import type { AuditEffect } from './effects.js';
import { WorkflowError, WorkflowErrorCode } from './errors.js';
import { resolveTaskOptions } from './options.js';
import { createEngineDriver } from './testing/engine-driver.js';

const reviewed = defineWorkflow({
  name: 'reviewed',
  version: 1,
  input: z.object({ question: z.string().min(1) }),
  steps: [
    { id: 'draft', role: 'drafter', input: ({ input, notes }) => ({ question: input.question, notes }) },
    {
      id: 'review',
      role: 'reviewer',
      needs: ['draft'],
      input: ({ outputs }) => ({ draft: outputs.draft }),
      review: { revise: 'draft' },
    },
  ],
  result: ({ outputs, review }) => ({ draft: outputs.draft, review }),
});

const verdict = (v: 'approve' | 'revise', confidence: number) => ({ verdict: v, confidence, notes: ['ok'] });

function toReview(options: unknown) {
  const d = createEngineDriver(reviewed, { input: { question: 'q' }, options });
  d.succeed('draft', { text: 'first' });
  return d;
}

const audits = (d: ReturnType<typeof toReview>) =>
  d.effects.filter((e): e is AuditEffect => e.kind === 'audit');

describe("task option humanReview: 'always'", () => {
  it('parks a confident approval for a person; their approve completes the task', () => {
    const d = toReview({ humanReview: 'always' });
    d.succeed('review', verdict('approve', 0.95));
    expect(d.status).toBe('awaiting_review');
    expect(d.events('review.requested')[0]).toMatchObject({
      stepKey: 'review',
      data: { by: 'agent', verdict: 'approve', confidence: 0.95, reason: 'always' },
    });
    expect(audits(d).find((a) => a.type === 'review.requested')).toMatchObject({ decision: 'park' });
    expect(d.view.review?.pending).toMatchObject({ stepKey: 'review' });

    d.send({ type: 'review.decision', decision: 'approve', by: 'alice' });
    expect(d.status).toBe('completed');
    expect(d.view.result).toMatchObject({ review: { verdict: 'approve', by: 'human', reviewer: 'alice' } });
  });

  it('parks a confident "revise" too; a person’s revise runs the draft and the review again, which parks again', () => {
    const d = toReview({ humanReview: 'always' });
    d.succeed('review', verdict('revise', 0.9));
    expect(d.status).toBe('awaiting_review');
    d.send({ type: 'review.decision', decision: 'revise', by: 'bob', notes: 'Shorter.' });
    expect(d.dispatches().map((e) => e.stepKey)).toEqual(['draft-r2']);
    d.succeed('draft-r2', { text: 'second' });
    d.succeed('review-r2', verdict('approve', 0.99));
    expect(d.status).toBe('awaiting_review');
  });

  it('a person’s reject fails the task', () => {
    const d = toReview({ humanReview: 'always' });
    d.succeed('review', verdict('approve', 1));
    d.send({ type: 'review.decision', decision: 'reject', by: 'carol' });
    expect(d.status).toBe('failed');
    expect(d.view.error).toMatchObject({ code: 'REVIEW_REJECTED', stepKey: 'review' });
  });

  it("by default (and with 'low-confidence') a confident verdict stands and a doubtful one parks", () => {
    for (const options of [{}, { humanReview: 'low-confidence' }]) {
      const confident = toReview(options);
      confident.succeed('review', verdict('approve', 0.9));
      expect(confident.status).toBe('completed');

      const doubtful = toReview(options);
      doubtful.succeed('review', verdict('approve', 0.2));
      expect(doubtful.status).toBe('awaiting_review');
      expect(doubtful.events('review.requested')[0]).toMatchObject({ data: { reason: 'low-confidence' } });
    }
  });

  it('resolves to low-confidence and refuses another value, naming the option', () => {
    expect(resolveTaskOptions({}, {}).humanReview).toBe('low-confidence');
    expect(resolveTaskOptions({ humanReview: 'always' }, {}).humanReview).toBe('always');
    const refused = (() => {
      try {
        resolveTaskOptions({}, { humanReview: 'sometimes' });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(WorkflowError);
    expect(refused).toMatchObject({ code: WorkflowErrorCode.InvalidOptions, message: /humanReview/ });
  });
});
