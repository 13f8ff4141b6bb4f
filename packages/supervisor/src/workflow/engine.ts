import { createActor, type AnyActorScope } from 'xstate';
import type { EngineContext } from './context.js';
import { isFinal } from './context.js';
import { inputFor } from './dispatch.js';
import type { Effect, TaskStatus } from './effects.js';
import { WorkflowError, WorkflowErrorCode, errorMessage } from './errors.js';
import { WorkflowEventSchema } from './events.js';
import type { WorkflowEvent } from './events.js';
import { partialResult } from './finish.js';
import { compileWorkflow } from './machine.js';
import type { WorkflowMachine } from './machine.js';
import { resolveTaskOptions } from './options.js';
import { isCurrentAttempt, isTickDue } from './transitions.js';
import { buildStepContext } from './step-context.js';
import { formatIssues, validateSync } from './standard-schema.js';
import type { AnyWorkflow, Workflow } from './types.js';
import { NAME_TOKEN } from './define-workflow.js';
import type { TaskView, ViewOptions } from './view.js';
import { viewTask } from './view.js';

/**
 * A task's persisted XState snapshot: plain JSON, what the runtime keeps in KV `tasks`.
 * `status` is XState's (`active` while the task runs or waits, `done` once it ended).
 */
export interface TaskSnapshot {
  status: 'active' | 'done' | 'error' | 'stopped';
  value: string;
  context: EngineContext;
  [key: string]: unknown;
}

export interface StartTaskParams {
  /** Subject-safe (`^[A-Za-z0-9_-]+$`): it is part of subjects and dispatch ids. */
  taskId: string;
  tenant: string;
  /** Validated against the workflow's input schema. */
  input: unknown;
  /** Task options (`TaskOptions` of `@troupe/bus`, plus engine tuning), over the workflow's defaults. */
  options?: unknown;
  /** The summary of the task this one continues, given to the steps as `ctx.thread`. */
  thread?: unknown;
  /** Now, from the runtime's clock (epoch ms). */
  at: number;
}

export interface EngineResult {
  /** Write this back (compare-and-set on the revision read). */
  snapshot: TaskSnapshot;
  /** Carry these out, in order, after the write succeeded; each has an idempotency `id`. */
  effects: Effect[];
}

export interface ApplyResult extends EngineResult {
  /** False when the event was ignored (stale or duplicate result, nothing due, finished task): write nothing. */
  changed: boolean;
}

export interface WorkflowEngine<TInput = unknown, TResult = unknown> {
  readonly workflow: Workflow<TInput, TResult>;
  readonly machine: WorkflowMachine;
  /** A new task: validates input and options, dispatches the root steps. Throws `WorkflowError`. */
  start(params: StartTaskParams): EngineResult;
  /**
   * One event against a persisted snapshot (as read from KV: a `TaskSnapshot`, typed `unknown` because it
   * is checked here). Throws `WorkflowError` for an invalid event (INVALID_EVENT) or a snapshot this engine
   * did not write (INVALID_SNAPSHOT).
   */
  apply(snapshot: unknown, event: WorkflowEvent): ApplyResult;
  /** A compact, serializable view for the API. */
  view(snapshot: unknown, options?: ViewOptions): TaskView;
  /** What a runtime stores beside the snapshot on every write: the task's status and next timer. */
  status(snapshot: unknown): { status: TaskStatus; wakeAt: number | null };
  /**
   * The effects of the snapshot's last transition that a runtime carries out (assignments, aborts, the
   * ending), complete again (the persisted outbox leaves out dispatch inputs and results, and the events and
   * audit records, which are stored with the snapshot). For a runtime that wrote a snapshot and died before
   * carrying its effects out.
   */
  pendingEffects(snapshot: unknown): Effect[];
}

