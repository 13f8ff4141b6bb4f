import type { ConsumerConfig, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { z } from 'zod';
import { pause, type Clock } from './clock.js';
import { parseJson, validateEnvelope } from './codec.js';
import { journal, journalRecords, LOG_SLOTS, type JournalFilter, type JournalKind } from './journal.js';
import type { PayloadStore } from './payloads.js';
import { readerConfig, readPending } from './read-pending.js';
import type { ReconnectGuard } from './reconnect-guard.js';
import { SeenIds } from './seen-ids.js';

export interface StreamReadOptions {
  /** The first stream sequence to read. */
  startSeq?: number;
  /** Read the records after this one (a `position` from an earlier read): for resuming. */
  after?: number;
  /** The records a stored message holds; default: the message itself, or each element of an array. */
  records?: (decoded: unknown) => unknown[];
  /**
   * Called for each stored record that does not decode (not JSON, or not the schema's shape): the reader
   * skips it, and the record stays in the stream for inspection. Default: skipped without a word.
   */
  onInvalid?: (record: InvalidRecord) => void;
}

/** A stored record a reader skipped: where it is, and why it did not decode. */
export interface InvalidRecord {
  seq: number;
  /** The record's index in its message; undefined when the message as a whole did not decode. */
  index?: number;
  subject: string;
  reason: string;
}

/** A record read from a stream: its message's sequence, its index in that message, and its position. */
export interface StoredRecord<T> {
  seq: number;
  index: number;
  /** `seq * LOG_SLOTS + index`: increases with every record of the stream, usable as a resume point. */
  position: number;
  data: T;
}

/** A stream followed until `stop()`. */
export type StreamTail<T> = AsyncIterable<StoredRecord<T>> & { stop(): Promise<void> };

/** Streams read as logs: bounded reads, tails that survive a server restart, and subject counts. */
/** What a consumer's messages report when the consumer is gone from the server. */
const LOST_CONSUMER = new Set(['heartbeats_missed', 'consumer_not_found', 'consumer_deleted']);

export class StreamReader {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly payloads: PayloadStore,
    private readonly guard: ReconnectGuard,
    private readonly clock: Clock,
  ) {}

  /**
   * Reads the records stored in a stream (events, audit, dead letters) from `startSeq` or after a record's
   * `position`, filtered by subject, without creating a durable consumer. A message that holds an array
   * (a log batch) yields each element.
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
    const config = readerConfig(filterSubject, options);
    const seen = new SeenIds();
    for await (const m of readPending(this.js, this.jsm, stream, config, () => limit - out.length)) {
      for (const record of await this.storedRecords(m, schema, options, seen)) {
        if (out.length < limit) out.push(record);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Follows a stream from `startSeq`, after a `position`, or from now, filtered by one subject, until
   * `stop()`: stored records first, then live ones. Undecodable records are skipped (see `onInvalid`).
   */
  async tailStream<T>(
    stream: string,
    filterSubject: string,
    schema: z.ZodType<T>,
    options: StreamReadOptions & { fromNow?: boolean } = {},
  ): Promise<StreamTail<T>> {
    const { js, jsm, clock } = this;
    const open = async (config: Partial<ConsumerConfig>) => {
      const created = await jsm.consumers.add(stream, config);
      const consumer = await js.consumers.get(stream, created.name);
      const messages = await consumer.consume({ max_messages: 256, idle_heartbeat: 5_000, expires: 30_000 });
      void watchConsumer(messages);
      return { name: created.name, messages };
    };
    // On a cluster the (ephemeral, single-replica) consumer dies with its node while the client stays
    // connected to another: its lost heartbeats, or the server saying it is gone, start the tail over too.
    const watchConsumer = async (messages: Awaited<ReturnType<typeof open>>['messages']) => {
      for await (const status of messages.status()) {
        if (!LOST_CONSUMER.has(status.type)) continue;
        if (messages === current.messages) startOver();
        return;
      }
    };
    let current = await open(readerConfig(filterSubject, options));
    const seen = new SeenIds();
    const storedRecords = (m: JsMsg) => this.storedRecords(m, schema, options, seen);
    /** The stream sequence of the last message handed out. */
    let lastSeq: number | undefined;
    let stopped = false;
    let reconnected = false;
    // A restarted server has forgotten its ephemeral consumers, and the client would wait for heartbeats
    // that never come: after every reconnect the tail starts over after the last message it handed out.
    const startOver = () => {
      reconnected = true;
      void current.messages.close().catch(() => undefined);
    };
    const stopWatching = this.guard.onReconnect(startOver);
    const reopen = async () => {
      void jsm.consumers.delete(stream, current.name).catch(() => undefined);
      const config =
        lastSeq === undefined
          ? readerConfig(filterSubject, options)
          : readerConfig(filterSubject, { startSeq: lastSeq + 1 });
      for (let attempt = 1; ; attempt++) {
        try {
          current = await open(config);
          // Another reconnect while this one was opened: start over again.
          if (reconnected) void current.messages.close().catch(() => undefined);
          return;
        } catch (err) {
          // The server may still be bringing JetStream up; past that, the reader ends with the error.
          if (attempt >= 5) throw err;
          await pause(100 * attempt, clock);
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
  ): Promise<StreamTail<T>> {
    return this.tailStream(journal.stream, journal.subject(filter), schema, {
      ...options,
      records: journalRecords(kind),
    });
  }

  /**
   * The subjects of a stream that hold messages, matching `filter` (`*` and `>`), with how many each holds:
   * one stream-info request, where reading the messages would take one fetch per message.
   */
  /** The last message stored on a subject, decoded; undefined when the stream holds none. */
  async lastOnSubject<T>(stream: string, subject: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const stored = await this.guard.run(
      () => this.jsm.streams.getMessage(stream, { last_by_subj: subject }),
      `${stream}: read the last message on ${subject}`,
    );
    if (!stored) return undefined;
    const body = await this.payloads.body({ headers: stored.header, data: stored.data, subject });
    return validateEnvelope(schema, parseJson(body, subject), subject);
  }

  async subjectCounts(stream: string, filter: string): Promise<Map<string, number>> {
    const info = await this.guard.run(
      () => this.jsm.streams.info(stream, { subjects_filter: filter }),
      `${stream}: count ${filter}`,
    );
    return new Map(Object.entries(info.state.subjects ?? {}));
  }

  /**
   * The records of one stored message, each with its position; those at or before `after`, and those this
   * reader has handed out already (by `id`), are left out. A record that no longer decodes is skipped here and
   * reported to `onInvalid`; it stays in the stream for inspection.
   */
  private async storedRecords<T>(
    m: JsMsg,
    schema: z.ZodType<T>,
    { after, records = asRecords, onInvalid }: StreamReadOptions,
    seen: SeenIds,
  ): Promise<Array<StoredRecord<T>>> {
    const invalid = (reason: string, index?: number) =>
      onInvalid?.({ seq: m.seq, ...(index !== undefined ? { index } : {}), subject: m.subject, reason });
    let values: unknown[];
    try {
      values = records(parseJson(await this.payloads.body(m), m.subject));
    } catch (err) {
      invalid(err instanceof Error ? err.message : String(err));
      return [];
    }
    const out: Array<StoredRecord<T>> = [];
    values.forEach((value, index) => {
      const position = m.seq * LOG_SLOTS + index;
      if (after !== undefined && position <= after) return;
      const parsed = schema.safeParse(value);
      if (!parsed.success) invalid(invalidReason(parsed.error), index);
      else if (seen.firstTime(parsed.data)) out.push({ seq: m.seq, index, position, data: parsed.data });
    });
    return out;
  }
}

/** The first issue of a failed parse, with its path: enough for a log line. */
function invalidReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'does not match the schema';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/** A stored message holds one record, or several as a JSON array. */
function asRecords(decoded: unknown): unknown[] {
  return Array.isArray(decoded) ? decoded : [decoded];
}
