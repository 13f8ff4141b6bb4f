import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KvOptions } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { retryWhileUnavailable } from './retry-while-unavailable.js';
import {
  Buckets,
  Consumers,
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
import {
  isPermissionViolation,
  missingPieces,
  topologyMissingError,
  topologyPieces,
  type TopologyPiece,
} from './topology-check.js';

/** What `provision` found and did. */
export interface ProvisionReport {
  /** Pieces that were not there and now are. */
  created: string[];
  /** Pieces that were there, brought to the wanted configuration (updated where they differed). */
  updated: string[];
  replicas: number;
}

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

  /** The pieces of the topology (with `roles`' work consumers) that are not on the server. Read-only. */
  async missing(roles: readonly string[] = []): Promise<TopologyPiece[]> {
    return missingPieces(this.jsm, topologyPieces(roles));
  }

  /** Fails with TOPOLOGY_MISSING naming every missing piece. Read-only. */
  async check(roles: readonly string[] = []): Promise<void> {
    const missing = await this.missing(roles);
    if (missing.length > 0) throw topologyMissingError(missing);
  }

  /**
   * What a process does at start: checks the topology, and creates nothing when it is all there, so a
   * provisioned server needs no create rights. When pieces are missing it creates them (a development
   * server keeps working unprovisioned); when the server refuses, it fails with TOPOLOGY_MISSING.
   */
  async prepare(roles: readonly string[] = []): Promise<void> {
    return retryWhileUnavailable(() => this.prepareOnce(roles));
  }

  private async prepareOnce(roles: readonly string[]): Promise<void> {
    await this.createMissing(await this.missing(roles), async () => {
      await this.ensure();
      await Promise.all(roles.map((role) => this.ensureWorkConsumer(role)));
    });
  }

  /** A role's work consumer, checked first and created only when missing (see `prepare`). */
  async prepareWorkConsumer(role: string): Promise<void> {
    return retryWhileUnavailable(() => this.prepareWorkConsumerOnce(role));
  }

  private async prepareWorkConsumerOnce(role: string): Promise<void> {
    const missing = await this.missing([role]);
    await this.createMissing(
      missing.filter((p) => p.consumer === Consumers.work(role)),
      () => this.ensureWorkConsumer(role),
    );
  }

  /** Creates nothing when nothing is missing; a refusal to create becomes TOPOLOGY_MISSING naming it all. */
  private async createMissing(missing: TopologyPiece[], create: () => Promise<void>): Promise<void> {
    if (missing.length === 0) return;
    try {
      await create();
    } catch (err) {
      if (isPermissionViolation(err)) throw topologyMissingError(missing, err);
      throw err;
    }
  }

  /** Creates or updates every piece with the given options (`troupe provision`), and says which were new. */
  async provision(options: TopologyOptions = {}, roles: readonly string[] = []): Promise<ProvisionReport> {
    const pieces = topologyPieces(roles);
    const missing = new Set((await missingPieces(this.jsm, pieces)).map((p) => p.name));
    await this.ensure(options);
    await Promise.all([...new Set(roles)].map((role) => this.ensureWorkConsumer(role)));
    return {
      created: pieces.filter((p) => missing.has(p.name)).map((p) => p.name),
      updated: pieces.filter((p) => !missing.has(p.name)).map((p) => p.name),
      replicas: this.topology.replicas,
    };
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
