import { connect, journal, newTaskId, subjects, type Bus, type Control, type TaskSubmit } from '@troupe/bus';
import { startNatsCluster, startNatsServer, type NatsServer, natsHandles } from '@troupe/bus/testing';
import type { CpuGroups } from './cpu-time.js';
import { BenchError, BenchErrorCode } from './errors.js';
import { childScript, type Child, type ProcessPool } from './process-pool.js';

export const TENANT = 'bench';

/** What the submitter waits for: the task's end, or its parking at `awaiting_review`. */
export type Outcome = 'completed' | 'parked';

interface Waiter {
  completed: Deferred;
  parked: Deferred;
}

interface Deferred {
  promise: Promise<number>;
  resolve(at: number): void;
  reject(err: Error): void;
}

function deferred(): Deferred {
  let resolve!: (at: number) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface BurstResult {
  tasks: number;
  wallMs: number;
  tasksPerSec: number;
  /** From the first submit to the first outcome: the time the pipeline took to fill. */
  firstMs: number;
  /** Submit → outcome of each task, in milliseconds. */
  latencies: number[];
}

/** One task of a closed loop: submitted and finished at (performance.now), and the difference. */
export interface TaskSample {
  taskId: string;
  submittedAt: number;
  doneAt: number;
  ms: number;
}

export interface HopTrace {
  work: Map<string, number>;
  result: Map<string, number>;
}

export interface StreamCounters {
  lastSeq: number;
  bytes: number;
  messages: number;
}

/**
 * Streams whose writes are not a task's state: agents' heartbeats, written on a timer whatever the load, and
 * the span feed's batches of telemetry (up to 100 spans a message, or what 250 ms brought). They are listed,
 * and left out of the total.
 */
const NOT_PER_TASK = new Set(['KV_troupe_agents', 'TROUPE_SPANS']);

/** Durable writes (stream sequence numbers used) per task between two `streams()` readings, by stream. */
export function writesPerTask(
  before: Record<string, StreamCounters>,
  after: Record<string, StreamCounters>,
  tasks: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, a] of Object.entries(after)) {
    const writes = a.lastSeq - (before[name]?.lastSeq ?? 0);
    if (writes === 0) continue;
    out[name] = Math.round((writes / tasks) * 100) / 100;
    if (!NOT_PER_TASK.has(name)) total += writes;
  }
  out['total'] = Math.round((total / tasks) * 100) / 100;
  return out;
}

/**
 * `streams()` once no stream of the task path has moved for `quietMs`: the writes a burst leaves behind after
 * its last task reported done (a wake-up's removal, the span feed's last flush) land in that burst's window,
 * not the next one's. Gives up waiting after `maxMs` and returns the last reading.
 */
