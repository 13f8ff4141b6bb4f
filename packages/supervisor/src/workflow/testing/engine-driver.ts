import type { Usage } from '@troupe/bus';
import type { EngineContext } from '../context.js';
import type { Effect } from '../effects.js';
import type { ApplyResult, TaskSnapshot, WorkflowEngine } from '../engine.js';
import { createWorkflowEngine } from '../engine.js';
import type { WorkflowEvent } from '../events.js';
import type { Workflow } from '../types.js';
import type { TaskView } from '../view.js';

/** Usage an agent reports for one step, overridable per call. */
export function testUsage(overrides: Partial<Usage> = {}): Usage {
  return {
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.001,
    latencyMs: 1_200,
    model: 'offline:echo',
    provider: 'offline',
    ...overrides,
  };
}

type EventWithoutAt = WorkflowEvent extends infer E
  ? E extends WorkflowEvent
    ? Omit<E, 'at'> & { at?: number }
    : never
  : never;

export interface EngineDriverOptions {
  taskId?: string;
  tenant?: string;
  input: unknown;
  options?: unknown;
  thread?: unknown;
  /** Start time (default 1_000_000). */
  at?: number;
  /** Pass every snapshot through JSON.stringify/parse, as KV would (default true). */
  roundTrip?: boolean;
}

/**
 * Drives one task through a workflow engine the way the runtime does, with explicit times and no timers:
 * every snapshot goes through JSON, every applied transition is checked to carry an audit record.
 * For tests of workflows and of the runtime.
 */
export function createEngineDriver<TInput, TResult>(
  workflow: Workflow<TInput, TResult>,
  options: EngineDriverOptions,
) {
  const engine: WorkflowEngine<TInput, TResult> = createWorkflowEngine(workflow);
  const roundTrip = options.roundTrip ?? true;
  let now = options.at ?? 1_000_000;
  const taskId = options.taskId ?? 'task-1';
  const started = engine.start({
    taskId,
    tenant: options.tenant ?? 'acme',
    input: options.input,
    options: options.options,
    thread: options.thread,
    at: now,
  });
  const store = (s: TaskSnapshot): TaskSnapshot =>
    roundTrip ? (JSON.parse(JSON.stringify(s)) as TaskSnapshot) : s;
  let snapshot = store(started.snapshot);
  let last: Effect[] = started.effects;
  const history: Effect[][] = [started.effects];
  checkAudit(started.effects, 'start');

  function checkAudit(effects: Effect[], what: string) {
    if (!effects.some((e) => e.kind === 'audit'))
      throw new Error(`transition ${what} produced no audit record`);
  }

  const ctx = (): EngineContext => snapshot.context;
  const attemptOf = (stepKey: string): number => {
    const instance = ctx().instances.find((i) => i.key === stepKey);
    if (!instance)
      throw new Error(
        `no step instance ${stepKey} (have: ${ctx()
          .instances.map((i) => i.key)
          .join(', ')})`,
      );
    return instance.attempt;
  };

  const driver = {
    engine,
    taskId,
    get snapshot(): TaskSnapshot {
      return snapshot;
    },
    get ctx(): EngineContext {
      return ctx();
    },
    get view(): TaskView {
      return engine.view(snapshot);
    },
    get status() {
      return ctx().status;
    },
    get now() {
      return now;
    },
    /** Effects of the latest applied transition. */
    get effects(): Effect[] {
      return last;
    },
    history,
    setTime(at: number) {
      now = at;
    },
    advance(ms: number) {
      now += ms;
    },
    send(event: EventWithoutAt): ApplyResult {
      const full = { ...event, at: event.at ?? now } as WorkflowEvent;
      now = Math.max(now, full.at);
      const result = engine.apply(snapshot, full);
      if (result.changed) {
        checkAudit(result.effects, full.type);
        snapshot = store(result.snapshot);
        last = result.effects;
        history.push(result.effects);
      }
      return result;
    },
    succeed(
      stepKey: string,
      output: unknown,
      extra: { usage?: Partial<Usage>; at?: number; attempt?: number; agentId?: string } = {},
    ) {
      return driver.send({
        type: 'step.succeeded',
        stepKey,
        attempt: extra.attempt ?? attemptOf(stepKey),
        output,
        usage: testUsage(extra.usage),
        agentId: extra.agentId ?? `agent-${stepKey}`,
        ...(extra.at === undefined ? {} : { at: extra.at }),
      });
    },
    fail(
      stepKey: string,
      error: { code?: string; message?: string; retryable?: boolean } = {},
      extra: { at?: number; attempt?: number } = {},
    ) {
      return driver.send({
        type: 'step.failed',
        stepKey,
        attempt: extra.attempt ?? attemptOf(stepKey),
        error: {
          code: error.code ?? 'MODEL_ERROR',
          message: error.message ?? 'model unavailable',
          retryable: error.retryable ?? true,
        },
        ...(extra.at === undefined ? {} : { at: extra.at }),
      });
    },
    lost(stepKey: string, reason = 'agent gone', extra: { at?: number; attempt?: number } = {}) {
      return driver.send({
        type: 'step.lost',
        stepKey,
        attempt: extra.attempt ?? attemptOf(stepKey),
        reason,
        ...(extra.at === undefined ? {} : { at: extra.at }),
      });
    },
    tick(at?: number) {
      return driver.send(at === undefined ? { type: 'tick' } : { type: 'tick', at });
    },
    /** Keys of instances currently dispatched. */
    dispatched(): string[] {
      return ctx()
        .instances.filter((i) => i.status === 'dispatched')
        .map((i) => i.key);
    },
    /** Dispatch effects of the latest transition. */
    dispatches() {
      return last.filter((e) => e.kind === 'dispatch');
    },
    events(type?: string) {
      return last.filter((e) => e.kind === 'event' && (type === undefined || e.type === type));
    },
    allEffects(): Effect[] {
      return history.flat();
    },
  };
  return driver;
}

export type EngineDriver = ReturnType<typeof createEngineDriver>;
