import { TaskErrorCode } from './errors.js';
import { AuditDecision, ProgressEventType } from './effects.js';
import type { StepInstance, StepState } from './context.js';
import { failTask, userCall } from './finish.js';
import { restartFrom } from './restart.js';
import { buildStepContext } from './step-context.js';
import type { Txn } from './txn.js';
import { audit, progress, stepDef } from './txn.js';
import type { CompiledStep, ReviewBy, ReviewOutcome, ReviewVerdict } from './types.js';

/** Reads `{ verdict, confidence, notes }` from a reviewer's output (the built-in reviewer shape). */
export function defaultVerdict(output: unknown): ReviewVerdict {
  const o = (output ?? {}) as { verdict?: unknown; confidence?: unknown; notes?: unknown };
  if (o.verdict !== 'approve' && o.verdict !== 'revise') {
    throw new Error(
      `the review output has no verdict "approve" or "revise" (got ${JSON.stringify(o.verdict)})`,
    );
  }
  if (typeof o.confidence !== 'number' || Number.isNaN(o.confidence)) {
    throw new Error('the review output has no numeric confidence');
  }
  const notes = Array.isArray(o.notes) ? o.notes.map(String) : typeof o.notes === 'string' ? [o.notes] : [];
  return { verdict: o.verdict, confidence: o.confidence, notes };
}

/**
 * A review step's instance succeeded. Confidence below the threshold (or any verdict, with the task option
 * `humanReview: 'always'`) parks the task for a person; otherwise "revise" sends it back to the drafter while agent revisions remain; otherwise the verdict stands.
 */
export function settleReviewStep(t: Txn, def: CompiledStep, state: StepState, instance: StepInstance): void {
  const gate = def.review!;
  const read = userCall(
    t,
    `step "${instance.key}": review verdict`,
    () => (gate.verdict ?? defaultVerdict)(instance.output),
    instance.key,
  );
  if (!read.ok) return;
  const v = read.value;
  const { ctx } = t;
  ctx.review.rounds += 1;
  state.doneRound = state.gen;
  const threshold = gate.threshold ?? ctx.options.reviewThreshold;
  const maxRevisions = gate.maxRounds ?? ctx.options.maxReviewRounds;
  ctx.review.last = {
    verdict: v.verdict,
    confidence: v.confidence,
    notes: v.notes,
    by: 'agent',
    rounds: ctx.review.rounds,
    stepKey: instance.key,
  };
  const data = {
    by: 'agent',
    verdict: v.verdict,
    confidence: v.confidence,
    threshold,
    rounds: ctx.review.rounds,
  };

  // Snapshots written before the option existed have none: they keep the low-confidence rule.
  const always = ctx.options.humanReview === 'always';
  if (always || v.confidence < threshold) {
    state.phase = 'review';
    const deadline = t.at + ctx.options.reviewTimeoutMs;
    ctx.review.pending = { stepId: def.id, stepKey: instance.key, since: t.at, deadline };
    ctx.status = 'awaiting_review';
    const reason = always ? 'always' : 'low-confidence';
    progress(
      t,
      ProgressEventType.ReviewRequested,
      { ...data, notes: v.notes, deadline, reason },
      instance.key,
    );
    audit(t, {
      type: 'review.requested',
      decision: AuditDecision.Park,
      stepKey: instance.key,
      data: { ...data, deadline, reason },
    });
    return;
  }
  if (v.verdict === 'revise' && ctx.review.revisions < maxRevisions) {
    ctx.review.revisions += 1;
    ctx.notes = v.notes;
    progress(
      t,
      ProgressEventType.ReviewDecided,
      { ...data, decision: 'revise', notes: v.notes },
      instance.key,
    );
    audit(t, {
      type: 'review.decided',
      decision: AuditDecision.Revise,
      stepKey: instance.key,
      data: { ...data, revisions: ctx.review.revisions },
    });
    restartFrom(t, gate.revise, `revision ${ctx.review.revisions} requested by ${instance.key}`);
    return;
  }
  state.phase = 'done';
  const decision = v.verdict === 'approve' ? AuditDecision.Approve : AuditDecision.RoundsExhausted;
  progress(
    t,
    ProgressEventType.ReviewDecided,
    { ...data, decision: v.verdict, notes: v.notes },
    instance.key,
  );
  audit(t, { type: 'review.decided', decision, stepKey: instance.key, data });
}

