import { hostname } from 'node:os';
import {
  AbortSchema,
  ProgressEventType,
  Buckets,
  BusError,
  BusErrorCode,
  Consumers,
  ControlSchema,
  StepResultSchema,
  Streams,
  subjects,
  markTimeline,
  systemClock,
  TaskSubmitSchema,
  type Bus,
  type Clock,
  type Control,
  type StepAssignment,
  type StepResult,
  type TaskLog,
  type TaskSubmit,
  type TimerHandle,
  type WorkConsumer,
  type WorkMessage,
} from '@troupe/bus';
import { troupeMetrics, withWorkflowSpan } from '@troupe/telemetry';
import type { Effect } from '../workflow/effects.js';
import type { WorkflowEvent } from '../workflow/events.js';
import { createWorkflowEngine, type WorkflowEngine } from '../workflow/engine.js';
import { isWorkflowError } from '../workflow/errors.js';
import type { AnyWorkflow } from '../workflow/types.js';
import { startSupervisorHeartbeat } from './supervisor-heartbeat.js';
import { buildThread } from './thread.js';
import { transitionLog } from './transition-log.js';
import {
  TaskRecordSchema,
  taskKey,
  parseTaskKey,
  queuedRecord,
  TERMINAL_STATUSES,
  WakeupSchema,
  withLog,
  type TaskRecord,
  type Wakeup,
} from './task-record.js';
import { PACKAGE_VERSION } from '../version.js';

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
  instrument?: <T>(
    info: { taskId: string; workflow: string; event: string },
    fn: () => Promise<T>,
  ) => Promise<T>;
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
/** The error code of a task failed because its record outgrew what the server stores (max_payload). */
export const RECORD_TOO_LARGE = 'RECORD_TOO_LARGE';

/**
 * A stateless supervisor. Each event is applied the same way: read the task's record → restore its
 * machine → send the event → write back with compare-and-set (retry on conflict) → carry out the effects
 * idempotently → acknowledge. Any number may run; any one may die.
 */