/** The machine's guards, read straight from the context: false means the machine would ignore the event. */
function mayTransition(ctx: EngineContext, event: WorkflowEvent): boolean {
  if (isFinal(ctx.status)) return false;
  switch (event.type) {
    case 'step.succeeded':
    case 'step.failed':
    case 'step.lost':
      return isCurrentAttempt(ctx, event.stepKey, event.attempt);
    case 'tick':
      return isTickDue(ctx, event.at);
    case 'review.decision':
      return ctx.status === 'awaiting_review';
    case 'cancel':
      return true;
  }
}

/**
 * The outbox as persisted: what a runtime may have to carry out again (assignments, aborts, the ending),
 * without dispatch inputs and results, which are recomputed from the context. Progress events and audit
 * records are left out: the runtime stores them with the snapshot, in the same write (the task journal).
 */
function slimOutbox(outbox: Effect[]): Effect[] {
  return outbox.flatMap((effect): Effect[] => {
    if (effect.kind === 'event' || effect.kind === 'audit') return [];
    if (effect.kind === 'dispatch') {
      const { input: _input, ...rest } = effect;
      return [rest as Effect];
    }
    if (effect.kind === 'complete' && 'result' in effect) {
      const { result: _result, ...rest } = effect;
      return [rest];
    }
    return [effect];
  });
}

/**
 * The scope XState's transition functions run in. The machine's only actions are `assign`s and its
 * effects live in the context's outbox, so nothing is executed, deferred or spawned through it: one scope
 * serves every transition. (XState's own `transition()` helper builds an actor per call, whose initial
 * snapshot runs the context factory without input.)
 */
function inertScope(machine: WorkflowMachine): AnyActorScope {
  const self = createActor(machine, { input: undefined as never });
  const ignore = () => undefined;
  return {
    self,
    id: self.id,
    sessionId: self.sessionId,
    logger: ignore,
    defer: ignore,
    emit: ignore,
    system: self.system,
    stopChild: ignore,
    actionExecutor: ignore,
  };
}

function machineFailed(taskId: string, cause: unknown): WorkflowError {
  return new WorkflowError(
    WorkflowErrorCode.InvalidSnapshot,
    `task ${taskId}: the machine failed: ${errorMessage(cause)}`,
    { cause },
  );
}

/**
 * The persisted form of a machine snapshot, built directly: the context is plain JSON with no actors in
 * it, so XState's own `getPersistedSnapshot` (which walks the whole context looking for them) has nothing
 * to add. Same shape, so either kind restores the same way.
 */
function persistLive(live: {
  status: string;
  value: unknown;
  context: EngineContext;
  output?: unknown;
  error?: unknown;
}): TaskSnapshot {
  return {
    status: live.status as TaskSnapshot['status'],
    ...(live.output !== undefined ? { output: live.output } : {}),
    ...(live.error !== undefined ? { error: live.error } : {}),
    value: live.value as string,
    historyValue: {},
    context: { ...live.context, outbox: slimOutbox(live.context.outbox) },
    children: {},
  };
}

