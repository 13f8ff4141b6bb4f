import { assign, setup } from 'xstate';
import type { EngineContext } from './context.js';
import type { WorkflowEvent } from './events.js';
import type { EngineStartInput } from './transitions.js';
import { applyEvent, isCurrentAttempt, isTickDue, startContext } from './transitions.js';
import type { AnyWorkflow } from './types.js';

/**
 * Compiles a workflow to an XState v5 machine whose states are the task statuses. The step graph is
 * dynamic (fan-out, rounds), so it lives in the context as a table of step instances; each handled event
 * is one `assign` that runs the pure transition, and eventless transitions move the machine to the status
 * the transition chose. Events a state does not accept, and stale results, take no transition at all.
 */
export function compileWorkflow(wf: AnyWorkflow) {
  return setup({
    types: {
      context: {} as EngineContext,
      events: {} as WorkflowEvent,
      input: {} as EngineStartInput,
      output: {} as { status: EngineContext['status'] },
    },
    actions: {
      apply: assign(({ context, event }) => applyEvent(wf, context, event)),
    },
    guards: {
      isRunning: ({ context }) => context.status === 'running',
      isAwaitingReview: ({ context }) => context.status === 'awaiting_review',
      isCompleted: ({ context }) => context.status === 'completed',
      isFailed: ({ context }) => context.status === 'failed',
      isCancelled: ({ context }) => context.status === 'cancelled',
      isCurrentAttempt: ({ context, event }) =>
        'stepKey' in event && isCurrentAttempt(context, event.stepKey, event.attempt),
      isTickDue: ({ context, event }) => isTickDue(context, event.at),
    },
  }).createMachine({
    id: `${wf.name}@${wf.version}`,
    context: ({ input }) => startContext(wf, input),
    initial: 'running',
    on: {
      'step.succeeded': { guard: 'isCurrentAttempt', actions: 'apply' },
      'step.failed': { guard: 'isCurrentAttempt', actions: 'apply' },
      'step.lost': { guard: 'isCurrentAttempt', actions: 'apply' },
      tick: { guard: 'isTickDue', actions: 'apply' },
      cancel: { actions: 'apply' },
    },
    states: {
      running: {
        always: [
          { guard: 'isAwaitingReview', target: 'awaiting_review' },
          { guard: 'isCompleted', target: 'completed' },
          { guard: 'isFailed', target: 'failed' },
          { guard: 'isCancelled', target: 'cancelled' },
        ],
      },
      awaiting_review: {
        always: [
          { guard: 'isRunning', target: 'running' },
          { guard: 'isCompleted', target: 'completed' },
          { guard: 'isFailed', target: 'failed' },
          { guard: 'isCancelled', target: 'cancelled' },
        ],
        on: { 'review.decision': { actions: 'apply' } },
      },
      completed: { type: 'final' },
      failed: { type: 'final' },
      cancelled: { type: 'final' },
    },
    output: ({ context }) => ({ status: context.status }),
  });
}

export type WorkflowMachine = ReturnType<typeof compileWorkflow>;
