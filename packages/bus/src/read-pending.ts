import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { LOG_SLOTS } from './journal.js';

/** Readers' consumers: unacknowledged, in memory, removed by the server 30 s after their reader goes away. */
const EPHEMERAL = {
  ack_policy: AckPolicy.None,
  inactive_threshold: 30_000_000_000,
  mem_storage: true,
} as const;

/** Where a read starts: a stream sequence, after a record's position, from now, or from the beginning. */
export interface ReadStart {
  startSeq?: number | undefined;
  after?: number | undefined;
  fromNow?: boolean | undefined;
}

/**
 * An ephemeral, unacknowledged consumer with a single filter_subject (nats-server 2.9 has no
 * filter_subjects), removed by the server 30 s after its reader goes away.
 */
export function readerConfig(
  filterSubject: string,
  start: ReadStart,
  extra: Partial<ConsumerConfig> = {},
): Partial<ConsumerConfig> {
  const startSeq = start.after !== undefined ? Math.floor(start.after / LOG_SLOTS) || 1 : start.startSeq;
  return {
    ...EPHEMERAL,
    filter_subject: filterSubject,
    ...(startSeq
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
      : start.fromNow
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.All }),
    ...extra,
  };
}

/**
 * The messages an ephemeral consumer has pending when it is created (with any that arrive while they are
 * read), then it is removed. A message removed after the count was taken (a KV key overwritten) ends the
 * read at the next empty fetch, two seconds later at the most, instead of waiting for ever. `wanted` bounds
 * each fetch by how many more messages the reader can use.
 */
export async function* readPending(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig>,
  wanted: () => number = () => Infinity,
): AsyncGenerator<JsMsg> {
  const created = await jsm.consumers.add(stream, config);
  try {
    const consumer = await js.consumers.get(stream, created.name);
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
    await jsm.consumers.delete(stream, created.name).catch(() => undefined);
  }
}
