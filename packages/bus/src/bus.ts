import { hostname } from 'node:os';
import {
  credsAuthenticator,
  nkeyAuthenticator,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { connect as natsConnect } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type ConsumerConfig,
  type JsMsg,
  type PubAck,
} from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { z } from 'zod';
import { pause, systemClock, type Clock, type TimerHandle } from './clock.js';
import {
  encodeJson,
  headerCarrier,
  isPayloadRef,
  parseJson,
  PAYLOAD_REF_HEADER,
  refBody,
  validateEnvelope,
} from './codec.js';
import { DeadLetterSchema, PayloadRefSchema, type DeadLetter, type PayloadRef } from './envelopes.js';
import { BusError, BusErrorCode, toTroupeError } from './errors.js';
import { TypedKv } from './kv.js';
import { journal, journalRecords, LOG_SLOTS, type JournalFilter, type JournalKind } from './journal.js';
import { ReconnectGuard } from './reconnect-guard.js';
import { SeenIds } from './seen-ids.js';
import { readCredsFile, resolveConnectOptions, type ConnectOptions } from './options.js';
import { subjects } from './subjects.js';
import {
  Buckets,
  Consumers,
  resolveTopology,
  Streams,
  streamConfigs,
  supervisorConsumerConfigs,
  upsertConsumer,
  retryCreateRace,
  upsertStream,
  workConsumerConfig,
  type ResolvedTopology,
  type TopologyOptions,
} from './topology.js';
import { traceHooks, type HeaderCarrier } from './trace-hooks.js';
import {
  assertConcurrency,
  consumeWork,
  type DeadLetterRequest,
  type WorkConsumer,
  type WorkHandler,
} from './work-queue.js';

/** Room left in a message for headers when deciding whether a body must go to the object store. */
const HEADER_ROOM = 4 * 1024;

/** Readers' consumers: unacknowledged, in memory, removed by the server 30 s after their reader goes away. */
const EPHEMERAL = {
  ack_policy: AckPolicy.None,
  inactive_threshold: 30_000_000_000,
  mem_storage: true,
} as const;

export interface StreamReadOptions {
  /** The first stream sequence to read. */
  startSeq?: number;
  /** Read the records after this one (a `position` from an earlier read): for resuming. */
  after?: number;
  /** The records a stored message holds; default: the message itself, or each element of an array. */
  records?: (decoded: unknown) => unknown[];
}

/** A record read from a stream: its message's sequence, its index in that message, and its position. */
export interface StoredRecord<T> {
  seq: number;
  index: number;
  /** `seq * LOG_SLOTS + index`: increases with every record of the stream, usable as a resume point. */
  position: number;
  data: T;
}

export interface PublishOptions {
  headers?: Record<string, string>;
}

export interface DurablePublishOptions extends PublishOptions {
  /** Idempotency key: a repeat inside the stream's duplicate window is dropped by the server. */
  msgId?: string;
  timeoutMs?: number;
  /**
   * Attempts when the server does not answer in time or has no responder for the stream (a restart, a
   * leader election), with growing waits between them; the msgId keeps a retried message single.
   */
  retries?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface Incoming<T> {
  data: T;
  subject: string;
  headers: HeaderCarrier;
  respond(value: unknown): boolean;
}

export interface WorkConsumerOptions<T> {
  role: string;
  schema: z.ZodType<T>;
  concurrency: number;
  handler: WorkHandler<T>;
  keepAlive?: boolean;
  retryDelayMs?: (deliveries: number) => number;
  /** Called after a message was dead-lettered, with its decoded body when it decoded. */
  onDeadLetter?: (record: DeadLetter, decoded: unknown) => void | Promise<void>;
  onError?: (err: unknown) => void;
}

/** The one object that knows NATS. Everything Troupe sends or stores goes through it. */
export class Bus {
  readonly topology: ResolvedTopology;
  private readonly kvm: Kvm;
  private readonly objm: Objm;
  private readonly kvCache = new Map<string, Promise<KV>>();
  private artifacts: Promise<ObjectStore> | undefined;
  private readonly advisorySubs: Subscription[] = [];
  private closed = false;
  private readonly reconnectGuard: ReconnectGuard;

  constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly clock: Clock,
    topology: TopologyOptions,
    private readonly drainTimeoutMs: number,
  ) {
    this.topology = resolveTopology(topology);
    this.kvm = new Kvm(js);
    this.objm = new Objm(js);
    this.reconnectGuard = new ReconnectGuard(nc.status());
  }

