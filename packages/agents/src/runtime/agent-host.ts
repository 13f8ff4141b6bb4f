import { hostname } from 'node:os';
import { createServer, type Server } from 'node:http';
import {
  AbortSchema,
  Buckets,
  BusErrorCode,
  HeartbeatSchema,
  isBusError,
  StepAssignmentSchema,
  subjects,
  systemClock,
  markTimeline,
  toTroupeError,
  type AuditRecord,
  type Bus,
  type Clock,
  type Control,
  type Heartbeat,
  type StepAssignment,
  type StepError,
  type StepResult,
  type TaskEvent,
  type TaskLog,
  type TimerHandle,
  type Usage,
  type WorkConsumer,
} from '@troupe/bus';
import { z } from 'zod';
import { PACKAGE_VERSION } from '../version.js';

/** What one step's execution reports back to the host. */
export interface StepOutcome {
  output: unknown;
  usage: Usage;
}

export interface StepContext {
  assignment: StepAssignment;
  agentId: string;
  /** Aborted when the task is cancelled, the step is aborted, or the process shuts down hard. */
  signal: AbortSignal;
  /** A progress event for the task's journal (`model.delta` goes out live only). */
  emit(type: string, data?: Record<string, unknown>): void;
  /** An audit record for the task's audit log (the journal). */
  audit(record: Omit<AuditRecord, 'v' | 'id' | 'taskId' | 'actor'> & { actor?: string }): void;
}

/** An error a step ends with; `retryable` tells the supervisor whether another attempt may help. */
export interface StepFailure {
  code: string;
  message: string;
  retryable: boolean;
  usage?: Usage;
}

export type ExecuteStep = (ctx: StepContext) => Promise<StepOutcome>;

export interface AgentHostOptions {
  bus: Bus;
  /** The roles this process serves (one consumer each). */
  roles: readonly string[];
  execute: ExecuteStep;
  /** Steps handled at once per role. */
  concurrency?: number;
  agentId?: string;
  version?: string;
  clock?: Clock;
  heartbeatIntervalMs?: number;
  /** Also answer GET /healthz on this port (0 = any free port). */
  healthPort?: number;
  /** Maps a thrown error to what the supervisor is told. */
  classifyError?: (err: unknown) => StepFailure;
  onError?: (err: unknown, context: string) => void;
  /** Runs each step inside a span (packages/telemetry plugs in here). */
  instrument?: <T>(assignment: StepAssignment, agentId: string, fn: () => Promise<T>) => Promise<T>;
}

export interface AgentHost {
  readonly agentId: string;
  readonly inFlight: number;
  readonly healthUrl: string | undefined;
  /** Stops pulling, lets the steps in flight finish, then disconnects nothing (the caller owns the bus). */
  drain(): Promise<void>;
}

const defaultClassify = (err: unknown): StepFailure => {
  const e = toTroupeError(err);
  const retryable = (e as { retryable?: unknown }).retryable;
  return {
    code: e.code,
    message: e.message,
    retryable: typeof retryable === 'boolean' ? retryable : e.code !== 'INVALID_OUTPUT',
  };
};

/** How long a finished step waits for a dropped connection to come back before it lets its result go. */
const RESEND_WAIT_MS = 30_000;

/** Characters of streamed model output gathered into one `model.delta` progress event. */
const DELTA_CHUNK = 400;

/**
 * A step still running this long after it started sends its events live (those so far, then each as it
 * comes) and its model's streamed text (held until then): a watcher then sees a model call while it runs. A
 * quicker step's events arrive with its result, and its streamed text is not sent (the answer is in it).
 */
const LIVE_AFTER_MS = 250;

export const HealthSchema = z.object({
  agentId: z.string(),
  roles: z.array(z.string()),
  status: z.enum(['ready', 'draining']),
  inFlight: z.number(),
  uptimeMs: z.number(),
});

/**
 * Hosts roles in this process: pulls assignments with bounded concurrency (kept alive while busy),
 * publishes results (carrying the step's progress events and audit records), heartbeats, answers health probes, and aborts a
 * step when its task is cancelled.
 */
