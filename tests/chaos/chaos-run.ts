import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditRecordSchema, Buckets, connect, newTaskId, TaskEventSchema, type Bus } from '@troupe/bus';
import {
  natsHandles,
  spawnTs,
  startNatsCluster,
  startNatsServer,
  type NatsCluster,
  type NatsServer,
} from '@troupe/bus/testing';
import { TaskRecordSchema, taskKey, type TaskRecord } from '@troupe/supervisor';
import { readJournal } from '../fixtures/journal.js';
import { fixture, followTaskEnds, submitTask, TENANT } from '../fixtures/troupe.js';
import { checkChaosRun, percentile, type ChaosOutcome } from './chaos-checks.js';
import { runFaults, type FaultTargets, type InjectedFault } from './fault-injector.js';
import { faultSchedule, FaultKind } from './fault-schedule.js';
import { startProcessPool } from './process-pool.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * `single`: one nats-server on a file store, every agent and supervisor connected through a TCP proxy.
 * `cluster`: three nodes (replicas 3), each behind a proxy; the processes know all three.
 */
export type ChaosTopology = 'single' | 'cluster';

export const FAULT_KINDS: Record<ChaosTopology, readonly FaultKind[]> = {
  single: [
    FaultKind.KillAgent,
    FaultKind.KillSupervisor,
    FaultKind.PauseProcess,
    FaultKind.RestartServer,
    FaultKind.CutConnections,
  ],
  cluster: [
    FaultKind.KillAgent,
    FaultKind.KillSupervisor,
    FaultKind.PauseProcess,
    FaultKind.RestartNode,
    FaultKind.CutConnections,
  ],
};

export interface ChaosPhaseOptions {
  topology: ChaosTopology;
  tasks: number;
  seed: number;
  /** Faults of each of these kinds (default: every kind the topology has). */
  perKind: number;
  kinds?: readonly FaultKind[];
  /** Tasks submitted and not yet ended, at most. */
  inFlight?: number;
  /** Without a task ending for this long, the run stops waiting and counts what has not ended as lost. */
  stallMs?: number;
}

export interface ChaosPhaseReport extends ChaosOutcome {
  topology: ChaosTopology;
  seed: number;
  kinds: readonly FaultKind[];
  faults: InjectedFault[];
  /** Submit to end (the ending event's time), per ended task, in ms. */
  latencies: number[];
  p50: number;
  p99: number;
  wallMs: number;
  /** Where the processes' output went, when a check found something. */
  logs?: string;
}

const AGENTS = 2;
const SUPERVISORS = 2;

interface Servers extends AsyncDisposable {
  observer: Bus;
  proxies: TcpProxy[];
  replicas: number;
  targets: Pick<FaultTargets, 'server' | 'nodes'>;
}