  /** The server's max_payload, in bytes. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** The largest body a stored message or KV value may have: max_payload less room for headers. */
  get maxBodyBytes(): number {
    return this.maxPayload - HEADER_ROOM;
  }

  // ---- topology -------------------------------------------------------------------------------------

  /**
   * Creates or updates every stream, shared consumer, bucket and the object store. Idempotent; any
   * process may call it, and concurrent calls are safe.
   */
  async ensureTopology(options: TopologyOptions = {}): Promise<void> {
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
  async hasTopology(): Promise<boolean> {
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

  // ---- publishing ----------------------------------------------------------------------------------

  private outgoingHeaders(extra?: Record<string, string>): MsgHdrs {
    const carrier = headerCarrier(undefined);
    traceHooks().inject(carrier);
    if (extra) for (const [k, v] of Object.entries(extra)) carrier.set(k, v);
    return carrier.headers;
  }

  /** Encodes a value; bodies over max_payload go to the object store and travel as a reference. */
  private async encodeBody(subject: string, value: unknown, headers: MsgHdrs): Promise<Uint8Array> {
    const body = encodeJson(value);
    if (body.length <= this.maxBodyBytes) return body;
    const name = `payload.${subject}.${this.nc.info?.client_id ?? 0}.${cryptoRandom()}`;
    const store = await this.artifactStore();
    await store.putBlob({ name }, body);
    headers.set(PAYLOAD_REF_HEADER, '1');
    return refBody({ bucket: Buckets.Artifacts, name, size: body.length });
  }

  /** Reads the body a payload reference points to. */
  async loadPayload(body: Uint8Array, subject: string): Promise<Uint8Array> {
    const ref = validateEnvelope(PayloadRefSchema, parseJson(body, subject), subject) as PayloadRef;
    const store = await this.artifactStore();
    const data = await store.getBlob(ref.name);
    if (!data) {
      throw new BusError(BusErrorCode.NotFound, `payload ${ref.name} referenced on ${subject} is gone`, {
        details: { subject, ref },
      });
    }
    return data;
  }

  private async artifactStore(): Promise<ObjectStore> {
    this.artifacts ??= this.objm.open(Buckets.Artifacts);
    return this.artifacts;
  }

  /** Core NATS publish: fast, at most once. Large bodies are not allowed here. */
  publish(subject: string, value: unknown, options: PublishOptions = {}): void {
    const body = encodeJson(value);
    if (body.length > this.maxBodyBytes) {
      throw new BusError(
        BusErrorCode.PayloadTooLarge,
        `a ${body.length}-byte body is too large for ${subject}`,
        {
          details: { subject, size: body.length },
        },
      );
    }
    this.nc.publish(subject, body, { headers: this.outgoingHeaders(options.headers) });
  }

  /** Publishes raw bytes without headers or trace context: for telemetry itself. */
  publishRaw(subject: string, data: Uint8Array): void {
    this.nc.publish(subject, data);
  }

  /**
   * True now while connected, else once the connection is back, or false when it is not back within
   * `withinMs` (on the bus's clock): for sending again what failed with DISCONNECTED.
   */
  async whenConnected(withinMs = Infinity): Promise<boolean> {
    if (withinMs === Infinity) return this.reconnectGuard.whenConnected().then(() => true);
    let timer: TimerHandle | undefined;
    const back = await Promise.race([
      this.reconnectGuard.whenConnected().then(() => true),
      new Promise<false>((resolve) => (timer = this.clock.setTimeout(() => resolve(false), withinMs))),
    ]);
    if (timer) this.clock.clearTimeout(timer);
    return back;
  }

  /** JetStream publish, acknowledged by the server once stored. */
  async publishDurable(
    subject: string,
    value: unknown,
    options: DurablePublishOptions = {},
  ): Promise<PubAck> {
    const headers = this.outgoingHeaders(options.headers);
    const body = await this.encodeBody(subject, value, headers);
    const publish = () =>
      this.js.publish(subject, body, {
        headers,
        ...(options.msgId ? { msgID: options.msgId } : {}),
        ...(options.retries ? { retries: options.retries } : {}),
        timeout: options.timeoutMs ?? 10_000,
      });
    return this.reconnectGuard.run(publish, `publish to ${subject}`);
  }

  /** Resolves once the server has processed everything this connection sent before. */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  // ---- subscribing ---------------------------------------------------------------------------------

  private async decodeIncoming<T>(msg: Msg, schema: z.ZodType<T>): Promise<T> {
    const body = isPayloadRef(msg.headers) ? await this.loadPayload(msg.data, msg.subject) : msg.data;
    return validateEnvelope(schema, parseJson(body, msg.subject), msg.subject);
  }

  /**
   * Core NATS subscription with schema validation. A message that does not decode is dead-lettered with
   * its reason and the subscription goes on.
   */
  subscribe<T>(
    subject: string,
    schema: z.ZodType<T>,
    handler: (msg: Incoming<T>) => void | Promise<void>,
    options: { queue?: string; onError?: (err: unknown) => void } = {},
  ): Subscription {
    return this.nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) return options.onError?.(err);
        void (async () => {
          let data: T;
          try {
            data = await this.decodeIncoming(msg, schema);
          } catch (decodeErr) {
            await this.recordCoreDeadLetter(msg, decodeErr).catch(() => undefined);
            options.onError?.(decodeErr);
            return;
          }
          const headers = headerCarrier(msg.headers);
          try {
            await traceHooks().runWithExtracted(headers, () =>
              handler({ data, subject: msg.subject, headers, respond: (v) => msg.respond(encodeJson(v)) }),
            );
          } catch (handlerErr) {
            options.onError?.(handlerErr);
          }
        })();
      },
    });
  }

  /** Request/reply with a timeout; fails with TIMEOUT or NO_RESPONDERS. */
  async request<T>(
    subject: string,
    value: unknown,
    schema: z.ZodType<T>,
    options: RequestOptions = {},
  ): Promise<T> {
    const timeout = options.timeoutMs ?? 5_000;
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, encodeJson(value), { timeout, headers: this.outgoingHeaders() });
    } catch (err) {
      const text = `${(err as Error).name} ${(err as Error).message}`;
      if (/no responders|503/i.test(text)) {
        throw new BusError(BusErrorCode.NoResponders, `no one is listening on ${subject}`, {
          cause: err,
          details: { subject },
        });
      }
      if (/timeout/i.test(text)) {
        throw new BusError(BusErrorCode.Timeout, `no reply on ${subject} within ${timeout} ms`, {
          cause: err,
          details: { subject, timeoutMs: timeout },
        });
      }
      throw toTroupeError(err);
    }
    return this.decodeIncoming(reply, schema);
  }

  // ---- work queues ---------------------------------------------------------------------------------

  /** Consumes a role's work queue with bounded concurrency; see `consumeWork`. */
  async consumeWork<T>(options: WorkConsumerOptions<T>): Promise<WorkConsumer> {
    assertConcurrency(options.concurrency);
    await this.ensureWorkConsumer(options.role);
    const durable = Consumers.work(options.role);
    const consumer = await this.js.consumers.get(Streams.Work, durable);
    const info = await consumer.info(true);
    const maxDeliver = info.config.max_deliver ?? this.topology.work.maxDeliver;
    const ackWaitMs = Math.round((info.config.ack_wait ?? this.topology.work.ackWaitMs * 1e6) / 1e6);
    const deadLetter = async (req: DeadLetterRequest) => {
      const record = await this.deadLetter(durable, req);
      await options.onDeadLetter?.(record, req.decoded);
    };
    this.watchMaxDeliveries(Streams.Work, durable, async (record, decoded) => {
      await options.onDeadLetter?.(record, decoded);
    });
    return consumeWork({
      consumer,
      schema: options.schema,
      handler: options.handler,
      concurrency: options.concurrency,
      maxDeliver,
      ackWaitMs,
      clock: this.clock,
      loadPayload: (body, subject) => this.loadPayload(body, subject),
      deadLetter,
      ...(options.keepAlive !== undefined ? { keepAlive: options.keepAlive } : {}),
      ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /**
   * Consumes a shared durable consumer of any stream (the supervisors' task and result consumers) with
   * bounded concurrency.
   */
  async consumeDurable<T>(options: {
    stream: string;
    durable: string;
    schema: z.ZodType<T>;
    concurrency: number;
    handler: WorkHandler<T>;
    onError?: (err: unknown) => void;
  }): Promise<WorkConsumer> {
    assertConcurrency(options.concurrency);
    const consumer = await this.js.consumers.get(options.stream, options.durable);
    const info = await consumer.info(true);
    this.watchMaxDeliveries(options.stream, options.durable);
    return consumeWork({
      consumer,
      schema: options.schema,
      handler: options.handler,
      concurrency: options.concurrency,
      maxDeliver: info.config.max_deliver ?? 10,
      ackWaitMs: Math.round((info.config.ack_wait ?? 30e9) / 1e6),
      clock: this.clock,
      loadPayload: (body, subject) => this.loadPayload(body, subject),
      deadLetter: async (req) => {
        await this.deadLetter(options.durable, req);
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  // ---- dead letters --------------------------------------------------------------------------------

  /** Keeps the failed message's bytes in the object store and writes a dead-letter record. */
  async deadLetter(source: string, req: DeadLetterRequest): Promise<DeadLetter> {
    const info = req.msg.info;
    const record = await this.writeDeadLetter({
      source,
      stream: info.stream,
      streamSeq: info.streamSequence,
      subject: req.msg.subject,
      deliveries: req.deliveries,
      reason: req.reason,
      error: req.error,
      data: req.msg.data,
    });
    // nats-server 2.9 keeps a terminated message in a work-queue stream; the record holds it now.
    await this.jsm.streams.deleteMessage(info.stream, info.streamSequence).catch(() => false);
    return record;
  }

  private async recordCoreDeadLetter(msg: Msg, err: unknown): Promise<void> {
    await this.writeDeadLetter({
      source: 'core',
      stream: '',
      streamSeq: 0,
      subject: msg.subject,
      deliveries: 1,
      reason: 'decode-failed',
      error: (err as Error).message,
      data: msg.data,
    });
  }

  private async writeDeadLetter(r: {
    source: string;
    stream: string;
    streamSeq: number;
    subject: string;
    deliveries: number;
    reason: DeadLetter['reason'];
    error: string;
    data: Uint8Array;
  }): Promise<DeadLetter> {
    const name = r.stream ? `dlq.${r.stream}.${r.streamSeq}` : `dlq.core.${cryptoRandom()}`;
    const store = await this.artifactStore();
    await store.putBlob({ name }, r.data);
    const record: DeadLetter = {
      v: 1,
      source: r.source,
      stream: r.stream,
      streamSeq: r.streamSeq,
      subject: r.subject,
      deliveries: r.deliveries,
      reason: r.reason,
      error: r.error.slice(0, 2_000),
      payload: { bucket: Buckets.Artifacts, name, size: r.data.length },
      at: this.clock.now(),
    };
    await this.publishDurable(subjects.deadLetter(r.source), record, { msgId: name });
    return record;
  }

  /** Reads dead-letter records, oldest first. */
  async readDeadLetters(source?: string, limit = 1_000): Promise<DeadLetter[]> {
    const filter = source ? subjects.deadLetter(source) : subjects.allDeadLetters();
    return this.readStream(Streams.DeadLetters, filter, DeadLetterSchema, { limit });
  }

  /** The bytes of a dead-lettered message. */
  async deadLetterPayload(record: DeadLetter): Promise<Uint8Array | null> {
    if (!record.payload) return null;
    return (await this.artifactStore()).getBlob(record.payload.name);
  }

  /**
   * A work-queue message whose last delivery timed out stays in the stream for ever. The server
   * announces it with an advisory: move it to the dead letters and delete it.
   */
  private watchMaxDeliveries(
    stream: string,
    durable: string,
    onDeadLetter?: (record: DeadLetter, decoded: unknown) => void | Promise<void>,
  ): void {
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          const advisory = parseJson(msg.data, subject) as { stream_seq?: number; deliveries?: number };
          const seq = advisory.stream_seq;
          if (!seq) return;
          const stored = await this.jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (!stored) return;
          const record = await this.writeDeadLetter({
            source: durable,
            stream,
            streamSeq: seq,
            subject: stored.subject,
            deliveries: advisory.deliveries ?? 0,
            reason: 'max-deliveries',
            error: 'no acknowledgement after the last delivery (the worker died or stalled)',
            data: stored.data,
          });
          const deleted = await this.jsm.streams.deleteMessage(stream, seq).catch(() => false);
          if (!deleted) return;
          let decoded: unknown;
          try {
            decoded = parseJson(stored.data, stored.subject);
          } catch {
            decoded = undefined;
          }
          await onDeadLetter?.(record, decoded);
        })().catch(() => undefined);
      },
    });
    this.advisorySubs.push(sub);
  }

  // ---- streams as logs -----------------------------------------------------------------------------

  /**
   * Reads the records stored in a stream (events, audit, dead letters) from `startSeq` or after a record's
   * `position`, filtered by subject, without creating a durable consumer. A message that holds an array
   * (a log batch, see `append`) yields each element.
   */
  async readStream<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { limit?: number } = {},
  ): Promise<T[]> {
    return (await this.readStreamWithSeq(stream, filterSubject, schema, options)).map((r) => r.data);
  }

  async readStreamWithSeq<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { limit?: number } = {},
  ): Promise<Array<StoredRecord<T>>> {
    const limit = options.limit ?? 1_000;
    const info = await this.jsm.streams.info(stream);
    if (info.state.messages === 0) return [];
    const out: Array<StoredRecord<T>> = [];
    const config = this.readerConfig(filterSubject, options);
    const seen = new SeenIds();
    for await (const m of this.readPending(stream, config, () => limit - out.length)) {
      for (const record of await this.storedRecords(m, schema, options, seen)) {
        if (out.length < limit) out.push(record);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * The messages an ephemeral consumer has pending when it is created (with any that arrive while they are
   * read), then it is removed. A message removed after the count was taken (a KV key overwritten) ends the
   * read at the next empty fetch, two seconds later at the most, instead of waiting for ever. `wanted` bounds
   * each fetch by how many more messages the reader can use.
   */
  private async *readPending(
    stream: string,
    config: Partial<ConsumerConfig>,
    wanted: () => number = () => Infinity,
  ): AsyncGenerator<JsMsg> {
    const created = await this.jsm.consumers.add(stream, config);
    try {
      const consumer = await this.js.consumers.get(stream, created.name);
      let pending = created.num_pending;
      while (pending > 0 && wanted() > 0) {
        const batch = await consumer.fetch({
          max_messages: Math.min(wanted(), pending, 500),
          expires: 2_000,
        });
        let got = 0;
        for await (const m of batch) {
          got++;
          pending = m.info.pending;
          yield m;
        }
        if (got === 0) break;
      }
    } finally {
      await this.jsm.consumers.delete(stream, created.name).catch(() => undefined);
    }
  }

  /**
   * The keys of a KV bucket that hold a value, matching `filter` (a subject pattern over keys): every stored
   * message, headers only, in order, the last operation per key deciding (Troupe's buckets keep one
   * revision per key, so that is one message per key). A key overwritten during the read has its new
   * message appended after the reader, so it is still seen; a last-per-subject consumer instead skipped such
   * keys now and then on nats-server 2.9. A bounded read: nats.js's `kv.keys()` can wait 30 s for a
   * heartbeat when a key is written while it lists.
   */
  private async kvKeys(bucket: string, filter: string): Promise<string[]> {
    const prefix = `$KV.${bucket}.`;
    const keys = new Set<string>();
    const config: Partial<ConsumerConfig> = {
      ...EPHEMERAL,
      filter_subject: `${prefix}${filter}`,
      deliver_policy: DeliverPolicy.All,
      headers_only: true,
    };
    for await (const m of this.readPending(`KV_${bucket}`, config)) {
      const key = m.subject.slice(prefix.length);
      const operation = m.headers?.get('KV-Operation');
      if (operation === 'DEL' || operation === 'PURGE') keys.delete(key);
      else keys.add(key);
    }
    return [...keys];
  }

  /**
   * Follows a stream from `startSeq`, after a `position`, or from now, filtered by one subject, until
   * `stop()`: stored records first, then live ones. Undecodable records are skipped.
   */
  async tailStream<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { fromNow?: boolean } = {},
  ): Promise<AsyncIterable<StoredRecord<T>> & { stop(): Promise<void> }> {
    const open = async (config: Partial<ConsumerConfig>) => {
      const created = await this.jsm.consumers.add(stream, config);
      const consumer = await this.js.consumers.get(stream, created.name);
      const messages = await consumer.consume({ max_messages: 256, idle_heartbeat: 5_000, expires: 30_000 });
      return { name: created.name, messages };
    };
    let current = await open(this.readerConfig(filterSubject, options));
    const jsm = this.jsm;
    const seen = new SeenIds();
    const storedRecords = (m: JsMsg) => this.storedRecords(m, schema, options, seen);
    /** The stream sequence of the last message handed out. */
    let lastSeq: number | undefined;
    let stopped = false;
    let reconnected = false;
    // A restarted server has forgotten its ephemeral consumers, and the client would wait for heartbeats
    // that never come: after every reconnect the tail starts over after the last message it handed out.
    const stopWatching = this.reconnectGuard.onReconnect(() => {
      reconnected = true;
      void current.messages.close().catch(() => undefined);
    });
    const reopen = async () => {
      const old = current.name;
      void jsm.consumers.delete(stream, old).catch(() => undefined);
      const config =
        lastSeq === undefined
          ? this.readerConfig(filterSubject, options)
          : this.readerConfig(filterSubject, { startSeq: lastSeq + 1 });
      for (let attempt = 1; ; attempt++) {
        try {
          current = await open(config);
          // Another reconnect while this one was opened: start over again.
          if (reconnected) void current.messages.close().catch(() => undefined);
          return;
        } catch (err) {
          // The server may still be bringing JetStream up; past that, the reader ends with the error.
          if (attempt >= 5) throw err;
          await pause(100 * attempt, this.clock);
        }
      }
    };
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      stopWatching();
      await current.messages.close().catch(() => undefined);
      await jsm.consumers.delete(stream, current.name).catch(() => undefined);
    };
    return {
      stop,
      async *[Symbol.asyncIterator]() {
        try {
          while (!stopped) {
            for await (const m of current.messages) {
              yield* await storedRecords(m);
              lastSeq = m.seq;
            }
            if (stopped || !reconnected) break;
            reconnected = false;
            await reopen();
          }
        } finally {
          await stop();
        }
      },
    };
  }

  /**
   * The progress events or audit records of a task's journal (or of a tenant's, or every task's), in the order
   * they were stored, each with its position: every revision of a task's record carries what its write added.
   */
  readJournal<T>(
    kind: JournalKind,
    filter: JournalFilter,
    schema: z.ZodType<T>,
    options: Omit<StreamReadOptions, 'records'> & { limit?: number } = {},
  ): Promise<Array<StoredRecord<T>>> {
    return this.readStreamWithSeq(journal.stream, journal.subject(filter), schema, {
      ...options,
      records: journalRecords(kind),
    });
  }

  /** Follows a journal like `tailStream`: stored records first, then each new revision's. */
  tailJournal<T>(
    kind: JournalKind,
    filter: JournalFilter,
    schema: z.ZodType<T>,
    options: Omit<StreamReadOptions, 'records'> & { fromNow?: boolean } = {},
  ): Promise<AsyncIterable<StoredRecord<T>> & { stop(): Promise<void> }> {
    return this.tailStream(journal.stream, journal.subject(filter), schema, {
      ...options,
      records: journalRecords(kind),
    });
  }

  /**
   * The records of one stored message, each with its position; those at or before `after`, and those this
   * reader has handed out already (by `id`), are left out. A record that no longer decodes is skipped here; it
   * stays in the stream for inspection.
   */
  private async storedRecords<T>(
    m: JsMsg,
    schema: z.ZodType<T>,
    { after, records = asRecords }: StreamReadOptions,
    seen: SeenIds,
  ) {
    let decoded: unknown;
    try {
      const body = isPayloadRef(m.headers) ? await this.loadPayload(m.data, m.subject) : m.data;
      decoded = parseJson(body, m.subject);
    } catch {
      return [];
    }
    const out: Array<StoredRecord<T>> = [];
    records(decoded).forEach((value, index) => {
      const position = m.seq * LOG_SLOTS + index;
      if (after !== undefined && position <= after) return;
      const parsed = schema.safeParse(value);
      if (parsed.success && seen.firstTime(parsed.data))
        out.push({ seq: m.seq, index, position, data: parsed.data });
    });
    return out;
  }

  /**
   * An ephemeral, unacknowledged consumer with a single filter_subject (nats-server 2.9 has no
   * filter_subjects), removed by the server 30 s after its reader goes away.
   */
  private readerConfig(
    filterSubject: string,
    options: StreamReadOptions & { fromNow?: boolean },
  ): Partial<ConsumerConfig> {
    const startSeq =
      options.after !== undefined ? Math.floor(options.after / LOG_SLOTS) || 1 : options.startSeq;
    return {
      ...EPHEMERAL,
      filter_subject: filterSubject,
      ...(startSeq
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
        : options.fromNow
          ? { deliver_policy: DeliverPolicy.New }
          : { deliver_policy: DeliverPolicy.All }),
    };
  }

  /** The last message stored on a subject, decoded; undefined when the stream holds none. */
  async lastOnSubject<T>(stream: string, subject: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const stored = await this.reconnectGuard.run(
      () => this.jsm.streams.getMessage(stream, { last_by_subj: subject }),
      `read the last message on ${subject}`,
    );
    if (!stored) return undefined;
    const body = isPayloadRef(stored.header) ? await this.loadPayload(stored.data, subject) : stored.data;
    return validateEnvelope(schema, parseJson(body, subject), subject);
  }

  /** The subjects holding messages in a stream that match `filter`: one request, however many there are. */
  async subjectsIn(stream: string, filter: string): Promise<string[]> {
    const info = await this.reconnectGuard.run(
      () => this.jsm.streams.info(stream, { subjects_filter: filter }),
      `list the subjects of ${stream}`,
    );
    return Object.keys(info.state.subjects ?? {});
  }

  // ---- KV ------------------------------------------------------------------------------------------

  async kv<T>(bucket: string, schema: z.ZodType<T>): Promise<TypedKv<T>> {
    let kv = this.kvCache.get(bucket);
    if (!kv) {
      kv = this.kvm.open(bucket);
      this.kvCache.set(bucket, kv);
    }
    return new TypedKv(await kv, bucket, schema, (filter) => this.kvKeys(bucket, filter), {
      guard: (request, what) => this.reconnectGuard.run(request, `${bucket}: ${what}`),
      // The KV headers (an expected revision, a message id) fit in what HEADER_ROOM leaves.
      maxValueBytes: () => this.maxBodyBytes,
      countKeys: async (filter) => {
        const subject = `$KV.${bucket}.${filter}`;
        const info = await this.jsm.streams.info(`KV_${bucket}`, { subjects_filter: subject });
        return Object.keys(info.state.subjects ?? {}).length;
      },
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  get isClosed(): boolean {
    return this.closed || this.nc.isClosed();
  }

  /** Drains subscriptions and pending publishes, then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.advisorySubs) sub.unsubscribe();
    if (this.nc.isClosed()) return;
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.drainTimeoutMs).unref());
    const result = await Promise.race([this.nc.drain().then(() => 'drained' as const), timer]).catch(
      () => 'failed',
    );
    if (result !== 'drained') await this.nc.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A stored message holds one record, or several as a JSON array. */
function asRecords(decoded: unknown): unknown[] {
  return Array.isArray(decoded) ? decoded : [decoded];
}

function cryptoRandom(): string {
  return globalThis.crypto.randomUUID().replaceAll('-', '');
}

export interface BusOptions extends ConnectOptions {
  clock?: Clock;
  topology?: TopologyOptions;
}

/**
 * Connects to NATS: servers from `NATS_URL` unless given, credentials from options or
 * `TROUPE_NATS_CREDS`, reconnecting for ever with jittered backoff; `close()` drains.
 */
export async function connect(options: BusOptions = {}): Promise<Bus> {
  const { clock, topology, ...connectOptions } = options;
  const o = resolveConnectOptions(connectOptions);
  const authenticator = o.credsFile
    ? credsAuthenticator(readCredsFile(o.credsFile))
    : o.nkeySeed
      ? nkeyAuthenticator(new TextEncoder().encode(o.nkeySeed))
      : undefined;
  let nc: NatsConnection;
  try {
    nc = await natsConnect({
      servers: o.servers,
      name: o.name ?? `troupe-${hostname()}-${process.pid}`,
      timeout: o.timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: o.reconnectWaitMs,
      reconnectJitter: o.reconnectJitterMs,
      waitOnFirstConnect: false,
      noAsyncTraces: true,
      ...(o.user ? { user: o.user, pass: o.pass ?? '' } : {}),
      ...(o.token ? { token: o.token } : {}),
      ...(authenticator ? { authenticator } : {}),
    });
  } catch (err) {
    throw new BusError(
      BusErrorCode.ConnectFailed,
      `cannot connect to NATS at ${o.servers.join(', ')}: ${(err as Error).message}`,
      {
        cause: err,
        details: { servers: o.servers },
      },
    );
  }
  const js = jetstream(nc, { timeout: 10_000 });
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  return new Bus(nc, js, jsm, clock ?? systemClock, topology ?? {}, o.drainTimeoutMs);
}
