import { describe, expect, it } from 'vitest';
import type { DispatchEffect } from '../workflow/effects.js';
import { createEngineDriver } from '../workflow/testing/engine-driver.js';
import { reportFixtures as fx } from './fixtures.js';
import { DEFAULT_REVIEW_CRITERIA, report } from './report.js';
import type { ReportResult } from './report.js';

const QUESTION = 'How is adoption of X evolving, and what holds it back?';
const SUBS = [
  'How fast did adoption grow?',
  'What do teams pay?',
  'Which barriers remain?',
  'Who leads adoption?',
];
const T0 = 1_000_000;

function runToReview(options: unknown = {}, subQuestions = SUBS) {
  const d = createEngineDriver(report, { input: { question: QUESTION }, options, at: T0 });
  d.advance(1_000);
  d.succeed('plan', fx.plan(subQuestions));
  for (let i = 0; i < subQuestions.length; i++) {
    d.advance(500);
    d.succeed(`research-${i + 1}`, fx.research(subQuestions[i]!));
  }
  d.advance(1_000);
  d.succeed('analyse', fx.analysis());
  d.advance(1_000);
  d.succeed('draft', fx.draft());
  d.advance(1_000);
  return d;
}

const dispatchOf = (d: ReturnType<typeof runToReview>, key: string) =>
  d.allEffects().find((e): e is DispatchEffect => e.kind === 'dispatch' && e.stepKey === key);

