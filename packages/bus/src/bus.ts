import { Objm } from '@nats-io/obj';
import type { z } from 'zod';
import type { Clock, TimerHandle } from './clock.js';
import { DeadLetters } from './dead-letters.js';
import type { DeadLetter } from './envelopes.js';
import type { JournalFilter, JournalKind } from './journal.js';
import { KvAccess } from './kv-access.js';
import type { TypedKv } from './kv.js';
import { registerNatsHandles, type NatsHandles } from './nats-handles.js';
import { HEADER_ROOM, PayloadStore } from './payloads.js';
import { Publisher, type DurableAck, type DurablePublishOptions, type PublishOptions } from './publisher.js';
import { ReconnectGuard } from './reconnect-guard.js';
import { StreamReader, type StoredRecord, type StreamReadOptions, type StreamTail } from './stream-reader.js';
import {
  Subscriber,
  type BusSubscription,
  type Incoming,
  type RawReply,
  type RequestOptions,
  type SubscribeOptions,
} from './subscriber.js';
import { TopologyAdmin, type ProvisionReport } from './topology-admin.js';
import { resolveTopology, type ResolvedTopology, type TopologyOptions } from './topology.js';
import { WorkConsumers, type DurableConsumerOptions, type WorkConsumerOptions } from './work-consumers.js';
import type { WorkConsumer } from './work-queue.js';

/** @internal What `connect()` hands the bus besides the connection. */
export interface BusSettings {
  clock: Clock;
  topology: TopologyOptions;
  drainTimeoutMs: number;
}

/**
 * The one object that knows NATS, and keeps it to itself: everything Troupe sends, reads or stores goes
 * through it. Made by `connect()`; each job lives in a module of its own, and this class only routes.
 */
export class Bus {
  readonly topology: ResolvedTopology;
  readonly clock: Clock;
  readonly #nc: NatsHandles['nc'];
  private readonly guard: ReconnectGuard;
  private readonly admin: TopologyAdmin;
  private readonly publisher: Publisher;
  private readonly subscriber: Subscriber;
  private readonly reader: StreamReader;
  private readonly deadLetters: DeadLetters;
  private readonly kvAccess: KvAccess;
  private readonly work: WorkConsumers;
  private readonly drainTimeoutMs: number;
  private closed = false;

  /** @internal Use `connect()`. */
  constructor(nats: NatsHandles, settings: BusSettings) {
    registerNatsHandles(this, nats);
    const { nc, js, jsm } = nats;
    this.#nc = nc;
    this.clock = settings.clock;
    this.drainTimeoutMs = settings.drainTimeoutMs;
    this.topology = resolveTopology(settings.topology);
    this.guard = new ReconnectGuard(nc.status());
    const payloads = new PayloadStore(
      new Objm(js),
      () => this.maxPayload,
      () => nc.info?.client_id ?? 0,
    );
    this.admin = new TopologyAdmin(js, jsm, this.topology);
    this.publisher = new Publisher(nc, js, payloads, this.guard);
    this.reader = new StreamReader(js, jsm, payloads, this.guard, this.clock);
    this.deadLetters = new DeadLetters(nc, jsm, payloads, this.publisher, this.reader, this.clock);
    this.subscriber = new Subscriber(nc, payloads, this.deadLetters);
    // The KV headers (an expected revision, a message id) fit in what HEADER_ROOM leaves.
    this.kvAccess = new KvAccess(
      js,
      jsm,
      this.reader,
      this.guard,
      () => this.maxBodyBytes,
      () => this.isClosed,
    );
    this.work = new WorkConsumers(js, this.admin, this.deadLetters, payloads, this.clock);
  }

  /** The server's max_payload, in bytes. */
  get maxPayload(): number {
    return this.#nc.info?.max_payload ?? 1024 * 1024;
  }

  /** The largest body a stored message or KV value may have: max_payload less room for headers. */
  get maxBodyBytes(): number {
    return this.maxPayload - HEADER_ROOM;
  }

  // ---- topology (topology-admin.ts) ----------------------------------------------------------------

  /**
   * Creates or updates every stream, shared consumer, bucket and the object store. Idempotent; any
   * process may call it, and concurrent calls are safe.
   */
  ensureTopology(options: TopologyOptions = {}): Promise<void> {
    return this.admin.ensure(options);
  }

