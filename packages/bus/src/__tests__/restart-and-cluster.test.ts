import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BusErrorCode,
  connect,
  isBusError,
  Streams,
  subjects,
  TaskEventSchema,
  type Bus,
  type DurablePublishOptions,
} from '@troupe/bus';
import { startNatsCluster, startNatsServer, startTestBus, natsHandles } from '@troupe/bus/testing';

/** The connection's statuses as they come: waits for the n-th of a kind, or for the connection to be up. */
function trackConnection(bus: Bus) {
  const seen: string[] = [];
  let connected = true;
  let heard = () => undefined as void;
  void (async () => {
    for await (const status of natsHandles(bus).nc.status()) {
      seen.push(status.type);
      if (status.type === 'disconnect') connected = false;
      if (status.type === 'reconnect') connected = true;
      heard();
    }
  })();
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((r) => (heard = r));
  };
  return {
    /** Resolves at the `count`-th status of this type since tracking began. */
    next: (type: string, count = 1) => until(() => seen.filter((t) => t === type).length >= count),
    whenConnected: () => until(() => connected),
  };
}

/**
 * A publish made while the connection is down, or in flight when it drops, fails with DISCONNECTED: it goes
 * again once the client is back, as a Troupe process would send it again, and its msgId keeps it single.
 */
async function publishAcrossReconnects(
  bus: Bus,
  connection: ReturnType<typeof trackConnection>,
  subject: string,
  value: unknown,
  options: DurablePublishOptions & { msgId: string },
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bus.publishDurable(subject, value, options);
    } catch (err) {
      if (!isBusError(err, BusErrorCode.Disconnected) || attempt >= 5) throw err;
      await connection.whenConnected();
    }
  }
}

/** The records stored on a test subject. */
const eventsOf = (bus: Bus, taskId: string) =>
  bus.readStream(Streams.Spans, subjects.spans(taskId), TaskEventSchema, { limit: 10 });

/** A server and a bus that redials every 50–60 ms while the server is away. */
const startReconnectingBus = () => startTestBus({ bus: { reconnectWaitMs: 50, reconnectJitterMs: 10 } });

