import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { retryWhile } from './retry-while-unavailable.js';
import { BusError, BusErrorCode } from './errors.js';
import { journal } from './journal.js';
import { Consumers, Streams } from './names.js';
import { subjects } from './subjects.js';

export { Buckets, Consumers, Streams } from './names.js';

export interface TopologyOptions {
  /** 1 on a single node, 3 on a cluster. */
  replicas?: number;
  /** The window in which a repeated `Nats-Msg-Id` is recognised as a duplicate. */
  duplicateWindowMs?: number;
  /** How long an agent's heartbeat entry lives without renewal. */
  agentTtlMs?: number;
  /** How long a cached model or tool answer lives. */
  cacheTtlMs?: number;
  /**
   * Per-step handling attempts (`maxDeliver`) and redelivery wait for the work queues. A work consumer's
   * `max_deliver` is one more than the attempts: the extra delivery dead-letters a step whose last attempt
   * stalled, from the message in hand.
   */
  work?: { ackWaitMs?: number; maxDeliver?: number };
}

export interface ResolvedTopology {
  replicas: number;
  duplicateWindowMs: number;
  agentTtlMs: number;
  cacheTtlMs: number;
  work: { ackWaitMs: number; maxDeliver: number };
}

export function resolveTopology(options: TopologyOptions = {}): ResolvedTopology {
  return {
    replicas: options.replicas ?? 1,
    duplicateWindowMs: options.duplicateWindowMs ?? 2 * 60_000,
    agentTtlMs: options.agentTtlMs ?? 15_000,
    cacheTtlMs: options.cacheTtlMs ?? 24 * 3600_000,
    work: { ackWaitMs: options.work?.ackWaitMs ?? 30_000, maxDeliver: options.work?.maxDeliver ?? 5 },
  };
}

const ns = (ms: number) => ms * 1_000_000;

export function streamConfigs(t: ResolvedTopology): Array<Partial<StreamConfig> & { name: string }> {
  const common = {
    num_replicas: t.replicas,
    storage: StorageType.File,
    duplicate_window: ns(t.duplicateWindowMs),
  };
  return [
    {
      ...common,
      name: Streams.Tasks,
      subjects: [subjects.taskSubmits()],
      retention: RetentionPolicy.Workqueue,
    },
    { ...common, name: Streams.Work, subjects: [subjects.allWork()], retention: RetentionPolicy.Workqueue },
    {
      ...common,
      name: Streams.Results,
      subjects: [subjects.allResults(), subjects.allControl()],
      retention: RetentionPolicy.Workqueue,
    },
    journalStreamConfig(common),
    {
      ...common,
      name: Streams.DeadLetters,
      subjects: [subjects.allDeadLetters()],
      retention: RetentionPolicy.Limits,
      max_age: ns(30 * 24 * 3600_000),
    },
    {
      ...common,
      name: Streams.Spans,
      // One subject per trace, so a reader filters one task's spans on the server. Before, every span went to
      // the one subject `troupe.telemetry.spans`: an existing stream is updated to this list (upsertStream).
      subjects: [subjects.allSpans()],
      retention: RetentionPolicy.Limits,
      max_age: ns(24 * 3600_000),
      max_bytes: 512 * 1024 * 1024,
      discard: DiscardPolicy.Old,
    },
  ];
}

/**
 * KV `troupe_tasks` is each task's journal: the bucket keeps every revision of a record (a KV bucket is a
 * stream with a subject per key), and each revision carries the progress events and audit records its write
 * added, so a transition is one durable write and the audit log is the record's history. Nothing in it is
 * deleted or rolled up: a record's history is its audit log.
 */
function journalStreamConfig(common: Partial<StreamConfig>): Partial<StreamConfig> & { name: string } {
  return {
    ...common,
    name: journal.stream,
    subjects: [`${journal.prefix}>`],
    retention: RetentionPolicy.Limits,
    max_msgs_per_subject: -1,
    discard: DiscardPolicy.New,
    allow_direct: true,
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
  };
}