  /** True when every stream and bucket exists. */
  hasTopology(): Promise<boolean> {
    return this.admin.exists();
  }

  ensureWorkConsumer(role: string): Promise<void> {
    return this.admin.ensureWorkConsumer(role);
  }

  /**
   * Fails with TOPOLOGY_MISSING naming every stream, bucket, shared consumer and `roles`' work consumer that
   * is not on the server. Read-only (stream and consumer info).
   */
  checkTopology(options: { roles?: readonly string[] } = {}): Promise<void> {
    return this.admin.check(options.roles);
  }

  /**
   * What a process calls at start: checks the topology and creates nothing when it is there (a provisioned
   * server: the process needs no create rights); creates what is missing, or fails with TOPOLOGY_MISSING
   * when the server refuses.
   */
  prepareTopology(options: { roles?: readonly string[] } = {}): Promise<void> {
    return this.admin.prepare(options.roles);
  }

  /** Creates or updates the whole topology (`troupe provision`) and reports what was new. */
  provisionTopology(options: TopologyOptions & { roles?: readonly string[] } = {}): Promise<ProvisionReport> {
    const { roles, ...topology } = options;
    return this.admin.provision(topology, roles);
  }

  /** Per role: the steps in its work queue, waiting or held by an agent. */
  workQueueDepths(): Promise<Map<string, number>> {
    return this.admin.workQueueDepths();
  }

  // ---- sending (publisher.ts) ----------------------------------------------------------------------

  /** Core NATS publish: fast, at most once. Large bodies are not allowed here. */
  publish(subject: string, value: unknown, options: PublishOptions = {}): void {
    this.publisher.publish(subject, value, options);
  }

  /** Publishes raw bytes without headers or trace context: for telemetry itself. */
  publishRaw(subject: string, data: Uint8Array): void {
    this.publisher.publishRaw(subject, data);
  }

  /** JetStream publish, acknowledged by the server once stored; bodies over max_payload travel by reference. */
  publishDurable(subject: string, value: unknown, options: DurablePublishOptions = {}): Promise<DurableAck> {
    return this.publisher.publishDurable(subject, value, options);
  }

  /** Resolves once the server has processed everything this connection sent before. */
  flush(): Promise<void> {
    return this.publisher.flush();
  }

  // ---- receiving (subscriber.ts) -------------------------------------------------------------------

  /**
   * Core NATS subscription with schema validation. A message that does not decode is dead-lettered with
   * its reason and the subscription goes on.
   */
  subscribe<T>(
    subject: string,
    schema: z.ZodType<T>,
    handler: (msg: Incoming<T>) => void | Promise<void>,
    options: SubscribeOptions = {},
  ): BusSubscription {
    return this.subscriber.subscribe(subject, schema, handler, options);
  }

  /** Request/reply with a timeout; fails with TIMEOUT or NO_RESPONDERS. */
  request<T>(
    subject: string,
    value: unknown,
    schema: z.ZodType<T>,
    options: RequestOptions = {},
  ): Promise<T> {
    return this.subscriber.request(subject, value, schema, options);
  }

  /** Answers requests on `subject` with raw bytes (no envelope, schema or trace): for health probes. */
  respondRaw(subject: string, reply: (request: Uint8Array) => RawReply): BusSubscription {
    return this.subscriber.respondRaw(subject, reply);
  }

  // ---- work queues (work-consumers.ts) -------------------------------------------------------------

  /** Consumes a role's work queue with bounded concurrency; see `consumeWork`. */
  consumeWork<T>(options: WorkConsumerOptions<T>): Promise<WorkConsumer> {
    return this.work.consumeWork(options);
  }

  /** Consumes a shared durable consumer of any stream (the supervisors' task and result consumers). */
  consumeDurable<T>(options: DurableConsumerOptions<T>): Promise<WorkConsumer> {
    return this.work.consumeDurable(options);
  }

  // ---- dead letters (dead-letters.ts) --------------------------------------------------------------

  /** Reads dead-letter records, oldest first. */
  readDeadLetters(source?: string, limit = 1_000): Promise<DeadLetter[]> {
    return this.deadLetters.read(source, limit);
  }

