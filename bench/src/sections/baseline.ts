import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Buckets, connect, subjects } from '@troupe/bus';
import { z } from 'zod';
import { startNatsServer } from '@troupe/bus/testing';
import { benchSubjects } from '../bench-subjects.js';
import { childScript, type ProcessPool } from '../process-pool.js';
import { round, summarise, type LatencySummary } from '../stats.js';

export interface BaselineResult {
  /** Request/reply between this process and an echo process, 128-byte body. */
  requestReply: LatencySummary;
  /** JetStream publish awaited for its ack, one at a time, file store. */
  jsPublishSequential: LatencySummary;
  /** JetStream publishes with up to 1,000 awaiting their ack: what the broker stores per second. */
  jsPublishInFlight: { messages: number; inFlight: number; perSec: number };
  /** KV update with compare-and-set on the last revision, one at a time. */
  kvUpdate: LatencySummary;
  /** The same with a 4 KB value, the size of a task record. */
  kvUpdateRecord: LatencySummary;
  /** A core publish into Troupe's work-queue stream until `consumeWork` runs the handler, one at a time. */
  workDelivery: LatencySummary;
  /**
   * What one supervisor → agent → supervisor hop of Troupe's design waits for on the bus alone: two work-queue
   * deliveries (the assignment, the result) and the record's compare-and-set, p50s added.
   */
  hopFloorP50: number;
}

export interface BaselineOptions {
  requests: number;
  publishes: number;
  burst: number;
}

/** The bus's own limits on this machine: what one hop of any framework on it cannot beat. */
export async function runBaseline(pool: ProcessPool, o: BaselineOptions): Promise<BaselineResult> {
  await using server = await startNatsServer();
  const killServer = () => (server.pid ? process.kill(server.pid, 'SIGKILL') : undefined);
  process.on('exit', killServer);
  const responder = await pool.start('echo', childScript('echo-responder'), { NATS_URL: server.url });
  const bus = await connect({ servers: server.url, name: 'bench-baseline' });
  // The bare-nats figures come from a connection of their own: the bus keeps its handles to itself.
  const nc = await natsConnect({ servers: server.url, name: 'bench-baseline-nats', noAsyncTraces: true });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const body = new Uint8Array(128).fill(120);

    const timed = async (n: number, warmUp: number, op: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < warmUp; i++) await op(i);
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await op(i);
        samples.push(performance.now() - t);
      }
      return summarise(samples);
    };

    const requestReply = await timed(o.requests, 500, () =>
      nc.request(benchSubjects.echo(), body, { timeout: 5_000 }),
    );

    // A file-store stream (the default), like Troupe's.
    await jsm.streams.add({ name: 'BENCH', subjects: ['bench.js.>'] });
    const jsPublishSequential = await timed(o.publishes, 200, () => js.publish('bench.js.seq', body));

    const inFlight = 1_000;
    let next = 0;
    const start = performance.now();
    const lane = async () => {
      while (next < o.burst) {
        next++;
        await js.publish('bench.js.burst', body);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const perSec = (o.burst / (performance.now() - start)) * 1000;

    // The bucket the supervisors keep task records in, configured as Troupe configures it.
    await bus.ensureTopology();
    const kv = await new Kvm(js).open(Buckets.Tasks);
    let revision = await kv.put('key', body);
    const kvUpdate = await timed(o.publishes, 200, async () => {
      revision = await kv.update('key', body, revision);
    });

    const record = new TextEncoder().encode(JSON.stringify({ text: 'x'.repeat(4_000) }));
    let recordRevision = await kv.put('record', record);
    const kvUpdateRecord = await timed(o.publishes, 200, async () => {
      recordRevision = await kv.update('record', record, recordRevision);
    });

    let delivered: (() => void) | undefined;
    const consumer = await bus.consumeWork({
      role: 'bench-delivery',
      schema: z.unknown(),
      concurrency: 64,
      handler: async () => delivered?.(),
    });
    const workDelivery = await timed(o.publishes, 200, async (i) => {
      const handled = new Promise<void>((resolve) => (delivered = resolve));
      bus.publish(subjects.work('bench-delivery'), { i });
      await handled;
    });
    await consumer.stop();

    return {
      requestReply,
      jsPublishSequential,
      jsPublishInFlight: { messages: o.burst, inFlight, perSec: round(perSec, 0) },
      kvUpdate,
      kvUpdateRecord,
      workDelivery,
      hopFloorP50: round(2 * workDelivery.p50 + kvUpdateRecord.p50, 3),
    };
  } finally {
    await nc.close();
    await bus.close();
    await pool.stop(responder);
    process.off('exit', killServer);
  }
}