/** A person's decision on a parked task, or the review-timeout policy's (`by: 'timeout'`). */
export function decideReview(
  t: Txn,
  decision: 'approve' | 'reject' | 'revise',
  notes: string[] | undefined,
  by: Exclude<ReviewBy, 'agent'>,
  reviewer?: string,
): void {
  const { ctx } = t;
  const pending = ctx.review.pending;
  if (!pending) return;
  const def = stepDef(t, pending.stepId);
  const state = ctx.steps[pending.stepId]!;
  // Time spent waiting for a person does not count against the wall-time budget.
  if (ctx.budget.wallDeadline !== undefined) ctx.budget.wallDeadline += t.at - pending.since;
  delete ctx.review.pending;
  ctx.status = 'running';
  const last = ctx.review.last;
  const outcome: ReviewOutcome = {
    verdict: decision,
    confidence: last?.confidence ?? 0,
    notes: notes && notes.length > 0 ? notes : (last?.notes ?? []),
    by,
    rounds: ctx.review.rounds,
    stepKey: pending.stepKey,
  };
  if (reviewer !== undefined) outcome.reviewer = reviewer;
  ctx.review.last = outcome;
  const data: Record<string, unknown> = { by, decision, waitedMs: t.at - pending.since };
  if (reviewer !== undefined) data.reviewer = reviewer;
  progress(t, ProgressEventType.ReviewDecided, { ...data, notes: outcome.notes }, pending.stepKey);
  const decisionRecord =
    decision === 'approve'
      ? AuditDecision.Approve
      : decision === 'revise'
        ? AuditDecision.Revise
        : AuditDecision.Reject;
  audit(t, {
    type: 'review.decided',
    actor: by === 'human' ? `human:${reviewer ?? 'unknown'}` : 'supervisor',
    decision: decisionRecord,
    stepKey: pending.stepKey,
    data,
  });

  switch (decision) {
    case 'approve':
      state.phase = 'done';
      return;
    case 'revise':
      ctx.notes = outcome.notes;
      restartFrom(
        t,
        def.review!.revise,
        `revision requested by ${by === 'human' ? (reviewer ?? 'a person') : 'policy'}`,
      );
      return;
    case 'reject': {
      const message =
        by === 'timeout'
          ? `no review decision within ${ctx.options.reviewTimeoutMs} ms: rejected by the review-timeout policy`
          : `rejected by ${reviewer ?? 'a reviewer'}${notes && notes.length > 0 ? `: ${notes.join('; ')}` : ''}`;
      failTask(t, { code: TaskErrorCode.ReviewRejected, stepKey: pending.stepKey, message });
      return;
    }
  }
}

/** A loop step completed: another round while `loop.while(ctx)` holds and rounds remain. */
export function settleLoopStep(t: Txn, def: CompiledStep, state: StepState): void {
  const loop = def.loop!;
  state.doneRound = state.gen;
  const runs = (t.ctx.loops[def.id] ?? 0) + 1;
  if (runs < loop.maxRounds) {
    const again = userCall(t, `step "${def.id}": loop.while(ctx)`, () =>
      loop.while(buildStepContext(t.wf, t.ctx)),
    );
    if (!again.ok) return;
    if (again.value) {
      t.ctx.loops[def.id] = runs;
      const data = { to: loop.to, run: runs + 1, maxRounds: loop.maxRounds, round: t.ctx.round + 1 };
      progress(t, ProgressEventType.StepLoop, data);
      audit(t, { type: 'step.loop', decision: AuditDecision.Loop, data: { step: def.id, ...data } });
      restartFrom(t, loop.to, `loop of step ${def.id}, run ${runs + 1}`);
      return;
    }
  }
  state.phase = 'done';
}
