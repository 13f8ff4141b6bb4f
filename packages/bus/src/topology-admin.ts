import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KvOptions } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import {
  Buckets,
  resolveTopology,
  retryCreateRace,
  Streams,
  streamConfigs,
  supervisorConsumerConfigs,
  upsertConsumer,
  upsertStream,
  workConsumerConfig,
  type ResolvedTopology,
  type TopologyOptions,
} from './topology.js';

/** Creates and inspects Troupe's streams, consumers, buckets and object store. */
export class TopologyAdmin {
  private readonly kvm: Kvm;
  private readonly objm: Objm;

  constructor(
    js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    /** The bus's topology, updated in place by `ensure`. */
    readonly topology: ResolvedTopology,
  ) {
    this.kvm = new Kvm(js);
    this.objm = new Objm(js);
  }

  /**
   * Creates or updates every stream, shared consumer, bucket and the object store. Idempotent; any
   * process may call it, and concurrent calls are safe.
   */
  async ensure(options: TopologyOptions = {}): Promise<void> {
    const t = resolveTopology({ ...this.topology, ...options });
    Object.assign(this.topology, t);
    await Promise.all(streamConfigs(t).map((c) => upsertStream(this.jsm, c)));
    await Promise.all(supervisorConsumerConfigs().map((c) => upsertConsumer(this.jsm, c.stream, c.config)));
    // The tasks bucket is the task journal, a stream of its own shape (see streamConfigs).
    const buckets: Array<[string, Partial<KvOptions>]> = [
      [Buckets.Agents, { ttl: t.agentTtlMs }],
      [Buckets.Cache, { ttl: t.cacheTtlMs }],
      [Buckets.Idempotency, { ttl: 24 * 3600_000 }],
      [Buckets.Wakeups, {}],
    ];
    await Promise.all([
      ...buckets.map(([name, o]) =>
        retryCreateRace(() => this.kvm.create(name, { replicas: t.replicas, history: 1, ...o })),
      ),
      retryCreateRace(() => this.objm.create(Buckets.Artifacts, { replicas: t.replicas })),
    ]);
  }

  /** True when every stream and bucket exists. */
  async exists(): Promise<boolean> {
    try {
      await Promise.all(Object.values(Streams).map((s) => this.jsm.streams.info(s)));
      await Promise.all(
        [Buckets.Tasks, Buckets.Agents, Buckets.Cache, Buckets.Idempotency, Buckets.Wakeups].map((b) =>
          this.jsm.streams.info(`KV_${b}`),
        ),
      );
      return true;
    } catch {
      return false;
    }
  }

  async ensureWorkConsumer(role: string): Promise<void> {
    await upsertConsumer(this.jsm, Streams.Work, workConsumerConfig(role, this.topology));
  }

  /** Per role with a work consumer: the steps waiting for an agent plus those an agent holds. */
  async workQueueDepths(): Promise<Map<string, number>> {
    const depths = new Map<string, number>();
    for await (const info of this.jsm.consumers.list(Streams.Work)) {
      const role = roleOfWorkFilter(info.config.filter_subject);
      if (role) depths.set(role, info.num_pending + info.num_ack_pending);
    }
    return depths;
  }
}

/** The role a work consumer's filter subject (`troupe.work.<role>`) names. */
function roleOfWorkFilter(filter: string | undefined): string | undefined {
  return filter?.split('.').pop();
}
