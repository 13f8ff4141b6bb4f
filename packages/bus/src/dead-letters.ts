import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Clock } from './clock.js';
import { parseJson } from './codec.js';
import { DeadLetterSchema, type DeadLetter } from './envelopes.js';
import { randomName, type PayloadStore } from './payloads.js';
import type { Publisher } from './publisher.js';
import type { StreamReader } from './stream-reader.js';
import { subjects } from './subjects.js';
import { Buckets, Streams } from './topology.js';
import type { DeadLetterRequest } from './work-queue.js';

export type OnDeadLetter = (record: DeadLetter, decoded: unknown) => void | Promise<void>;

interface DeadLetterWrite {
  source: string;
  stream: string;
  streamSeq: number;
  subject: string;
  deliveries: number;
  reason: DeadLetter['reason'];
  error: string;
  data: Uint8Array;
}

/**
 * Messages that cannot be handled: their bytes go to the object store and a record to TROUPE_DLQ; the
 * consumer then acks the message, which removes it from its work-queue stream.
 */
export class DeadLetters {
  private readonly advisorySubs: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly payloads: PayloadStore,
    private readonly publisher: Publisher,
    private readonly reader: StreamReader,
    private readonly clock: Clock,
  ) {}

  /** Keeps a failed stream message's bytes and writes its record. */
  async record(source: string, req: DeadLetterRequest): Promise<DeadLetter> {
    const info = req.msg.info;
    const record = await this.write({
      source,
      stream: info.stream,
      streamSeq: info.streamSequence,
      subject: req.msg.subject,
      deliveries: req.deliveries,
      reason: req.reason,
      error: req.error,
      data: req.msg.data,
    });
    return record;
  }

  /** A core message that did not decode. */
  async recordCore(msg: Msg, err: unknown): Promise<void> {
    await this.write({
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

  /** Dead-letter records, oldest first. */
  async read(source?: string, limit = 1_000): Promise<DeadLetter[]> {
    const filter = source ? subjects.deadLetter(source) : subjects.allDeadLetters();
    return this.reader.readStream(Streams.DeadLetters, filter, DeadLetterSchema, { limit });
  }

  /** The bytes of a dead-lettered message. */
  async payload(record: DeadLetter): Promise<Uint8Array | null> {
    if (!record.payload) return null;
    return this.payloads.get(record.payload.name);
  }

  /**
   * A work-queue message whose last delivery timed out stays in the stream for ever. The server
   * announces it with an advisory: move it to the dead letters and delete it. This reads and deletes by
   * sequence, so only a process with rights on the whole stream uses it (the supervisor, for its own
   * consumers); a role's work consumer gets one delivery more than its attempts and dead-letters that one
   * from the message in hand (see `consumeWork`).
   */
  watchMaxDeliveries(stream: string, durable: string, onDeadLetter?: OnDeadLetter): void {
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        void this.onMaxDeliveries(stream, durable, msg, onDeadLetter).catch(() => undefined);
      },
    });
    this.advisorySubs.push(sub);
  }

  /** Stops following advisories. */
  close(): void {
    for (const sub of this.advisorySubs) sub.unsubscribe();
    this.advisorySubs.length = 0;
  }

  private async onMaxDeliveries(
    stream: string,
    durable: string,
    advisory: Msg,
    onDeadLetter?: OnDeadLetter,
  ): Promise<void> {
    const { stream_seq: seq, deliveries } = parseJson(advisory.data, advisory.subject) as {
      stream_seq?: number;
      deliveries?: number;
    };
    if (!seq) return;
    const stored = await this.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!stored) return;
    const record = await this.write({
      source: durable,
      stream,
      streamSeq: seq,
      subject: stored.subject,
      deliveries: deliveries ?? 0,
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
  }

  private async write(r: DeadLetterWrite): Promise<DeadLetter> {
    const name = r.stream ? `dlq.${r.stream}.${r.streamSeq}` : `dlq.core.${randomName()}`;
    await this.payloads.put(name, r.data);
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
    await this.publisher.publishDurable(subjects.deadLetter(r.source), record, { msgId: name });
    return record;
  }
}