describe('server restarts and clusters', () => {
  it(
    'a single server restarted on its store mid-stream: the client reconnects and no acked message is lost',
    { timeout: 120_000 },
    async () => {
      await using server = await startNatsServer();
      const bus = await connect({ servers: server.url, reconnectWaitMs: 50, reconnectJitterMs: 50 });
      await bus.ensureTopology();
      const connection = trackConnection(bus);
      const acked = new Set<number>();
      const publisher = (async () => {
        for (let n = 0; n < 300; n++) {
          const event = { v: 1, taskId: 'restart', type: 'tick', at: n, data: { n } };
          // nats.js retries while the server is away.
          await publishAcrossReconnects(bus, connection, subjects.spans('restart'), event, {
            msgId: `restart-${n}`,
            timeoutMs: 500,
            retries: 60,
          });
          acked.add(n);
        }
      })();
      await expect.poll(() => acked.size, { timeout: 10_000 }).toBeGreaterThan(100);
      const reconnected = (async () => {
        for await (const status of natsHandles(bus).nc.status()) if (status.type === 'reconnect') return;
      })();
      await server.restart();
      await publisher;
      // The look-ups are about what the restarted server kept, so they go once the client is back.
      await reconnected;
      expect(await bus.hasTopology()).toBe(true);
      const stored = await bus.readStream(Streams.Spans, subjects.spans('restart'), TaskEventSchema, {
        limit: 1000,
      });
      const storedNs = new Set(stored.map((e) => e.data['n'] as number));
      expect([...acked].filter((n) => !storedNs.has(n))).toEqual([]);
      expect(acked.size).toBe(300);
      expect(stored).toHaveLength(300);
      await bus.close();
    },
  );

  it(
    'what is written while the server is down goes out once the client is back; a request fails at once',
    { timeout: 60_000 },
    async () => {
      await using testBus = await startReconnectingBus();
      const { server, bus } = testBus;
      const { next } = trackConnection(bus);
      await server.stop();
      await next('disconnect');
      // A core message (no request) and an acknowledged publish, written while several dials fail. nats.js
      // dropped both at its next dial, and the publish waited for its timeout (30 s here, past the test's).
      bus.publish(subjects.spans('offline'), {
        v: 1,
        id: 'logged',
        taskId: 'offline',
        type: 'tick',
        at: 1,
        data: {},
      });
      const published = bus.publishDurable(
        subjects.spans('offline'),
        { v: 1, id: 'published', taskId: 'offline', type: 'tick', at: 2, data: {} },
        { msgId: 'published', timeoutMs: 30_000 },
      );
      const flushed = bus.flush();
      const outcomes = Promise.allSettled([published, flushed]);
      await next('reconnecting', 3);
      await server.restart();
      await next('reconnect');
      // No request waits while the connection is down: the publish fails without being sent, the flush at
      // the next dial (as in nats.js). The core message goes out once the client is back.
      const [publish, flush] = await outcomes;
      expect(publish).toMatchObject({ status: 'rejected', reason: { code: BusErrorCode.Disconnected } });
      expect(flush).toMatchObject({ status: 'rejected' });
      await bus.flush();
      const stored = await eventsOf(bus, 'offline');
      expect(stored.map((e) => e.id)).toEqual(['logged']);
    },
  );

  it(
    'a publish the server had taken in when it died fails when the connection drops, not at its timeout',
    { timeout: 60_000 },
    async () => {
      await using testBus = await startReconnectingBus();
      const { server, bus } = testBus;
      const connection = trackConnection(bus);
      // Frozen, the server reads nothing: the publish is in flight when the server dies.
      process.kill(server.pid!, 'SIGSTOP');
      const event = { v: 1, id: 'lost', taskId: 'lost', type: 'tick', at: 1, data: {} };
      const outcome = bus
        .publishDurable(subjects.spans('lost'), event, { msgId: 'lost-1', timeoutMs: 120_000 })
        .then(
          () => 'acknowledged',
          (err: unknown) => err,
        );
      await server.kill();
      await server.restart();
      // Unanswered, it waited for its 120 s timeout, past this test's.
      expect(await outcome).toMatchObject({ code: BusErrorCode.Disconnected });
      // Its frame may have died with the server or gone out after the reconnect: the caller sends it again
      // once connected, and its msgId keeps it single either way.
      await connection.whenConnected();
      await bus.publishDurable(subjects.spans('lost'), event, { msgId: 'lost-1' });
      const stored = await eventsOf(bus, 'lost');
      expect(stored.map((e) => e.id)).toEqual(['lost']);
    },
  );

  it(
    'a tail that follows a stream through a server restart goes on after it: nothing missed, nothing twice',
    { timeout: 60_000 },
    async () => {
      await using testBus = await startReconnectingBus();
      const { server, bus } = testBus;
      const connection = trackConnection(bus);
      const event = (n: number) => ({
        v: 1,
        id: `e${n}`,
        taskId: 'tailed',
        type: 'tick',
        at: n,
        data: { n },
      });
      const publish = (n: number) =>
        publishAcrossReconnects(bus, connection, subjects.spans('tailed'), event(n), { msgId: `e${n}` });
      await publish(1);
      await publish(2);
      const tail = await bus.tailStream(Streams.Spans, subjects.spans('tailed'), TaskEventSchema);
      const read: Array<{ id: string | undefined; position: number }> = [];
      const reading = (async () => {
        for await (const { data, position } of tail) {
          read.push({ id: data.id, position });
          if (read.length === 5) return;
        }
      })();
      await expect.poll(() => read.length).toBe(2);
      // The server forgets the tail's (ephemeral) consumer: without a new one after the reconnect, the tail
      // would wait for ever.
      await server.kill();
      await server.restart();
      for (const n of [3, 4, 5]) await publish(n);
      await reading;
      expect(read.map((r) => r.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
      expect(read.map((r) => r.position)).toEqual([...read.map((r) => r.position)].sort((a, b) => a - b));
    },
  );

  it(
    'cluster: publish through node A, consume through node C; SIGKILL node B and work goes on',
    { timeout: 120_000 },
    async () => {
      await using cluster = await startNatsCluster(3);
      const [nodeA, nodeB, nodeC] = cluster.servers;
      const producer = await connect({ servers: nodeA!.url, topology: { replicas: 3 } });
      const worker = await connect({ servers: nodeC!.url, topology: { replicas: 3 } });
      await producer.ensureTopology();
      const seen = new Set<number>();
      const consumer = await worker.consumeWork({
        role: 'clustered',
        schema: z.object({ n: z.number() }),
        concurrency: 16,
        handler: async (m) => void seen.add(m.data.n),
      });
      // While the work stream elects a new leader, publishes fail (no responders, a timeout, or "temporarily
      // unavailable"): a failed publish waits for the server's leader-elected advisory, unless one came while
      // it was trying, then goes again; the msgId keeps a retried message single.
      let elections = 0;
      let elected: () => void = () => undefined;
      natsHandles(producer).nc.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${Streams.Work}`, {
        callback: () => {
          elections++;
          elected();
        },
      });
      const publishUntilAcked = async (n: number) => {
        for (let attempt = 1; ; attempt++) {
          const electionsBefore = elections;
          try {
            return await producer.publishDurable(
              subjects.work('clustered'),
              { n },
              { msgId: `c-${n}`, timeoutMs: 2_000, retries: 20 },
            );
          } catch (err) {
            if (attempt >= 10) throw err;
            if (elections === electionsBefore) await new Promise<void>((resolve) => (elected = resolve));
          }
        }
      };
      const send = async (from: number, to: number) => {
        for (let n = from; n < to; n++) await publishUntilAcked(n);
      };
      await send(0, 50);
      await expect.poll(() => seen.size, { timeout: 15_000 }).toBe(50);
      await nodeB!.kill();
      await send(50, 100);
      await expect.poll(() => seen.size, { timeout: 45_000 }).toBe(100);
      await consumer.stop();
      await producer.close();
      await worker.close();
    },
  );

  it(
    'cluster: of two compare-and-sets over the same revision through two nodes, exactly one is stored, every time',
    { timeout: 60_000 },
    async () => {
      await using cluster = await startNatsCluster(3);
      const a = await connect({ servers: cluster.servers[0]!.url, topology: { replicas: 3 } });
      const b = await connect({ servers: cluster.servers[1]!.url, topology: { replicas: 3 } });
      await a.ensureTopology();
      const Value = z.object({ by: z.string(), round: z.number() });
      const [kvA, kvB] = await Promise.all([a.kv('troupe_tasks', Value), b.kv('troupe_tasks', Value)]);
      let revision = await kvA.create('acme.race', { by: 'a', round: 0 });
      const winners = { a: 0, b: 0, both: 0 };
      // Without the message id, nats-server 2.9 stored both of such a pair in 120 of 300 rounds here.
      for (let round = 1; round <= 200; round++) {
        const write = (kv: typeof kvA, by: 'a' | 'b') =>
          kv.update('acme.race', { by, round }, revision).then(
            (written) => ({ by, written }),
            (err: unknown) => {
              if (!isBusError(err, BusErrorCode.CasConflict)) throw err;
              return undefined;
            },
          );
        const stored = (await Promise.all([write(kvA, 'a'), write(kvB, 'b')])).filter((w) => w !== undefined);
        if (stored.length === 2) winners.both++;
        else if (stored[0]) winners[stored[0].by]++;
        const latest = await kvA.get('acme.race');
        if (stored[0]) expect(latest).toMatchObject({ revision: stored[0].written, value: { round } });
        revision = latest!.revision;
      }
      expect(winners.both).toBe(0);
      expect(winners.a + winners.b).toBe(200);
      await a.close();
      await b.close();
    },
  );
});