export function workConsumerConfig(role: string, t: ResolvedTopology): Partial<ConsumerConfig> {
  return {
    durable_name: Consumers.work(role),
    filter_subject: subjects.work(role),
    ack_policy: AckPolicy.Explicit,
    ack_wait: ns(t.work.ackWaitMs),
    max_deliver: t.work.maxDeliver + 1,
    max_ack_pending: 10_000,
  };
}

/** Applying one event takes milliseconds and handlers send keep-alives, so a dead supervisor's messages come back fast. */
const SUPERVISOR_ACK_WAIT_MS = 5_000;

export function supervisorConsumerConfigs(): Array<{ stream: string; config: Partial<ConsumerConfig> }> {
  return [
    {
      stream: Streams.Tasks,
      config: {
        durable_name: Consumers.SupervisorTasks,
        ack_policy: AckPolicy.Explicit,
        ack_wait: ns(SUPERVISOR_ACK_WAIT_MS),
        max_deliver: 10,
        max_ack_pending: 10_000,
      },
    },
    {
      stream: Streams.Results,
      config: {
        durable_name: Consumers.SupervisorResults,
        ack_policy: AckPolicy.Explicit,
        ack_wait: ns(SUPERVISOR_ACK_WAIT_MS),
        max_deliver: 10,
        max_ack_pending: 10_000,
      },
    },
  ];
}

function isAlreadyInUse(err: unknown): boolean {
  return /already in use|already exists/i.test(String((err as Error)?.message ?? err));
}

/**
 * Runs a stream or KV bucket creation again, after a short pause, when it lost a race with the same creation
 * in another process. nats-server 2.9 checks a new stream's name and its subjects at two different moments:
 * of two processes creating the same stream together, one can be told "subjects overlap with an existing
 * stream" (or "already in use") about the stream the other is still registering.
 */
export function retryCreateRace<T>(create: () => Promise<T>): Promise<T> {
  return retryWhile(isCreateRace, create, { attempts: 5, delayMs: (attempt) => 10 * 2 ** attempt });
}

function isCreateRace(err: unknown): boolean {
  return /subjects overlap|already in use/i.test(String((err as Error)?.message ?? err));
}

/**
 * Creates a stream, or updates it when it exists; safe to run from many processes at once. Fails with
 * TOPOLOGY_CONFLICT when another stream on the server holds some of its subjects.
 */
export async function upsertStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }) {
  try {
    await retryCreateRace(async () => {
      const existing = await streamConfig(jsm, config.name);
      if (existing) await reconcileStream(jsm, existing, config);
      else await jsm.streams.add(config);
    });
  } catch (err) {
    if (!isCreateRace(err)) throw err;
    const subjectList = (config.subjects ?? []).join(', ');
    throw new BusError(
      BusErrorCode.TopologyConflict,
      `cannot create stream ${config.name}: another stream on this server already holds some of its subjects (${subjectList}); remove or rename that stream, or point Troupe at another server or account`,
      { cause: err, details: { stream: config.name, subjects: config.subjects ?? [] } },
    );
  }
}

async function streamConfig(jsm: JetStreamManager, name: string): Promise<StreamConfig | undefined> {
  try {
    return (await jsm.streams.info(name)).config;
  } catch (err) {
    if (/stream not found/i.test(String((err as Error).message))) return undefined;
    throw err;
  }
}

async function reconcileStream(
  jsm: JetStreamManager,
  current: StreamConfig,
  wanted: Partial<StreamConfig> & { name: string },
) {
  const drift = Object.entries(wanted).some(
    ([k, v]) => JSON.stringify((current as unknown as Record<string, unknown>)[k]) !== JSON.stringify(v),
  );
  if (drift) await jsm.streams.update(wanted.name, wanted);
}

export async function upsertConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>) {
  try {
    await jsm.consumers.add(stream, config);
  } catch (err) {
    if (!isAlreadyInUse(err)) throw err;
    await jsm.consumers.update(stream, config.durable_name!, config);
  }
}
