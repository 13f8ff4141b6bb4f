import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { z } from 'zod';
import { TypedKv } from './kv.js';
import { readerConfig, readPending } from './read-pending.js';
import type { ReconnectGuard } from './reconnect-guard.js';
import type { StreamReader } from './stream-reader.js';

/** KV buckets: typed handles, and the key listings nats.js makes slow or unbounded. */
export class KvAccess {
  private readonly kvm: Kvm;
  private readonly opened = new Map<string, Promise<KV>>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly reader: StreamReader,
    private readonly guard: ReconnectGuard,
    /** The largest value the server accepts with a KV operation's headers. */
    private readonly maxValueBytes: () => number,
    private readonly isClosed: () => boolean,
  ) {
    this.kvm = new Kvm(js);
  }

  async open<T>(bucket: string, schema: z.ZodType<T>): Promise<TypedKv<T>> {
    let kv = this.opened.get(bucket);
    if (!kv) {
      kv = this.kvm.open(bucket);
      this.opened.set(bucket, kv);
    }
    return new TypedKv(await kv, bucket, schema, {
      guard: (request, what) => this.guard.run(request, `${bucket}: ${what}`),
      maxValueBytes: this.maxValueBytes,
      listKeys: (filter) => this.keys(bucket, filter),
      countKeys: async (filter) => (await this.keyCounts(bucket, filter)).size,
      publishOver: async (key, body, expectedRevision) => {
        const headers = natsHeaders();
        headers.set('Nats-Msg-Id', `${key}@${expectedRevision}`);
        const ack = await this.js.publish(`${kvSubjectPrefix(bucket)}${key}`, body, {
          headers,
          expect: { lastSubjectSequence: expectedRevision },
        });
        return { revision: ack.seq, duplicate: ack.duplicate };
      },
      isClosed: this.isClosed,
      whenConnected: () => this.guard.whenConnected(),
    });
  }

  /**
   * The keys of a bucket that hold a value, matching `filter` (a subject pattern over keys): every stored
   * message, headers only, in order, the last operation per key deciding (Troupe's buckets keep one
   * revision per key, so that is one message per key). A key overwritten during the read has its new
   * message appended after the reader, so it is still seen; a last-per-subject consumer instead skipped such
   * keys now and then on nats-server 2.9. A bounded read: nats.js's `kv.keys()` can wait 30 s for a
   * heartbeat when a key is written while it lists.
   */
  async keys(bucket: string, filter: string): Promise<string[]> {
    const prefix = kvSubjectPrefix(bucket);
    const keys = new Set<string>();
    const config = readerConfig(
      `${prefix}${filter}`,
      {},
      { deliver_policy: DeliverPolicy.All, headers_only: true },
    );
    for await (const m of readPending(this.js, this.jsm, kvStream(bucket), config)) {
      const key = m.subject.slice(prefix.length);
      const operation = m.headers?.get('KV-Operation');
      if (operation === 'DEL' || operation === 'PURGE') keys.delete(key);
      else keys.add(key);
    }
    return [...keys];
  }

  /**
   * The keys matching `filter` with how many revisions each has stored (deleted keys included while their
   * delete marker is kept): one request, however many keys there are.
   */
  async keyCounts(bucket: string, filter: string): Promise<Map<string, number>> {
    const prefix = kvSubjectPrefix(bucket);
    const counts = await this.reader.subjectCounts(kvStream(bucket), `${prefix}${filter}`);
    return new Map([...counts].map(([subject, n]) => [subject.slice(prefix.length), n]));
  }
}

const kvStream = (bucket: string) => `KV_${bucket}`;
const kvSubjectPrefix = (bucket: string) => `$KV.${bucket}.`;