export async function runSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const { bus } = options;
  const clock = options.clock ?? systemClock;
  const id =
    options.supervisorId ?? `sup-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const onError = options.onError ?? (() => undefined);
  const instrument =
    options.instrument ??
    (<T>(info: { taskId: string; workflow: string; event: string }, fn: () => Promise<T>) =>
      withWorkflowSpan(
        { workflow: info.workflow, taskId: info.taskId, attributes: { 'troupe.event': info.event } },
        () => fn(),
      ));
  const metrics = troupeMetrics();
  const engines = new Map<string, WorkflowEngine>();
  for (const workflow of options.workflows) engines.set(workflow.name, createWorkflowEngine(workflow));

  const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
  const wakeups = await bus.kv(Buckets.Wakeups, WakeupSchema);
  /** The last record this process read or wrote per task, with its revision: saves a read per event. */
  const cache = new Map<string, { value: TaskRecord; revision: number }>();
  const CACHE_LIMIT = 5_000;
  const remember = (key: string, entry: { value: TaskRecord; revision: number }) => {
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  };
  let applied = 0;
  const duplicateWindowMs = bus.topology.duplicateWindowMs;

  /**
   * Carries out a stored transition's effects: its assignments and aborts. Its progress events and audit
   * records are already stored, in the record's revision (the journal).
   */
  const carryOut = async (record: TaskRecord, effects: readonly Effect[]) => {
    const { taskId, tenant } = record;
    const work: Array<Promise<unknown>> = [];
    for (const effect of effects) {
      switch (effect.kind) {
        case 'dispatch': {
          const assignment: StepAssignment = {
            v: 1,
            taskId,
            tenant,
            workflow: record.workflow,
            stepKey: effect.stepKey,
            stepId: effect.stepId,
            attempt: effect.attempt,
            role: effect.role,
            input: effect.input,
            ...(effect.model ? { model: effect.model } : {}),
            ...(effect.tier ? { tier: effect.tier } : {}),
            timeoutMs: effect.timeoutMs,
            deadline: effect.deadline,
            dispatchedAt: effect.dispatchedAt,
          };
          work.push(bus.publishDurable(subjects.work(effect.role), assignment, { msgId: effect.dispatchId }));
          break;
        }
        case 'abort':
          bus.publish(
            subjects.abort(taskId),
            AbortSchema.parse({
              v: 1,
              taskId,
              stepKeys: effect.stepKeys,
              reason: effect.reason,
              at: clock.now(),
            }),
          );
          break;
        case 'event':
        case 'audit':
          break;
        case 'complete':
          if (effect.status === 'completed') metrics.taskCompleted({ workflow: record.workflow });
          else
            metrics.taskFailed({ workflow: record.workflow, errorType: effect.error?.code ?? effect.status });
          options.onTaskFinished?.(record);
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${String((never as Effect).kind)}`);
        }
      }
    }
    markTimeline('effects-sent', { taskId });
    await Promise.all(work);
  };

  /**
   * What KV `troupe_wakeups` holds per task, as this process last wrote or watched it. The stored time is a
   * lower bound of the task's next deadline, not the deadline itself: it is written only when the deadline
   * moves earlier (or the stored one has passed), so a task whose steps each push the deadline later costs
   * one write when it starts and one when it ends. A wake-up that comes too early finds nothing due, and
   * `rewake` then stores the real time.
   */
  const storedWake = new Map<string, number>();
  const scheduleWake = (key: string, after: number | null, terminal: boolean, force = false) => {
    const stored = storedWake.get(key);
    if (terminal || after === null) {
      timers.forget(key);
      if (stored === undefined && !force) return undefined;
      storedWake.delete(key);
      return wakeups.delete(key).catch((err) => onError(err, 'wakeups.delete'));
    }
    timers.set(key, { wakeAt: after, by: id });
    if (!force && stored !== undefined && stored <= after && stored > clock.now()) return undefined;
    storedWake.set(key, after);
    return wakeups.put(key, { wakeAt: after, by: id }).catch((err) => onError(err, 'wakeups.put'));
  };
  /** A wake-up found nothing due: store the task's real next deadline, or remove the wake-up. */
  const rewake = (key: string, record: TaskRecord) =>
    scheduleWake(
      key,
      record.wakeAt,
      record.snapshot === undefined || TERMINAL_STATUSES.has(record.status),
      true,
    );

  type Transition = (
    record: TaskRecord,
    engine: WorkflowEngine,
    now: number,
  ) => {
    snapshot: unknown;
    effects: Effect[];
    changed: boolean;
  };

  /**
   * Applies one transition with compare-and-set. Returns false when the task is unknown.
   */
  /**
   * Events for one task are applied one after another within this process: applied at once, all but
   * one would lose the compare-and-set and read again (n² round trips for a fan-out's results).
   */
  const queues = new Map<string, Promise<unknown>>();
  const applyToTask = (
    key: string,
    transition: Transition,
    label: string,
    unchanged?: (record: TaskRecord) => Promise<unknown> | undefined,
    incoming?: TaskLog,
  ): Promise<boolean> => inTurn(key, () => applyNow(key, transition, label, unchanged, incoming));
  /** Runs `fn` after everything queued before it for the same task in this process. */
  const inTurn = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    queues.set(key, run);
    void run
      .finally(() => {
        if (queues.get(key) === run) queues.delete(key);
      })
      .catch(() => undefined);
    return run;
  };

  const applyNow = async (
    key: string,
    transition: Transition,
    label: string,
    unchanged: ((record: TaskRecord) => Promise<unknown> | undefined) | undefined,
    incoming: TaskLog | undefined,
  ): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      let entry = attempt === 1 ? cache.get(key) : undefined;
      const fromCache = entry !== undefined;
      if (!entry) {
        const fresh = await tasks.get(key);
        if (!fresh) return false;
        entry = { value: fresh.value, revision: fresh.revision };
      }
      const record = entry.value;
      // Failed for a record too large to store: its snapshot is the last one that fit, not a final one.
      if (record.error?.code === RECORD_TOO_LARGE) {
        await unchanged?.(record);
        return true;
      }
      const engine = engines.get(record.workflow);
      if (!engine) {
        await failUnknownWorkflow(key, entry);
        return true;
      }
      const now = clock.now();
      const { snapshot, effects, changed } = transition(record, engine, now);
      markTimeline('transitioned', { taskId: record.taskId });
      if (!changed) {
        // Another supervisor may have moved the task on since this copy was cached: decide on a fresh read.
        if (fromCache) continue;
        // A result the task no longer waits for (a stale attempt) still brought its model calls' audit
        // records: they are stored, in a revision that changes nothing else.
        if (incoming && (incoming.audit.length > 0 || incoming.events.length > 0)) {
          if (!(await storeLogOnly(key, entry, incoming))) continue;
        }
        // The event was applied before (a redelivery). If its effects may not have gone out, send them again.
        if (record.snapshot !== undefined && now - record.updatedAt < duplicateWindowMs / 2) {
          await carryOut(record, engine.pendingEffects(record.snapshot));
        }
        await unchanged?.(record);
        return true;
      }
      const view = engine.status(snapshot);
      const complete = effects.find((e) => e.kind === 'complete');
      const next: TaskRecord = {
        ...withLog(record, transitionLog(record.taskId, effects, incoming)),
        status: view.status,
        updatedAt: now,
        seq: record.seq + 1,
        wakeAt: view.wakeAt,
        snapshot,
        ...(complete && complete.kind === 'complete'
          ? {
              ...(complete.result !== undefined ? { result: complete.result } : {}),
              ...(complete.error ? { error: complete.error } : {}),
            }
          : {}),
      };
      let revision: number;
      try {
        revision = await tasks.update(key, next, entry.revision);
        markTimeline('recorded', { taskId: record.taskId });
      } catch (err) {
        if (err instanceof BusError && err.code === BusErrorCode.CasConflict) {
          cache.delete(key);
          if (attempt < 50) continue;
        }
        if (err instanceof BusError && err.code === BusErrorCode.PayloadTooLarge) {
          await failTooLarge(key, entry, err);
          return true;
        }
        throw err;
      }
      await written(key, record, { value: next, revision }, effects, label);
      return true;
    }
  };

  /** Stores log records in a revision that changes nothing else; false when another write came first. */
  const storeLogOnly = async (
    key: string,
    entry: { value: TaskRecord; revision: number },
    log: TaskLog,
  ): Promise<boolean> => {
    try {
      const value = withLog(entry.value, log);
      const revision = await tasks.update(key, value, entry.revision);
      if (value.status === 'running') remember(key, { value, revision });
      return true;
    } catch (err) {
      if (err instanceof BusError && err.code === BusErrorCode.CasConflict) {
        cache.delete(key);
        return false;
      }
      throw err;
    }
  };

  /** A transition's record is stored: remember it, carry out its effects, move its wake-up. */
  const written = async (
    key: string,
    before: TaskRecord | undefined,
    entry: { value: TaskRecord; revision: number },
    effects: readonly Effect[],
    label: string,
  ) => {
    const next = entry.value;
    applied++;
    if (before?.snapshot === undefined) metrics.taskStarted({ workflow: next.workflow });
    // Only running tasks stay cached. A finished one is not read again (save for a stray late result), and
    // one that waits for a person hears nothing for minutes or days: keeping either costs its record's heap.
    if (next.status === 'running') remember(key, entry);
    else cache.delete(key);
    await Promise.all([
      instrument({ taskId: next.taskId, workflow: next.workflow, event: label }, () =>
        carryOut(next, effects),
      ),
      scheduleWake(key, next.wakeAt, TERMINAL_STATUSES.has(next.status)),
    ]);
  };

  /** The record of a task that starts, as its first transition leaves it. */
  const startedRecord = (
    record: TaskRecord,
    engine: WorkflowEngine,
    started: { snapshot: unknown; effects: readonly Effect[] },
    now: number,
  ): TaskRecord => {
    const view = engine.status(started.snapshot);
    return {
      ...withLog(record, transitionLog(record.taskId, started.effects)),
      status: view.status,
      updatedAt: now,
      seq: record.seq + 1,
      wakeAt: view.wakeAt,
      snapshot: started.snapshot,
    };
  };

  /**
   * Starts a submitted task by creating its record already started. 'exists' when a record is there (the
   * submission is redelivered, or someone else created it); 'not-started' when the task cannot start here
   * (unknown workflow, a thread to read first, input the workflow refuses): the caller takes the long way.
   */
  const createStarted = async (
    key: string,
    queued: TaskRecord,
    now: number,
  ): Promise<'started' | 'exists' | 'not-started'> => {
    const engine = engines.get(queued.workflow);
    if (!engine || queued.continueFrom !== undefined) return 'not-started';
    let started: { snapshot: unknown; effects: Effect[] };
    try {
      started = engine.start({
        taskId: queued.taskId,
        tenant: queued.tenant,
        input: queued.input,
        options: queued.options,
        at: now,
      });
    } catch (err) {
      if (isWorkflowError(err)) return 'not-started';
      throw err;
    }
    const record = startedRecord(queued, engine, started, now);
    let revision: number;
    try {
      revision = await tasks.create(key, record);
    } catch (err) {
      if (err instanceof BusError && err.code === BusErrorCode.CasConflict) return 'exists';
      if (err instanceof BusError && err.code === BusErrorCode.PayloadTooLarge) {
        await failTooLarge(key, { value: queued }, err);
        return 'started';
      }
      throw err;
    }
    await written(key, undefined, { value: record, revision }, started.effects, 'task.submit');
    return 'started';
  };

  /**
   * A record ended here, outside the workflow's own transitions (which end a task through the engine), with
   * the final event and audit record that say so.
   */
  const endedRecord = (
    record: TaskRecord,
    status: 'failed' | 'cancelled',
    error: { code: string; message: string },
  ): TaskRecord => {
    const at = clock.now();
    const seq = record.seq + 1;
    const id = `${record.taskId}.${seq}.${error.code.toLowerCase()}`;
    const type = status === 'failed' ? ProgressEventType.TaskFailed : ProgressEventType.TaskCancelled;
    const log: TaskLog = {
      events: [{ v: 1, id, taskId: record.taskId, type, at, data: error }],
      audit: [
        {
          v: 1,
          id,
          taskId: record.taskId,
          type,
          at,
          actor: 'supervisor',
          decision: status === 'failed' ? 'fail' : 'cancel',
          error: error.message,
          data: { code: error.code },
        },
      ],
    };
    return { ...withLog(record, log), status, updatedAt: at, seq, error };
  };

  /**
   * A transition whose record the server would refuse (the input and step outputs it keeps are over
   * max_payload) cannot be stored, and without a record the task would never move again: it fails with the
   * reason instead, keeping the last snapshot that fit (none when even its first did not), which shows how
   * far it got. Without a `stored.revision` no record exists yet.
   */
  const failTooLarge = async (
    key: string,
    stored: { value: TaskRecord; revision?: number },
    cause: BusError,
  ) => {
    const { taskId, workflow } = stored.value;
    const error = {
      code: RECORD_TOO_LARGE,
      message:
        `task ${taskId} cannot go on: its record would not fit in the store (${cause.message}). ` +
        "Keep its input and step outputs smaller, or raise the server's max_payload.",
    };
    const failed: TaskRecord = { ...endedRecord(stored.value, 'failed', error), wakeAt: null };
    const write = (record: TaskRecord) =>
      stored.revision === undefined ? tasks.create(key, record) : tasks.update(key, record, stored.revision);
    try {
      await write(failed);
    } catch (err) {
      if (!(err instanceof BusError && err.code === BusErrorCode.PayloadTooLarge)) throw err;
      // Even the input alone is too large: the record says so instead of holding it.
      await write({ ...failed, input: { omitted: error.message } });
    }
    cache.delete(key);
    await scheduleWake(key, null, true, true);
    metrics.taskFailed({ workflow, errorType: RECORD_TOO_LARGE });
    options.onTaskFinished?.(failed);
  };

  const failUnknownWorkflow = async (key: string, entry: { value: TaskRecord; revision: number }) => {
    if (TERMINAL_STATUSES.has(entry.value.status)) return;
    const next = endedRecord(entry.value, 'failed', {
      code: 'UNKNOWN_WORKFLOW',
      message: `workflow "${entry.value.workflow}" is not known to supervisor ${id}`,
    });
    await tasks.update(key, next, entry.revision).catch(() => undefined);
  };

  // ---- task submissions ------------------------------------------------------------------------------

  const onSubmit = async (msg: WorkMessage<TaskSubmit>) => {
    const submit = msg.data;
    const key = taskKey(submit.tenant, submit.taskId);
    const now = clock.now();
    const queued = queuedRecord(submit, now);
    // The supervisor is the only writer of task records: a submission's record is created already
    // started, one KV write before the first dispatch. It exists already when the submission comes again,
    // or when a cancel came first.
    const created = await inTurn(key, () => createStarted(key, queued, now));
    if (created === 'started') return;
    if (created === 'not-started') {
      try {
        remember(key, { value: queued, revision: await tasks.create(key, queued) });
      } catch (err) {
        if (!(err instanceof BusError && err.code === BusErrorCode.CasConflict)) throw err;
      }
    }
    const thread = submit.continueFrom
      ? buildThread((await tasks.get(taskKey(submit.tenant, submit.continueFrom)))?.value)
      : undefined;
    await applyToTask(
      key,
      (record, engine, now) => {
        if (record.snapshot !== undefined || TERMINAL_STATUSES.has(record.status)) {
          return { snapshot: record.snapshot, effects: [], changed: false };
        }
        const started = engine.start({
          taskId: record.taskId,
          tenant: record.tenant,
          input: record.input,
          options: record.options,
          ...(thread !== undefined ? { thread } : {}),
          at: now,
        });
        return { snapshot: started.snapshot, effects: started.effects, changed: true };
      },
      'task.submit',
    ).catch(async (err: unknown) => {
      // Input or options the workflow refuses: the task fails with the reason, and the message is done.
      if (!isWorkflowError(err)) throw err;
      const ended = await endUnstarted(key, 'failed', { code: err.code, message: err.message });
      if (ended) options.onTaskFinished?.(ended.value);
    });
  };

  // ---- results and control -------------------------------------------------------------------------

  const toEvent = (data: StepResult | Control, at: number): WorkflowEvent | undefined => {
    if ('ok' in data) {
      return data.ok
        ? {
            type: 'step.succeeded',
            at,
            stepKey: data.stepKey,
            attempt: data.attempt,
            output: data.output,
            usage: data.usage,
            agentId: data.agentId,
          }
        : {
            type: 'step.failed',
            at,
            stepKey: data.stepKey,
            attempt: data.attempt,
            error: data.error,
            agentId: data.agentId,
            ...(data.usage ? { usage: data.usage } : {}),
          };
    }
    switch (data.type) {
      case 'cancel':
        return { type: 'cancel', at, ...(data.reason ? { reason: data.reason } : {}) };
      case 'review':
        return {
          type: 'review.decision',
          at,
          decision: data.decision,
          ...(data.notes ? { notes: data.notes } : {}),
          ...(data.by ? { by: data.by } : {}),
        };
      case 'step-lost':
        return { type: 'step.lost', at, stepKey: data.stepKey, attempt: data.attempt, reason: data.reason };
      default:
        return undefined;
    }
  };

  /** Ends a task no supervisor has started yet (its record has no snapshot); any other record is left as it is. */
  const endUnstarted = (
    key: string,
    status: 'failed' | 'cancelled',
    error: { code: string; message: string },
  ) =>
    tasks.casUpdate(key, (current) =>
      current && current.value.snapshot === undefined && !TERMINAL_STATUSES.has(current.value.status)
        ? endedRecord(current.value, status, error)
        : undefined,
    );

  /**
   * A cancel that arrives before any supervisor started the task ends it right there; when it comes before
   * the submission was even read, the task's record is created from its submission, already cancelled,
   * and the submission then finds it ended.
   */
  const cancelQueued = async (key: string, tenant: string, taskId: string, reason: string | undefined) => {
    if (!cache.has(key) && !(await tasks.get(key))) {
      const submit = await bus.lastOnSubject(
        Streams.Tasks,
        subjects.taskSubmit(tenant, taskId),
        TaskSubmitSchema,
      );
      if (!submit) return;
      await tasks.create(key, queuedRecord(submit, clock.now())).catch((err: unknown) => {
        if (!(err instanceof BusError && err.code === BusErrorCode.CasConflict)) throw err;
      });
    }
    const written = await endUnstarted(key, 'cancelled', {
      code: 'CANCELLED',
      message: `cancelled before it started${reason ? `: ${reason}` : ''}`,
    });
    if (written?.value.status === 'cancelled') {
      cache.delete(key);
      options.onTaskFinished?.(written.value);
    }
  };

  const ResultOrControl = StepResultSchema.or(ControlSchema);
  const onResult = async (msg: WorkMessage<StepResult | Control>) => {
    const data = msg.data;
    const key = taskKey(data.tenant, data.taskId);
    if ('type' in data && data.type === 'cancel')
      await cancelQueued(key, data.tenant, data.taskId, data.reason);
    const label = 'ok' in data ? (data.ok ? 'step.succeeded' : 'step.failed') : `control.${data.type}`;
    const known = await applyToTask(
      key,
      (record, engine, now) => {
        const event = toEvent(data, now);
        if (!event || record.snapshot === undefined)
          return { snapshot: record.snapshot, effects: [], changed: false };
        return engine.apply(record.snapshot, event);
      },
      label,
      undefined,
      'ok' in data ? data.log : undefined,
    );
    if (!known) onError(new Error(`${label} for unknown task ${key}`), 'result');
  };

  // ---- timers --------------------------------------------------------------------------------------

  const timers = createWakeTable(clock, options.foreignWakeGraceMs ?? 2_000, id, async (key) => {
    const known = await applyToTask(
      key,
      (record, engine, now) =>
        record.snapshot === undefined || TERMINAL_STATUSES.has(record.status)
          ? { snapshot: record.snapshot, effects: [], changed: false }
          : engine.apply(record.snapshot, { type: 'tick', at: now }),
      'tick',
      (record) => rewake(key, record),
    ).catch((err: unknown) => {
      onError(err, 'tick');
      return true;
    });
    if (!known) await scheduleWake(key, null, true, true);
  });
  const watcher = await wakeups.kv.watch();
  const watching = (async () => {
    for await (const entry of watcher) {
      if (entry.operation !== 'PUT') {
        storedWake.delete(entry.key);
        timers.forget(entry.key);
        continue;
      }
      try {
        const wakeup = WakeupSchema.parse(entry.json());
        storedWake.set(entry.key, wakeup.wakeAt);
        timers.set(entry.key, wakeup);
      } catch (err) {
        onError(err, 'wakeups.watch');
      }
    }
  })();

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const heartbeat = await startSupervisorHeartbeat({
    bus,
    clock,
    supervisorId: id,
    concurrency,
    version: options.version ?? PACKAGE_VERSION,
    intervalMs: options.heartbeatIntervalMs ?? 5_000,
    handled: () => applied,
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
      schema: ResultOrControl,
      concurrency,
      handler: heartbeat.track(onResult),
      onError: (err) => onError(err, 'result'),
    }),
  ]);

  // Work queue depth per role, read from the consumers' pending counts when metrics are collected.
  const stopObservingDepth = metrics.observeWorkQueueDepth(async (report) => {
    for await (const info of bus.jsm.consumers.list(Streams.Work)) {
      const role = info.config.filter_subject?.split('.').pop();
      if (role) report(role, info.num_pending + info.num_ack_pending);
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    id,
    get applied() {
      return applied;
    },
    stop() {
      stopping ??= (async () => {
        await heartbeat.drain();
        await Promise.all(consumers.map((c) => c.stop()));
        stopObservingDepth();
        timers.stop();
        watcher.stop();
        await watching.catch(() => undefined);
        await heartbeat.stop();
      })();
      return stopping;
    },
  };
}

/**
 * Every task's next wake-up time, with one timer. The timer may be early (its entry was replaced by a later
 * time or forgotten): it then finds nothing due and is armed again from one scan of the table. Only a time
 * earlier than the timer's moves it, so setting an entry costs no scan.
 */
function createWakeTable(clock: Clock, graceMs: number, self: string, fire: (key: string) => Promise<void>) {
  const table = new Map<string, Wakeup>();
  let timer: TimerHandle | undefined;
  let timerAt = Infinity;
  let stopped = false;
  const due = (w: Wakeup) => w.wakeAt + (w.by === self ? 0 : graceMs);
  const armAt = (at: number) => {
    if (stopped || at >= timerAt) return;
    if (timer) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(run, Math.max(0, at - clock.now()));
  };
  const run = () => {
    timer = undefined;
    timerAt = Infinity;
    const now = clock.now();
    const ready: string[] = [];
    let next = Infinity;
    for (const [key, w] of table) {
      const at = due(w);
      if (at <= now) ready.push(key);
      else if (at < next) next = at;
    }
    for (const key of ready) table.delete(key);
    if (next !== Infinity) armAt(next);
    for (const key of ready) void fire(key);
  };
  return {
    set(key: string, wakeup: Wakeup) {
      table.set(key, wakeup);
      armAt(due(wakeup));
    },
    forget(key: string) {
      table.delete(key);
    },
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
    keys: () => [...table.keys()].map(parseTaskKey),
  };
}
