import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Buckets, connect, Streams, subjects, TaskEventSchema } from '@troupe/bus';
import { startNatsCluster, startNatsServer, startTestBus } from '@troupe/bus/testing';

describe('server restarts and clusters', () => {
  it(
    'a single server restarted on its store mid-stream: the client reconnects and no acked message is lost',
    { timeout: 120_000 },
    async () => {
      await using server = await startNatsServer();
      const bus = await connect({ servers: server.url, reconnectWaitMs: 50, reconnectJitterMs: 50 });
      await bus.ensureTopology();
      const acked = new Set<number>();
      const publisher = (async () => {
        for (let n = 0; n < 300; n++) {
          const event = { v: 1, taskId: 'restart', type: 'tick', at: n, data: { n } };
          // The client retries while the server is away; the msgId keeps a retried message single.
          await bus.publishDurable(subjects.event('restart'), event, {
            msgId: `restart-${n}`,
            timeoutMs: 500,
            retries: 60,
          });
          acked.add(n);
        }
      })();
      await expect.poll(() => acked.size, { timeout: 10_000 }).toBeGreaterThan(100);
      const reconnected = (async () => {
        for await (const status of bus.nc.status()) if (status.type === 'reconnect') return;
      })();
      await server.restart();
      await publisher;
      // The look-ups are about what the restarted server kept, so they go once the client is back.
      await reconnected;
      expect(await bus.hasTopology()).toBe(true);
      const stored = await bus.readStream(Streams.Events, subjects.event('restart'), TaskEventSchema, {
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
    'what is sent while the server is down goes out once the client is back: no request waits for its timeout',
    { timeout: 60_000 },
    async () => {
      await using testBus = await startTestBus({ bus: { reconnectWaitMs: 50, reconnectJitterMs: 10 } });
      const { server, bus } = testBus;
      const kv = await bus.kv(Buckets.Idempotency, z.object({ n: z.number() }));
      const seen: string[] = [];
      let heard = () => undefined as void;
      void (async () => {
        for await (const status of bus.nc.status()) {
          seen.push(status.type);
          heard();
        }
      })();
      /** Resolves at the `count`-th status of this type since the connection began. */
      const next = async (type: string, count = 1) => {
        while (seen.filter((t) => t === type).length < count) await new Promise<void>((r) => (heard = r));
      };
      await server.stop();
      await next('disconnect');
      // Each of these is a request to the server; nats.js dropped them at its next dial and they failed at
      // their timeouts (30 s here, past the test's). Several dials fail while the server is away.
      const published = bus.publishDurable(subjects.event('offline'), { v: 1, n: 1 }, { timeoutMs: 30_000 });
      const put = kv.put('offline-key', { n: 2 });
      const flushed = bus.flush();
      await next('reconnecting', 3);
      await server.restart();
      await next('reconnect');
      expect((await published).stream).toBe(Streams.Events);
      expect(await put).toBeGreaterThan(0);
      await flushed;
      expect((await kv.get('offline-key'))?.value).toEqual({ n: 2 });
    },
  );

  it(
    'a publish the server had taken in when it died is sent again after the reconnect, not left to its timeout',
    { timeout: 60_000 },
    async () => {
      await using testBus = await startTestBus({ bus: { reconnectWaitMs: 50, reconnectJitterMs: 10 } });
      const { server, bus } = testBus;
      // Frozen, the server reads nothing: the publish sits in its socket and dies with it.
      process.kill(server.pid!, 'SIGSTOP');
      const published = bus.publishDurable(
        subjects.event('lost'),
        { v: 1, n: 1 },
        { msgId: 'lost-1', timeoutMs: 120_000 },
      );
      // The client writes its frames once per turn of the event loop: two turns and it is on the socket.
      for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      await server.kill();
      await server.restart();
      // Unanswered, it would wait its 120 s timeout, past this test's.
      expect((await published).stream).toBe(Streams.Events);
      const stored = await bus.readStream(Streams.Events, subjects.event('lost'), z.unknown(), { limit: 10 });
      expect(stored).toHaveLength(1);
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
      producer.nc.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${Streams.Work}`, {
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
});