describe('report workflow', () => {
  it('plans, researches each sub-question in parallel, analyses, drafts, reviews and completes', () => {
    const d = runToReview();
    expect(dispatchOf(d, 'plan')).toMatchObject({ role: 'planner', input: { question: QUESTION } });
    expect(dispatchOf(d, 'research-3')).toMatchObject({
      role: 'researcher',
      input: { question: SUBS[2], task: { question: QUESTION } },
    });
    const analyst = dispatchOf(d, 'analyse')!.input as { question: string; findings: unknown[] };
    expect(analyst.question).toBe(QUESTION);
    expect(analyst.findings).toHaveLength(8); // 4 sub-questions × 2 findings, flattened
    const drafter = dispatchOf(d, 'draft')!.input as Record<string, unknown>;
    expect(Object.keys(drafter)).toEqual(['question', 'subQuestions', 'analysis', 'findings']);
    expect(drafter.subQuestions).toEqual(SUBS);
    expect(dispatchOf(d, 'review')).toMatchObject({
      role: 'reviewer',
      input: {
        question: QUESTION,
        subQuestions: SUBS,
        draft: fx.draft(),
        criteria: [...DEFAULT_REVIEW_CRITERIA],
      },
    });

    d.succeed('review', fx.review('approve', 0.9, ['Crisp.']));
    expect(d.status).toBe('completed');
    const complete = d.effects.find((e) => e.kind === 'complete');
    expect(complete?.kind === 'complete' && complete.result).toEqual(d.view.result);
    const result = d.view.result as ReportResult;
    expect(result).toMatchObject({
      document: fx.draft().markdown,
      title: 'Adoption report (draft 1)',
      citations: fx.draft().citations,
      review: { verdict: 'approve', confidence: 0.9, notes: ['Crisp.'], by: 'agent', rounds: 1 },
      usage: { inputTokens: 800, outputTokens: 400, costUsd: 0.008 }, // 8 steps
    });
    expect(Object.keys(result.steps)).toEqual([
      'plan',
      'research-1',
      'research-2',
      'research-3',
      'research-4',
      'analyse',
      'draft',
      'review',
    ]);
    expect(result).not.toHaveProperty('partial');
  });

  it('researches at most 4 sub-questions at once', () => {
    const d = createEngineDriver(report, { input: { question: QUESTION } });
    const six = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'];
    d.succeed('plan', fx.plan(six));
    expect(d.dispatched()).toEqual(['research-1', 'research-2', 'research-3', 'research-4']);
    d.succeed('research-3', fx.research('q3'));
    expect(d.dispatched()).toEqual(['research-1', 'research-2', 'research-4', 'research-5']);
  });

  it('sends the draft back with the reviewer’s notes, at most maxReviewRounds times', () => {
    const d = runToReview({ maxReviewRounds: 2 });
    d.succeed('review', fx.review('revise', 0.8, ['Cite the cost figure.']));
    const redraft = d.dispatches()[0]!;
    expect(redraft).toMatchObject({ stepKey: 'draft-r2', round: 2, role: 'drafter' });
    expect((redraft.input as { revision: unknown }).revision).toEqual({
      notes: ['Cite the cost figure.'],
      previous: fx.draft(1),
    });
    expect(d.events('review.decided')[0]).toMatchObject({ data: { by: 'agent', decision: 'revise' } });

    d.succeed('draft-r2', fx.draft(2));
    expect(d.dispatches()[0]).toMatchObject({ stepKey: 'review-r2', input: { draft: fx.draft(2) } });
    d.succeed('review-r2', fx.review('revise', 0.8, ['Shorter intro.']));
    expect((d.dispatches()[0]!.input as { revision: unknown }).revision).toEqual({
      notes: ['Shorter intro.'],
      previous: fx.draft(2),
    });
    d.succeed('draft-r3', fx.draft(3));
    d.succeed('review-r3', fx.review('revise', 0.8, ['Still not perfect.']));
    // Two revisions spent: the last verdict stands and the task completes with the last draft.
    expect(d.status).toBe('completed');
    expect(d.effects.find((e) => e.kind === 'audit' && e.type === 'review.decided')).toMatchObject({
      decision: 'rounds-exhausted',
    });
    const result = d.view.result as ReportResult;
    expect(result.title).toBe('Adoption report (draft 3)');
    expect(result.review).toEqual({
      verdict: 'revise',
      confidence: 0.8,
      notes: ['Still not perfect.'],
      by: 'agent',
      rounds: 3,
    });
    expect(Object.keys(result.steps)).toContain('draft-r2');
  });

  it('parks a low-confidence review for a person, then approve completes it', () => {
    const d = runToReview();
    d.succeed('review', fx.review('approve', 0.3, ['Unsure about the numbers.']));
    expect(d.status).toBe('awaiting_review');
    expect(d.snapshot.value).toBe('awaiting_review');
    const deadline = d.now + 24 * 60 * 60 * 1000;
    expect(d.events('review.requested')[0]).toMatchObject({
      stepKey: 'review',
      data: { confidence: 0.3, threshold: 0.5, deadline },
    });
    expect(d.ctx.wakeAt).toBe(deadline);
    expect(d.view.review?.pending).toMatchObject({ stepKey: 'review', deadline });
    expect(d.tick(deadline - 1).changed).toBe(false);

    d.send({ type: 'review.decision', decision: 'approve', by: 'alice', notes: 'Numbers checked.' });
    expect(d.status).toBe('completed');
    expect(d.effects.find((e) => e.kind === 'audit')).toMatchObject({
      actor: 'human:alice',
      decision: 'approve',
    });
    expect((d.view.result as ReportResult).review).toEqual({
      verdict: 'approve',
      confidence: 0.3,
      notes: ['Numbers checked.'],
      by: 'human',
      rounds: 1,
    });
  });

  it('a person’s reject fails the task with the draft as partial result', () => {
    const d = runToReview();
    d.succeed('review', fx.review('approve', 0.2));
    d.send({ type: 'review.decision', decision: 'reject', by: 'bob', notes: 'Off topic.' });
    expect(d.status).toBe('failed');
    expect(d.view.error).toEqual({
      code: 'REVIEW_REJECTED',
      stepKey: 'review',
      message: 'rejected by bob: Off topic.',
    });
    expect(d.view.result).toMatchObject({
      partial: true,
      document: fx.draft().markdown,
      review: { verdict: 'reject', by: 'human' },
    });
  });

  it('a person’s revise goes back to the drafter with their notes, and the review runs again', () => {
    const d = runToReview();
    d.succeed('review', fx.review('approve', 0.4, ['Maybe fine.']));
    d.send({ type: 'review.decision', decision: 'revise', by: 'carol', notes: 'Add a table of costs.' });
    expect(d.status).toBe('running');
    const redraft = d.dispatches()[0]!;
    expect(redraft.stepKey).toBe('draft-r2');
    expect((redraft.input as { revision: unknown }).revision).toEqual({
      notes: ['Add a table of costs.'],
      previous: fx.draft(1),
    });
    d.succeed('draft-r2', fx.draft(2));
    d.succeed('review-r2', fx.review('approve', 0.9));
    expect(d.status).toBe('completed');
    expect((d.view.result as ReportResult).review).toMatchObject({
      verdict: 'approve',
      by: 'agent',
      rounds: 2,
    });
  });

  it('applies the review-timeout policy: reject by default, approve when asked', () => {
    const rejecting = runToReview({ reviewTimeoutMs: 3_600_000 });
    rejecting.succeed('review', fx.review('approve', 0.1));
    rejecting.tick(rejecting.now + 3_600_000);
    expect(rejecting.status).toBe('failed');
    expect(rejecting.view.error?.message).toBe(
      'no review decision within 3600000 ms: rejected by the review-timeout policy',
    );

    const approving = runToReview({ reviewTimeoutMs: 3_600_000, reviewTimeoutPolicy: 'approve' });
    approving.succeed('review', fx.review('approve', 0.1, ['Low confidence.']));
    approving.tick(approving.now + 3_600_000);
    expect(approving.status).toBe('completed');
    expect((approving.view.result as ReportResult).review).toMatchObject({
      verdict: 'approve',
      by: 'timeout',
    });
  });

  it('does not count time waiting for a person against the wall-time budget', () => {
    const d = runToReview({ budget: { wallTimeMs: 600_000 } });
    const activeSoFar = d.now - T0;
    d.succeed('review', fx.review('approve', 0.2));
    const parkedAt = d.now;
    expect(d.ctx.wakeAt).toBe(parkedAt + 24 * 60 * 60 * 1000); // only the review timeout while parked
    d.send({ type: 'review.decision', decision: 'revise', at: parkedAt + 2 * 60 * 60 * 1000 });
    expect(d.status).toBe('running');
    expect(d.ctx.budget.wallDeadline).toBe(T0 + 600_000 + 2 * 60 * 60 * 1000);
    expect(activeSoFar).toBeLessThan(600_000);
  });

  it('cancel while waiting for a person ends the task without further work', () => {
    const d = runToReview();
    d.succeed('review', fx.review('approve', 0.2));
    d.send({ type: 'cancel' });
    expect(d.status).toBe('cancelled');
    expect(d.view.review?.pending).toBeUndefined();
    expect(d.ctx.wakeAt).toBeNull();
    expect(d.send({ type: 'review.decision', decision: 'approve' }).changed).toBe(false);
  });

  it('keeps the snapshot of a task parked for review under 10 KB', () => {
    const d = runToReview();
    d.succeed('review', fx.review('approve', 0.3, ['Check the cost numbers against the sources.']));
    expect(d.status).toBe('awaiting_review');
    const size = JSON.stringify(d.snapshot).length;
    expect(size).toBeLessThan(10_000);
    // Each output is stored once: the plan's text appears once in the whole snapshot.
    const text = JSON.stringify(d.snapshot);
    expect(text.split('Research each sub-question from primary sources').length - 1).toBe(1);
  });

  it('cancel during the research fan-out aborts the dispatched research and nothing runs after', () => {
    const d = createEngineDriver(report, { input: { question: QUESTION } });
    d.succeed('plan', fx.plan(['a', 'b', 'c', 'd', 'e']));
    d.succeed('research-1', fx.research('a'));
    d.send({ type: 'cancel', reason: 'not needed' });
    expect(d.effects.find((e) => e.kind === 'abort')).toMatchObject({
      stepKeys: ['research-2', 'research-3', 'research-4', 'research-5'],
    });
    for (const key of ['research-2', 'research-3'])
      expect(d.succeed(key, fx.research(key), { attempt: 1 }).changed).toBe(false);
    expect(d.tick(d.now + 10 * 24 * 60 * 60 * 1000).changed).toBe(false);
    expect(d.status).toBe('cancelled');
    expect(d.view.result).toMatchObject({ partial: true, document: '' });
  });
});