export function createWorkflowEngine<TInput, TResult>(
  workflow: Workflow<TInput, TResult>,
): WorkflowEngine<TInput, TResult> {
  const wf = workflow as unknown as AnyWorkflow;
  const machine = compileWorkflow(wf);
  const scope = inertScope(machine);

  const checkSnapshot = (value: unknown): EngineContext => {
    const snapshot = value as Partial<TaskSnapshot> | null | undefined;
    const ctx = snapshot?.context;
    if (!ctx || ctx.v !== 1 || typeof snapshot.status !== 'string') {
      throw new WorkflowError(
        WorkflowErrorCode.InvalidSnapshot,
        `not a task snapshot of workflow "${wf.name}"`,
      );
    }
    if (ctx.workflow !== wf.name || ctx.version !== wf.version) {
      throw new WorkflowError(
        WorkflowErrorCode.InvalidSnapshot,
        `snapshot of task ${ctx.taskId} belongs to workflow ${ctx.workflow}@${ctx.version}, not ${wf.name}@${wf.version}`,
        { details: { taskId: ctx.taskId, workflow: ctx.workflow, version: ctx.version } },
      );
    }
    return ctx;
  };

  return {
    workflow,
    machine,

    start(params) {
      for (const [name, value] of [
        ['taskId', params.taskId],
        ['tenant', params.tenant],
      ] as const) {
        if (typeof value !== 'string' || value.length > 128 || !NAME_TOKEN.test(value)) {
          throw new WorkflowError(
            WorkflowErrorCode.InvalidOptions,
            `${name} "${String(value)}" must be 1-128 letters, digits, "-" or "_"`,
          );
        }
      }
      if (!Number.isFinite(params.at)) {
        throw new WorkflowError(
          WorkflowErrorCode.InvalidOptions,
          '"at" must be a time in epoch milliseconds',
        );
      }
      const input = validateSync(wf.inputSchema, params.input);
      if (!input.ok) {
        throw new WorkflowError(
          WorkflowErrorCode.InvalidInput,
          `invalid input for workflow "${wf.name}": ${input.message}`,
        );
      }
      const options = resolveTaskOptions(wf.defaults, params.options);
      const startInput = {
        taskId: params.taskId,
        tenant: params.tenant,
        input: input.value,
        options,
        at: params.at,
      };
      let live: ReturnType<WorkflowMachine['transition']>;
      try {
        live = machine.getInitialSnapshot(
          scope,
          params.thread === undefined ? startInput : { ...startInput, thread: params.thread },
        );
      } catch (err) {
        throw machineFailed(params.taskId, err);
      }
      if (live.status === 'error') throw machineFailed(params.taskId, live.error);
      return { snapshot: persistLive(live), effects: live.context.outbox };
    },

    apply(snapshot, event) {
      const before = checkSnapshot(snapshot);
      const parsed = WorkflowEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new WorkflowError(
          WorkflowErrorCode.InvalidEvent,
          `invalid event for task ${before.taskId}: ${formatIssues(parsed.error.issues)}`,
          {
            cause: parsed.error,
          },
        );
      }
      const current = snapshot as TaskSnapshot;
      // Stale or duplicate results, ticks with nothing due: answered from the same guards the machine uses,
      // without restoring an actor (the common case when the bus redelivers or supervisors sweep).
      if (current.status !== 'active' || !mayTransition(before, parsed.data)) {
        return { snapshot: current, effects: [], changed: false };
      }
      // The machine's transition function on the snapshot as persisted: no actor to restore, start and stop.
      let live: ReturnType<WorkflowMachine['transition']>;
      try {
        const resolved = machine.resolveState({ value: current.value, context: current.context });
        live = machine.transition(resolved, parsed.data, scope);
      } catch (err) {
        throw machineFailed(before.taskId, err);
      }
      if (live.status === 'error') throw machineFailed(before.taskId, live.error);
      if (live.context.seq === before.seq) return { snapshot: current, effects: [], changed: false };
      return { snapshot: persistLive(live), effects: live.context.outbox, changed: true };
    },

    view(snapshot, options) {
      return viewTask(wf, checkSnapshot(snapshot), options);
    },

    status(snapshot) {
      const ctx = checkSnapshot(snapshot);
      return { status: ctx.status, wakeAt: ctx.wakeAt };
    },

    pendingEffects(snapshot) {
      const ctx = checkSnapshot(snapshot);
      return ctx.outbox.map((persisted): Effect => {
        const effect = persisted as Effect;
        if (effect.kind === 'dispatch' && !Object.hasOwn(effect, 'input')) {
          const def = wf.steps.find((s) => s.id === effect.stepId)!;
          const instance = ctx.instances.find((i) => i.key === effect.stepKey)!;
          return { ...effect, input: inputFor(wf, def, ctx, instance) };
        }
        if (effect.kind === 'complete' && !Object.hasOwn(effect, 'result')) {
          const result =
            effect.status === 'completed' ? wf.result(buildStepContext(wf, ctx)) : partialResult(wf, ctx);
          return { ...effect, result };
        }
        return effect;
      });
    },
  };
}