async function startServers(topology: ChaosTopology): Promise<Servers> {
  // Undone in reverse order on failure or dispose (Node 20 has no AsyncDisposableStack).
  const cleanups: Array<() => Promise<void>> = [];
  const dispose = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    let server: NatsServer | undefined;
    let nodes: readonly NatsServer[] = [];
    if (topology === 'single') {
      const single = await startNatsServer();
      cleanups.push(async () => single[Symbol.asyncDispose]());
      server = single;
      nodes = [single];
    } else {
      const cluster: NatsCluster = await startNatsCluster(3);
      cleanups.push(async () => cluster[Symbol.asyncDispose]());
      nodes = cluster.servers;
    }
    const replicas = nodes.length;
    const proxies = await Promise.all(nodes.map((s) => startTcpProxy(s.port)));
    for (const proxy of proxies) cleanups.push(async () => proxy[Symbol.asyncDispose]());
    // The observer submits and checks: it connects straight to the servers, so cuts do not touch it.
    const observer = await connect({
      name: 'chaos-observer',
      servers: nodes.map((s) => s.url),
      reconnectWaitMs: 50,
      reconnectJitterMs: 50,
      topology: { replicas },
    });
    cleanups.push(() => observer.close());
    await observer.ensureTopology();
    return {
      observer,
      proxies,
      replicas,
      targets: server ? { server } : { nodes },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * Submits with the same id until JetStream acknowledges it: a restart or an election may fail a try, and the
 * id makes a try that did arrive a duplicate the stream drops.
 */
async function submitReport(bus: Bus, taskId: string, n: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await submitTask(bus, 'report', { question: `Chaos question ${n}` }, {}, taskId);
      return;
    } catch (err) {
      if (attempt >= 30) throw err;
      // Back once connected; an election in a cluster answers "no responders" or times out meanwhile.
      await bus.whenConnected(30_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function readRecords(bus: Bus, ids: readonly string[]) {
  const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
  const records = new Map<string, TaskRecord | undefined>();
  for (const id of ids) records.set(id, (await tasks.get(taskKey(TENANT, id)))?.value);
  return records;
}

/** Every stored revision of a task's record: its stream sequence, `seq`, status, and the steps it accepted. */
async function revisionsOf(bus: Bus, taskId: string) {
  const { jsm } = natsHandles(bus);
  const subject = `$KV.${Buckets.Tasks}.${taskKey(TENANT, taskId)}`;
  const revisions: unknown[] = [];
  for (let seq = 1, i = 0; i < 1_000; i++) {
    const stored = await jsm.direct
      .getMessage(`KV_${Buckets.Tasks}`, { seq, next_by_subj: subject })
      .catch(() => null);
    if (!stored) break;
    seq = stored.seq + 1;
    const record = TaskRecordSchema.safeParse(JSON.parse(new TextDecoder().decode(stored.data)));
    if (!record.success) continue;
    const accepted = record.data.log?.audit.filter((a) => a.decision === 'accept').map((a) => a.stepKey);
    revisions.push({ revision: stored.seq, seq: record.data.seq, status: record.data.status, accepted });
  }
  return revisions;
}

/** Resolves once `ended()` has not moved for `stallMs` (checked each second). */
function stalled(ended: () => number, stallMs: number, over: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let last = ended();
    let since = Date.now();
    const timer = setInterval(() => {
      if (ended() !== last) {
        last = ended();
        since = Date.now();
      } else if (over() || Date.now() - since > stallMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1_000);
  });
}

/**
 * One phase of the chaos suite: `tasks` report tasks on the offline model through two agents and two
 * supervisors while the seeded schedule's faults hit them, then the checks of `checkChaosRun`.
 */
export async function runChaosPhase(options: ChaosPhaseOptions): Promise<ChaosPhaseReport> {
  const begin = Date.now();
  // Few enough that tasks are still running while a fault (a restart takes seconds) is under way.
  const inFlight = options.inFlight ?? Math.min(12, Math.max(3, Math.floor(options.tasks / 5)));
  // Faults fall before the last submissions, which wait for them: every fault runs while tasks do.
  const schedule = faultSchedule({
    seed: options.seed,
    tasks: options.tasks - inFlight,
    kinds: options.kinds ?? FAULT_KINDS[options.topology],
    perKind: options.perKind,
  });
  await using servers = await startServers(options.topology);
  const env = {
    NATS_URL: servers.proxies.map((p) => p.url).join(','),
    REPLICAS: String(servers.replicas),
    WAKE_GRACE_MS: '200',
    // A paused agent's steps go to the other agent after this: its late result must not apply twice.
    WORK_ACK_WAIT_MS: '2000',
  };
  await using agents = await startProcessPool('agent', AGENTS, () =>
    spawnTs(fixture('agent-process.ts'), { env }),
  );
  await using supervisors = await startProcessPool('supervisor', SUPERVISORS, () =>
    spawnTs(fixture('supervisor-process.ts'), { env }),
  );

  const ids = Array.from({ length: options.tasks }, () => newTaskId());
  const submittedAt = new Map<string, number>();
  const ends = await followTaskEnds(servers.observer, ids);
  let over = false;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const faults = runFaults(
    schedule,
    { agents, supervisors, proxies: servers.proxies, ...servers.targets },
    ends,
    stopped,
  );
  let submitError: unknown;
  const submitting = (async () => {
    for (const [n, id] of ids.entries()) {
      // Keep at most `inFlight` running, and never run ahead of a fault due at this point.
      const due = Math.max(0, n - inFlight + 1);
      await Promise.race([ends.until(due), stopped]);
      await Promise.race([faults.finished(schedule.filter((f) => f.afterEnded <= due).length), stopped]);
      if (over) return;
      submittedAt.set(id, Date.now());
      await submitReport(servers.observer, id, n);
    }
  })().catch((err: unknown) => {
    submitError = err;
    stop();
  });
  await Promise.race([
    ends.until(),
    stopped,
    stalled(
      () => ends.ended,
      options.stallMs ?? 60_000,
      () => over,
    ),
  ]);
  over = true;
  stop();
  await Promise.all([submitting, faults.done]);
  await ends.stop();
  if (submitError) throw submitError;

  const submitted = ids.filter((id) => submittedAt.has(id));
  const records = await readRecords(servers.observer, submitted);
  const audit = await readJournal(servers.observer, 'audit', undefined, AuditRecordSchema, {
    limit: 1_000_000,
  });
  const latencies = submitted.flatMap((id) => {
    const end = ends.endOf(id);
    return end ? [end.at - submittedAt.get(id)!] : [];
  });
  const outcome = checkChaosRun(ids, records, audit);
  let logs: string | undefined;
  if (outcome.lost.length || outcome.duplicates.length || outcome.auditGaps.length) {
    logs = mkdtempSync(join(tmpdir(), 'troupe-chaos-'));
    for (const pool of [agents, supervisors])
      for (const p of pool.all)
        writeFileSync(join(logs, `${pool.name}-${p.child.pid}.log`), p.stdout() + p.stderr());
    for (const lost of outcome.lost) {
      const id = lost.split(' ')[0]!;
      const journal = {
        revisions: await revisionsOf(servers.observer, id),
        record: records.get(id),
        audit: audit.filter((a) => a.taskId === id),
        events: await readJournal(servers.observer, 'events', id, TaskEventSchema),
      };
      writeFileSync(join(logs, `lost-${id}.json`), JSON.stringify(journal, null, 1));
    }
  }
  return {
    ...outcome,
    ...(logs ? { logs } : {}),
    topology: options.topology,
    seed: options.seed,
    kinds: options.kinds ?? FAULT_KINDS[options.topology],
    faults: faults.injected,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    wallMs: Date.now() - begin,
  };
}
