import type { MsgHdrs } from '@nats-io/nats-core';

/** At most this many records share one log message; a record's position is `streamSeq * LOG_SLOTS + index`. */
export const LOG_SLOTS = 1_000;
const MAX_RECORDS = 500;

interface Pending {
  json: string;
  bytes: number;
  msgId: string | undefined;
}

interface Batch {
  records: Pending[];
  /** The trace context of the first record's publisher. */
  headers: (msgId: string | undefined) => MsgHdrs;
}

export interface LogBatcherOptions {
  /** Largest body one message may carry. */
  maxBody: number;
  /**
   * Captures the trace context now (at a batch's first record) and returns what builds each of its
   * messages' headers, with their `Nats-Msg-Id`.
   */
  headers: () => (msgId: string | undefined) => MsgHdrs;
  send: (subject: string, body: string, headers: MsgHdrs) => void;
  /** Publishes a record too large for a log message on its own (acknowledged, through the object store). */
  sendLarge: (subject: string, value: unknown, msgId: string | undefined) => Promise<unknown>;
}

/**
 * Log records (progress events, audit records) appended to one subject within one turn of the event loop
 * travel as one message: a JSON array when there are several, the record itself when there is one. A
 * transition's audit records and an agent step's progress events each become one stored message instead of
 * one per record. The message's `Nats-Msg-Id` is its first record's id and the count, so the same records
 * sent again (a supervisor carrying out a transition's effects after a crash) are still deduplicated.
 */
export class LogBatcher {
  private readonly pending = new Map<string, Batch>();
  /** Subjects whose large record is still on its way: what comes after it waits. */
  private readonly held = new Map<string, Promise<unknown>>();
  private scheduled = false;

  constructor(private readonly options: LogBatcherOptions) {}

  /** Queues a record. One too large for a log message goes alone; the promise says when it is stored. */
  add(subject: string, value: unknown, msgId: string | undefined): void | Promise<unknown> {
    const json = JSON.stringify(value);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.options.maxBody) return this.addLarge(subject, value, msgId);
    let batch = this.pending.get(subject);
    if (!batch) {
      batch = { records: [], headers: this.options.headers() };
      this.pending.set(subject, batch);
    }
    batch.records.push({ json, bytes, msgId });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private addLarge(subject: string, value: unknown, msgId: string | undefined): Promise<unknown> {
    const before = this.held.get(subject) ?? Promise.resolve();
    this.drain(subject);
    // After what was queued or held before it; what is appended after it waits until it is stored.
    const sent = before.then(() => {
      this.drain(subject);
      return this.options.sendLarge(subject, value, msgId);
    });
    const release: Promise<unknown> = sent
      .catch(() => undefined)
      .finally(() => {
        if (this.held.get(subject) !== release) return;
        this.held.delete(subject);
        this.drain(subject);
      });
    this.held.set(subject, release);
    return sent;
  }

  /**
   * Sends what is queued now, for the given subjects or for all; false (and nothing sent) while one of them
   * waits for a large record on its way.
   */
  sendNow(subjects?: readonly string[]): boolean {
    if (subjects === undefined) {
      if (this.held.size > 0) return false;
      this.drain();
      return true;
    }
    if (subjects.some((s) => this.held.has(s))) return false;
    for (const s of subjects) this.drain(s);
    return true;
  }

  /** Sends everything queued, once the large records it waits for are stored. */
  async sendAll(): Promise<void> {
    while (this.held.size > 0) await Promise.all([...this.held.values()]);
    this.drain();
  }

  /**
   * Sends what is queued, for one subject or for all, in the order the subjects were first appended to;
   * a subject waiting for its large record keeps its queue.
   */
  drain(subject?: string): void {
    const subjects = subject === undefined ? [...this.pending.keys()] : [subject];
    if (subject === undefined) this.scheduled = false;
    for (const s of subjects) {
      const batch = this.pending.get(s);
      if (!batch || this.held.has(s)) continue;
      this.pending.delete(s);
      // As many records per message as fit (MAX_RECORDS, max_payload), in order.
      let chunk: Pending[] = [];
      let bytes = 2;
      for (const record of batch.records) {
        if (
          chunk.length > 0 &&
          (chunk.length >= MAX_RECORDS || bytes + record.bytes + 1 > this.options.maxBody)
        ) {
          this.sendChunk(s, chunk, batch);
          chunk = [];
          bytes = 2;
        }
        chunk.push(record);
        bytes += record.bytes + 1;
      }
      if (chunk.length > 0) this.sendChunk(s, chunk, batch);
    }
  }

  private sendChunk(subject: string, records: Pending[], batch: Batch): void {
    const first = records[0]!;
    const single = records.length === 1;
    const everyId = records.every((r) => r.msgId !== undefined);
    const msgId = single ? first.msgId : everyId ? `${first.msgId}+${records.length}` : undefined;
    const body = single ? first.json : `[${records.map((r) => r.json).join(',')}]`;
    this.options.send(subject, body, batch.headers(msgId));
  }
}

/** The records one stored log message holds: an array's elements, or the message itself. */
export function logRecords(decoded: unknown): unknown[] {
  return Array.isArray(decoded) ? decoded : [decoded];
}
