import { hostname } from 'node:os';
import {
  Buckets,
  Consumers,
  Streams,
  systemClock,
  TaskSubmitSchema,
  type Bus,
  type Clock,
  type WorkConsumer,
} from '@troupe/bus';
import { troupeMetrics, withWorkflowSpan } from '@troupe/telemetry';
import { createWorkflowEngine, type WorkflowEngine } from '../workflow/engine.js';
import type { AnyWorkflow } from '../workflow/types.js';
import { PACKAGE_VERSION } from '../version.js';
import { createAfterWrite, type Instrument } from './after-write.js';
import { createEventApplier } from './apply-event.js';
import { createEffects } from './effects.js';
import { createResults, ResultOrControlSchema } from './results.js';
import { createSubmissions } from './submissions.js';
import { startSupervisorHeartbeat } from './supervisor-heartbeat.js';
import { TaskRecordSchema, WakeupSchema, type TaskRecord } from './task-record.js';
import { createTaskStore } from './task-store.js';
import { createTicks } from './ticks.js';
import { createWakeups } from './wakeups.js';
import { observeWorkQueueDepth } from './work-queue-depth.js';

export interface SupervisorOptions {
  bus: Bus;
  workflows: readonly AnyWorkflow[];
  clock?: Clock;
  /** Events handled at once by this process. */
  concurrency?: number;
  /** A supervisor gives the one that wrote a wake-up this long before it ticks the task itself. */
  foreignWakeGraceMs?: number;
  supervisorId?: string;
  /** How often this supervisor's heartbeat goes to KV `troupe_agents` (default 5 s). */
  heartbeatIntervalMs?: number;
  /** Reported in the heartbeat. */
  version?: string;
  onError?: (err: unknown, context: string) => void;
  /** Runs each event's handling inside a span (packages/telemetry plugs in here). */
  instrument?: Instrument;
  /** Called when a task reaches a final state. */
  onTaskFinished?: (record: TaskRecord) => void;
}

export interface Supervisor {
  readonly id: string;
  /** Events applied by this supervisor (a write that won its compare-and-set). */
  readonly applied: number;
  stop(): Promise<void>;
}

const DEFAULT_CONCURRENCY = 64;

/**
 * A stateless supervisor. Each event is applied the same way: read the task's record → restore its
 * machine → send the event → write back with compare-and-set (retry on conflict) → carry out the effects
 * idempotently → acknowledge. Any number may run; any one may die.
 */
export async function runSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const { bus, onTaskFinished } = options;
  const clock = options.clock ?? systemClock;
  const id =
    options.supervisorId ?? `sup-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const onError = options.onError ?? (() => undefined);
  const instrument: Instrument =
    options.instrument ??
    ((info, fn) =>
      withWorkflowSpan(
        { workflow: info.workflow, taskId: info.taskId, attributes: { 'troupe.event': info.event } },
        () => fn(),
      ));
  const metrics = troupeMetrics();
  const engines = new Map<string, WorkflowEngine>();
  for (const workflow of options.workflows) engines.set(workflow.name, createWorkflowEngine(workflow));

  const store = createTaskStore({
    tasks: await bus.kv(Buckets.Tasks, TaskRecordSchema),
    clock,
    supervisorId: id,
  });
  const wakeups = createWakeups({
    wakeups: await bus.kv(Buckets.Wakeups, WakeupSchema),
    clock,
    supervisorId: id,
    foreignWakeGraceMs: options.foreignWakeGraceMs ?? 2_000,
    onError,
    // A tick writes the task's next wake-up: the two refer to each other, and `tick` is set before any fires.
    fire: (key) => tick(key),
  });
  const effects = createEffects({ bus, clock, metrics, onTaskFinished });
  const afterWrite = createAfterWrite({ store, effects, wakeups, metrics, instrument, onTaskFinished });
  const applier = createEventApplier({
    store,
    engines,
    effects,
    afterWrite,
    clock,
    duplicateWindowMs: bus.topology.duplicateWindowMs,
  });
  const tick = createTicks({ applier, wakeups, onError });
  const { onSubmit } = createSubmissions({ store, engines, applier, afterWrite, clock, onTaskFinished });
  const { onResult } = createResults({ bus, clock, store, applier, onError, onTaskFinished });
  await wakeups.watch();

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const heartbeat = await startSupervisorHeartbeat({
    bus,
    clock,
    supervisorId: id,
    concurrency,
    version: options.version ?? PACKAGE_VERSION,
    intervalMs: options.heartbeatIntervalMs ?? 5_000,
    handled: () => afterWrite.applied,
    onError,
  });
  const consumers: WorkConsumer[] = await Promise.all([
    bus.consumeDurable({
      stream: Streams.Tasks,
      durable: Consumers.SupervisorTasks,
      schema: TaskSubmitSchema,
      concurrency,
      handler: heartbeat.track(onSubmit),
      onError: (err) => onError(err, 'submit'),
    }),
    bus.consumeDurable({
      stream: Streams.Results,
      durable: Consumers.SupervisorResults,
      schema: ResultOrControlSchema,
      concurrency,
      handler: heartbeat.track(onResult),
      onError: (err) => onError(err, 'result'),
    }),
  ]);
  const stopObservingDepth = observeWorkQueueDepth(bus, metrics);

  let stopping: Promise<void> | undefined;
  return {
    id,
    get applied() {
      return afterWrite.applied;
    },
    stop() {
      stopping ??= (async () => {
        await heartbeat.drain();
        await Promise.all(consumers.map((c) => c.stop()));
        stopObservingDepth();
        await wakeups.stop();
        await heartbeat.stop();
      })();
      return stopping;
    },
  };
}