export async function settledStreams(
  cluster: Pick<TroupeCluster, 'streams'>,
  o: { quietMs: number; maxMs: number } = { quietMs: 300, maxMs: 3_000 },
  pause: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Record<string, StreamCounters>> {
  const sequences = (r: Record<string, StreamCounters>) =>
    JSON.stringify(
      Object.entries(r)
        .filter(([name]) => name !== 'KV_troupe_agents')
        .map(([name, c]) => [name, c.lastSeq]),
    );
  let last = await cluster.streams();
  for (let waited = 0; waited < o.maxMs; waited += o.quietMs) {
    await pause(o.quietMs);
    const next = await cluster.streams();
    if (sequences(next) === sequences(last)) return next;
    last = next;
  }
  return last;
}

export interface AgentSpec {
  /** The offline-model role (`bench-fetch`, …). */
  role: string;
  /** The bare-host role served on the same connection, and its pipeline step. */
  raw?: { role: string; step: string };
  /** How long every step waits, like a model call: the offline model's latency and the bare step's wait. */
  latencyMs?: number;
  /** Steps at a time per process; 64 unless given (the agents' own default is 4). */
  concurrency?: number;
}

/**
 * A Troupe deployment for the benchmark: a fresh nats-server, supervisor and agent processes, and a
 * submitter in this process that measures each task from its submit to its `task.completed` (or
 * `review.requested`) event, read from `troupe.event.>` as any client of the event stream would.
 */
export interface TroupeCluster extends AsyncDisposable {
  /** The node the submitter is attached to (the only one without `nodes`). */
  readonly server: NatsServer;
  /** Every node: one, or the cluster's. */
  readonly nodes: readonly NatsServer[];
  readonly bus: Bus;
  readonly supervisors: Child[];
  readonly agents: Child[];
  startSupervisor(name: string, env?: Record<string, string>): Promise<Child>;
  /** Messages each named client connection has sent to the server so far (its `in_msgs` in /connz). */
  messagesSent(names: readonly string[]): Promise<Record<string, number>>;
  /** An agent process for one role (and its bare twin), or for several (`specs` in one process). */
  startAgent(name: string, spec: AgentSpec | readonly AgentSpec[]): Promise<Child>;
  stopChild(child: Child): Promise<void>;
  /** Submits one task; resolves once the submit is stored, with the task id and its outcome's time. */
  submit(
    workflow: string,
    question: string,
    outcome?: Outcome,
  ): Promise<{ taskId: string; submittedAt: number; done: Promise<number> }>;
  /**
   * While on, records when each step's assignment (`troupe.work.*`) and result (`troupe.result.*`) pass
   * through the server, so a closed loop can be split into supervisor and agent time.
   */
  traceHops(on: boolean): void;
  /** Arrival times (performance.now) of a traced task's assignments and results, by step key. */
  hopTrace(taskId: string): HopTrace | undefined;
  /** One task at a time: `warmUp` untimed, then `n` timed. */
  closedLoop(workflow: string, n: number, warmUp: number, outcome?: Outcome): Promise<TaskSample[]>;
  /** `count` tasks submitted at once; wall time from the first submit to the last outcome. */
  burst(
    workflow: string,
    count: number,
    outcome?: Outcome,
    timeoutMs?: number,
  ): Promise<BurstResult & { taskIds: string[] }>;
  /** The pids whose CPU time a run is charged: supervisors, agents, the nats-server and this submitter. */
  cpuGroups(): CpuGroups;
  /** Each stream's last sequence, stored bytes and messages (KV buckets and the object store included). */
  streams(): Promise<Record<string, StreamCounters>>;
  /** Publishes a person's review decision for each task at once, and waits for every task to complete. */
  decideAll(taskIds: readonly string[], timeoutMs?: number): Promise<{ wallMs: number }>;
}

const decoder = new TextDecoder();
interface TaskEventLike {
  taskId: string;
  type: string;
  data?: Record<string, unknown>;
}
const INTERESTING = /"type":"(task\.completed|task\.failed|task\.cancelled|review\.requested)"/;

/**
 * Starts the deployment on one nats-server, or with `nodes` on a JetStream cluster of that many with a
 * replica of every stream per node; then each child process is attached to the next node in turn.
 */
export async function startTroupeCluster(
  pool: ProcessPool,
  options: { nodes?: number } = {},
): Promise<TroupeCluster> {
  const natsCluster = options.nodes ? await startNatsCluster(options.nodes) : undefined;
  const nodes = natsCluster ? natsCluster.servers : [await startNatsServer()];
  const server = nodes[0]!;
  const stopServerOnExit = () => {
    for (const node of nodes) if (node.pid) process.kill(node.pid, 'SIGKILL');
  };
  process.on('exit', stopServerOnExit);
  const replicas = nodes.length;
  const bus = await connect({ servers: server.url, name: 'bench-submitter', topology: { replicas } });
  await bus.ensureTopology();
  let started = 0;
  const nextEnv = () => ({ NATS_URL: nodes[started++ % nodes.length]!.url, REPLICAS: String(replicas) });
  const waiters = new Map<string, Waiter>();

  // Every revision of a task's record goes to its journal subject, carrying the events its write added.
  natsHandles(bus).nc.subscribe(journal.subject(), {
    callback: (_err, msg) => {
      const at = performance.now();
      const text = decoder.decode(msg.data);
      const match = INTERESTING.exec(text);
      if (!match) return;
      const decoded = JSON.parse(text) as { log?: { events?: TaskEventLike[] } };
      const event = decoded.log?.events?.find((e) => e.type === match[1]);
      if (!event) return;
      const waiter = waiters.get(event.taskId);
      if (!waiter) return;
      switch (match[1]) {
        case 'task.completed':
          waiter.completed.resolve(at);
          break;
        case 'review.requested':
          waiter.parked.resolve(at);
          break;
        default: {
          const err = new BenchError(
            BenchErrorCode.Incomplete,
            `task ${event.taskId} ended with ${match[1]}: ${JSON.stringify(event.data ?? {}).slice(0, 500)}`,
          );
          waiter.completed.reject(err);
          waiter.parked.reject(err);
        }
      }
    },
  });
  await bus.flush();

  const supervisors: Child[] = [];
  const agents: Child[] = [];
  const traces = new Map<string, HopTrace>();
  let tracing: Array<{ unsubscribe(): void }> = [];
  const TASK_AND_STEP = /"taskId":"([^"]+)"[\s\S]*?"stepKey":"([^"]+)"/;
  const trace = (kind: keyof HopTrace) => (_err: unknown, msg: { data: Uint8Array }) => {
    const at = performance.now();
    const m = TASK_AND_STEP.exec(decoder.decode(msg.data));
    if (!m) return;
    const t = traces.get(m[1]!) ?? { work: new Map(), result: new Map() };
    if (!t[kind].has(m[2]!)) t[kind].set(m[2]!, at);
    traces.set(m[1]!, t);
  };

  const submit: TroupeCluster['submit'] = async (workflow, question, outcome = 'completed') => {
    const taskId = newTaskId();
    const waiter: Waiter = { completed: deferred(), parked: deferred() };
    waiters.set(taskId, waiter);
    const submittedAt = performance.now();
    const body: TaskSubmit = {
      v: 1,
      taskId,
      tenant: TENANT,
      workflow,
      input: { question },
      options: {},
      metadata: {},
      submittedAt: Date.now(),
    };
    await bus.publishDurable(subjects.taskSubmit(body.tenant, taskId), body, { msgId: taskId });
    const done = waiter[outcome].promise.finally(() => {
      if (outcome === 'completed') waiters.delete(taskId);
    });
    return { taskId, submittedAt, done };
  };

  const withTimeout = async <T>(
    what: string,
    promise: Promise<T>,
    timeoutMs: number,
    pending: () => number,
  ) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BenchError(
              BenchErrorCode.Timeout,
              `${what}: ${pending()} tasks unfinished after ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const cluster: TroupeCluster = {
    server,
    nodes,
    bus,
    supervisors,
    agents,
    async startSupervisor(name, extraEnv = {}) {
      const child = await pool.start(name, childScript('supervisor-process'), { ...nextEnv(), ...extraEnv });
      supervisors.push(child);
      return child;
    },
    async startAgent(name, spec) {
      const specs: readonly AgentSpec[] = Array.isArray(spec) ? spec : [spec as AgentSpec];
      const first = specs[0]!;
      const child = await pool.start(name, childScript('agent-process'), {
        ...nextEnv(),
        AGENTS: JSON.stringify(specs.map((s) => ({ role: s.role, ...(s.raw ? { raw: s.raw } : {}) }))),
        OFFLINE_LATENCY_MS: String(first.latencyMs ?? 0),
        CONCURRENCY: String(first.concurrency ?? 64),
      });
      agents.push(child);
      return child;
    },
    async stopChild(child) {
      await pool.stop(child);
      for (const list of [supervisors, agents]) {
        const i = list.indexOf(child);
        if (i >= 0) list.splice(i, 1);
      }
    },
    submit,
    traceHops(on) {
      for (const sub of tracing) sub.unsubscribe();
      tracing = on
        ? [
            natsHandles(bus).nc.subscribe(subjects.allWork(), { callback: trace('work') }),
            natsHandles(bus).nc.subscribe(subjects.allResults(), { callback: trace('result') }),
          ]
        : [];
      if (!on) traces.clear();
    },
    hopTrace: (taskId) => traces.get(taskId),
    async closedLoop(workflow, n, warmUp, outcome = 'completed') {
      const samples: TaskSample[] = [];
      for (let i = 0; i < warmUp + n; i++) {
        const task = await submit(workflow, `Question ${i} for ${workflow}`, outcome);
        const at = await withTimeout(`${workflow} task ${i}`, task.done, 30_000, () => 1);
        if (i >= warmUp) {
          samples.push({
            taskId: task.taskId,
            submittedAt: task.submittedAt,
            doneAt: at,
            ms: at - task.submittedAt,
          });
        }
      }
      return samples;
    },
    async burst(workflow, count, outcome = 'completed', timeoutMs = 120_000) {
      const start = performance.now();
      const tasks = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          submit(workflow, `Burst question ${i} for ${workflow}`, outcome),
        ),
      );
      let finished = 0;
      const times = await withTimeout(
        `burst of ${count} ${workflow}`,
        Promise.all(tasks.map((t) => t.done.then((at) => (finished++, at)))),
        timeoutMs,
        () => count - finished,
      );
      const end = Math.max(...times);
      const wallMs = end - start;
      return {
        tasks: count,
        wallMs,
        tasksPerSec: (count / wallMs) * 1000,
        firstMs: Math.min(...times) - start,
        latencies: times.map((at, i) => at - tasks[i]!.submittedAt),
        taskIds: tasks.map((t) => t.taskId),
      };
    },
    async messagesSent(names) {
      const res = await fetch(`${server.monitorUrl}/connz?limit=1024`);
      const body = (await res.json()) as { connections?: Array<{ name?: string; in_msgs: number }> };
      const out: Record<string, number> = {};
      for (const name of names) {
        out[name] = (body.connections ?? [])
          .filter((c) => c.name === name)
          .reduce((n, c) => n + c.in_msgs, 0);
      }
      return out;
    },
    cpuGroups() {
      return {
        supervisors: supervisors.map((c) => c.pid),
        agents: agents.map((c) => c.pid),
        natsServer: nodes.map((n) => n.pid),
        submitter: [process.pid],
      };
    },
    async streams() {
      const out: Record<string, StreamCounters> = {};
      for await (const info of natsHandles(bus).jsm.streams.list()) {
        out[info.config.name] = {
          lastSeq: info.state.last_seq,
          bytes: info.state.bytes,
          messages: info.state.messages,
        };
      }
      return out;
    },
    async decideAll(taskIds, timeoutMs = 120_000) {
      const start = performance.now();
      const done = taskIds.map((taskId) => {
        let waiter = waiters.get(taskId);
        if (!waiter) {
          waiter = { completed: deferred(), parked: deferred() };
          waiters.set(taskId, waiter);
        }
        return waiter.completed.promise.finally(() => waiters.delete(taskId));
      });
      await Promise.all(
        taskIds.map((taskId) => {
          const decision: Control = {
            v: 1,
            type: 'review',
            taskId,
            tenant: TENANT,
            decision: 'approve',
            by: 'bench',
            at: Date.now(),
          };
          return bus.publishDurable(subjects.control(taskId), decision, { msgId: `review.${taskId}` });
        }),
      );
      let finished = 0;
      const times = await withTimeout(
        `review decisions for ${taskIds.length} tasks`,
        Promise.all(done.map((p) => p.then((at) => (finished++, at)))),
        timeoutMs,
        () => taskIds.length - finished,
      );
      return { wallMs: Math.max(...times) - start };
    },
    async [Symbol.asyncDispose]() {
      await Promise.all([...supervisors, ...agents].map((c) => pool.stop(c)));
      supervisors.length = 0;
      agents.length = 0;
      await bus.close();
      await (natsCluster ?? server)[Symbol.asyncDispose]();
      process.off('exit', stopServerOnExit);
    },
  };
  return cluster;
}