export async function startAgentHost(options: AgentHostOptions): Promise<AgentHost> {
  const { bus } = options;
  const clock = options.clock ?? systemClock;
  const agentId =
    options.agentId ?? `${options.roles[0]}-${hostname().replace(/[^A-Za-z0-9_-]/g, '')}-${process.pid}`;
  const concurrency = options.concurrency ?? 4;
  const classify = options.classifyError ?? defaultClassify;
  const onError = options.onError ?? (() => undefined);
  const instrument = options.instrument ?? ((_a, _id, fn) => fn());
  const startedAt = clock.now();
  let status: 'ready' | 'draining' = 'ready';
  let inFlight = 0;
  /** Steps whose result went out, for the heartbeat. */
  let handled = 0;
  /** Per task: the abort controllers of its steps in flight here, by step key. */
  const running = new Map<string, Map<string, AbortController>>();

  const abortSub = bus.subscribe(subjects.allAborts(), AbortSchema, (msg) => {
    const steps = running.get(msg.data.taskId);
    if (!steps) return;
    for (const [stepKey, controller] of steps) {
      if (!msg.data.stepKeys || msg.data.stepKeys.includes(stepKey))
        controller.abort(new Error(msg.data.reason));
    }
  });

  /**
   * Runs a step. Its progress events and audit records travel in its result and are stored with the
   * transition that applies it: the result is the step's one durable write. A step that runs longer than
   * `LIVE_AFTER_MS` also sends its events live (`troupe.live.<taskId>`, core NATS, for whoever watches the
   * task now), and from then its model's streamed text too, a few hundred characters at a time; that text
   * goes out live only (the journal keeps the answer).
   */
  const runStep = async (assignment: StepAssignment): Promise<StepResult> => {
    const controller = new AbortController();
    const perTask = running.get(assignment.taskId) ?? new Map<string, AbortController>();
    perTask.set(assignment.stepKey, controller);
    running.set(assignment.taskId, perTask);
    const log: TaskLog = { events: [], audit: [] };
    let eventSeq = 0;
    let deltaText = '';
    const idBase = `${assignment.taskId}.${assignment.stepKey}.${assignment.attempt}`;
    const resultHeader = () => ({
      v: 1 as const,
      taskId: assignment.taskId,
      tenant: assignment.tenant,
      stepKey: assignment.stepKey,
      attempt: assignment.attempt,
      agentId,
      finishedAt: clock.now(),
      log,
    });
    const event = (type: string, data: Record<string, unknown>): TaskEvent => ({
      v: 1,
      id: `${idBase}.ev${eventSeq++}`,
      taskId: assignment.taskId,
      type,
      at: clock.now(),
      stepKey: assignment.stepKey,
      data: { agentId, attempt: assignment.attempt, ...data },
    });
    const live = subjects.live(assignment.taskId);
    let sendingLive = false;
    /** Sends the streamed text so far once the step is live; before, holds it, and drops it at its end. */
    const flushDelta = (final: boolean) => {
      if (!deltaText) return;
      if (sendingLive) bus.publish(live, event('model.delta', { text: deltaText, final }));
      else if (!final) return;
      deltaText = '';
    };
    const liveTimer = clock.setTimeout(() => {
      sendingLive = true;
      for (const e of log.events) bus.publish(live, e);
      flushDelta(false);
    }, LIVE_AFTER_MS);
    const ctx: StepContext = {
      assignment,
      agentId,
      signal: controller.signal,
      emit(type, data = {}) {
        if (type === 'model.delta') {
          deltaText += String(data['text'] ?? '');
          if (deltaText.length >= DELTA_CHUNK) flushDelta(false);
          return;
        }
        flushDelta(true);
        const stored = event(type, data);
        log.events.push(stored);
        if (sendingLive) bus.publish(live, stored);
      },
      audit(record) {
        log.audit.push({
          v: 1,
          id: `${idBase}.au${log.audit.length}`,
          taskId: assignment.taskId,
          actor: `agent:${agentId}`,
          ...record,
        });
      },
    };
    try {
      const outcome = await instrument(assignment, agentId, () => options.execute(ctx));
      markTimeline('executed', { taskId: assignment.taskId });
      flushDelta(true);
      return { ...resultHeader(), ok: true, output: outcome.output, usage: outcome.usage };
    } catch (err) {
      flushDelta(true);
      const failure: StepFailure = controller.signal.aborted
        ? {
            code: 'ABORTED',
            message: `step aborted: ${String((controller.signal.reason as Error)?.message ?? 'cancelled')}`,
            retryable: false,
          }
        : classify(err);
      const error: StepError = { code: failure.code, message: failure.message, retryable: failure.retryable };
      return { ...resultHeader(), ok: false, error, ...(failure.usage ? { usage: failure.usage } : {}) };
    } finally {
      clock.clearTimeout(liveTimer);
      perTask.delete(assignment.stepKey);
      if (perTask.size === 0) running.delete(assignment.taskId);
    }
  };

  const consumers: WorkConsumer[] = [];
  for (const role of options.roles) {
    consumers.push(
      await bus.consumeWork({
        role,
        schema: StepAssignmentSchema,
        concurrency,
        handler: async (msg) => {
          inFlight++;
          try {
            const result = await runStep(msg.data);
            const publish = () =>
              bus.publishDurable(subjects.result(role, result.taskId), result, {
                msgId: `result.${result.taskId}.${result.stepKey}.${result.attempt}`,
              });
            const published = publish();
            markTimeline('result-sent', { taskId: result.taskId });
            try {
              await published;
            } catch (err) {
              // The connection dropped under the result: the step's work is done, so the result goes again
              // once connected (same id) instead of the step running again on redelivery.
              if (!isBusError(err, BusErrorCode.Disconnected)) throw err;
              // Still down: the assignment comes back by redelivery, and the step runs again then.
              if (!(await bus.whenConnected(RESEND_WAIT_MS))) throw err;
              await publish();
            }
            handled++;
          } finally {
            inFlight--;
          }
        },
        onDeadLetter: async (record, decoded) => {
          const parsed = StepAssignmentSchema.safeParse(decoded);
          if (!parsed.success) return;
          // The step will never be delivered again: tell the supervisor, which reassigns or fails it. It goes
          // on the role's result subject, the only one an agent's user may publish step news to.
          const lost: Control = {
            v: 1,
            type: 'step-lost',
            taskId: parsed.data.taskId,
            tenant: parsed.data.tenant,
            stepKey: parsed.data.stepKey,
            attempt: parsed.data.attempt,
            reason: `assignment dead-lettered after ${record.deliveries} deliveries: ${record.error}`,
            at: clock.now(),
          };
          await bus.publishDurable(subjects.result(role, lost.taskId), lost, {
            msgId: `lost.${lost.taskId}.${lost.stepKey}.${lost.attempt}`,
          });
        },
        onError: (err) => onError(err, `work-${role}`),
      }),
    );
  }

  // ---- heartbeats and health -----------------------------------------------------------------------
  const agents = await bus.kv(Buckets.Agents, HeartbeatSchema);
  const heartbeat = (): Heartbeat => ({
    v: 1,
    kind: 'agent',
    agentId,
    roles: [...options.roles],
    host: hostname(),
    pid: process.pid,
    inFlight,
    concurrency,
    version: options.version ?? PACKAGE_VERSION,
    startedAt,
    at: clock.now(),
    status,
    handled,
  });
  const beat = async () => {
    const hb = heartbeat();
    for (const role of options.roles) bus.publish(subjects.heartbeat(role, agentId), hb);
    await agents.put(agentId, hb).catch((err) => onError(err, 'heartbeat'));
  };
  const interval = options.heartbeatIntervalMs ?? 5_000;
  let beatTimer: TimerHandle | undefined;
  const loop = () => {
    void beat();
    beatTimer = clock.setTimeout(loop, interval);
  };
  loop();

  const health = () => ({
    agentId,
    roles: [...options.roles],
    status,
    inFlight,
    uptimeMs: clock.now() - startedAt,
  });
  const healthSub = bus.respondRaw(subjects.health(agentId), () => JSON.stringify(health()));
  let httpServer: Server | undefined;
  let healthUrl: string | undefined;
  if (options.healthPort !== undefined) {
    httpServer = createServer((req, res) => {
      const body = JSON.stringify(health());
      res.writeHead(req.url === '/healthz' && status === 'ready' ? 200 : req.url === '/healthz' ? 503 : 404, {
        'content-type': 'application/json',
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => httpServer!.listen(options.healthPort, '127.0.0.1', resolve));
    const address = httpServer.address();
    healthUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/healthz`;
  }

  let draining: Promise<void> | undefined;
  return {
    agentId,
    get inFlight() {
      return inFlight;
    },
    healthUrl,
    drain() {
      draining ??= (async () => {
        status = 'draining';
        await beat();
        await Promise.all(consumers.map((c) => c.stop()));
        if (beatTimer) clock.clearTimeout(beatTimer);
        abortSub.unsubscribe();
        healthSub.unsubscribe();
        await agents.delete(agentId).catch(() => undefined);
        await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
      })();
      return draining;
    },
  };
}