  /** The bytes of a dead-lettered message. */
  deadLetterPayload(record: DeadLetter): Promise<Uint8Array | null> {
    return this.deadLetters.payload(record);
  }

  // ---- streams as logs (stream-reader.ts) ----------------------------------------------------------

  /** The records stored in a stream, by subject, from a sequence or after a position; see `StreamReader`. */
  readStream<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { limit?: number } = {},
  ): Promise<T[]> {
    return this.reader.readStream(stream, filterSubject, schema, options);
  }

  /** Like `readStream`, each record with its sequence and position. */
  readStreamWithSeq<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { limit?: number } = {},
  ): Promise<Array<StoredRecord<T>>> {
    return this.reader.readStreamWithSeq(stream, filterSubject, schema, options);
  }

  /** Follows a stream by subject, stored records first, until `stop()`; survives a server restart. */
  tailStream<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { fromNow?: boolean } = {},
  ): Promise<StreamTail<T>> {
    return this.reader.tailStream(stream, filterSubject, schema, options);
  }

  /** The progress events or audit records of a task's journal (or a tenant's, or every task's). */
  readJournal<T>(
    kind: JournalKind,
    filter: JournalFilter,
    schema: z.ZodType<T>,
    options: Omit<StreamReadOptions, 'records'> & { limit?: number } = {},
  ): Promise<Array<StoredRecord<T>>> {
    return this.reader.readJournal(kind, filter, schema, options);
  }

  /** Follows a journal like `tailStream`: stored records first, then each new revision's. */
  tailJournal<T>(
    kind: JournalKind,
    filter: JournalFilter,
    schema: z.ZodType<T>,
    options: Omit<StreamReadOptions, 'records'> & { fromNow?: boolean } = {},
  ): Promise<StreamTail<T>> {
    return this.reader.tailJournal(kind, filter, schema, options);
  }

  /** The last message stored on a subject, decoded; undefined when the stream holds none. */
  lastOnSubject<T>(stream: string, subject: string, schema: z.ZodType<T>): Promise<T | undefined> {
    return this.reader.lastOnSubject(stream, subject, schema);
  }

  /** The subjects of a stream matching `filter` (`*`, `>`) with their message counts, in one request. */
  subjectCounts(stream: string, filter: string): Promise<Map<string, number>> {
    return this.reader.subjectCounts(stream, filter);
  }

  // ---- KV (kv-access.ts) ---------------------------------------------------------------------------

  /** A bucket whose values are JSON checked by `schema`. */
  kv<T>(bucket: string, schema: z.ZodType<T>): Promise<TypedKv<T>> {
    return this.kvAccess.open(bucket, schema);
  }

  /** The keys of a bucket matching `filter` (`*`, `>`) with their stored revisions, in one request. */
  keyCounts(bucket: string, filter: string): Promise<Map<string, number>> {
    return this.kvAccess.keyCounts(bucket, filter);
  }

  // ---- connection ----------------------------------------------------------------------------------

  /**
   * True now while connected, else once the connection is back, or false when it is not back within
   * `withinMs` (on the bus's clock): for sending again what failed with DISCONNECTED.
   */
  async whenConnected(withinMs = Infinity): Promise<boolean> {
    if (withinMs === Infinity) return this.guard.whenConnected().then(() => true);
    let timer: TimerHandle | undefined;
    const back = await Promise.race([
      this.guard.whenConnected().then(() => true),
      new Promise<false>((resolve) => (timer = this.clock.setTimeout(() => resolve(false), withinMs))),
    ]);
    if (timer) this.clock.clearTimeout(timer);
    return back;
  }

  /** The round trip to the server, in milliseconds: a liveness check. */
  rtt(): Promise<number> {
    return this.#nc.rtt();
  }

  get isClosed(): boolean {
    return this.closed || this.#nc.isClosed();
  }

  /** Drains subscriptions and pending publishes, then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.deadLetters.close();
    if (this.#nc.isClosed()) return;
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.drainTimeoutMs).unref());
    const result = await Promise.race([this.#nc.drain().then(() => 'drained' as const), timer]).catch(
      () => 'failed',
    );
    if (result !== 'drained') await this.#nc.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
