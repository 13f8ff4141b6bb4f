import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Streams, subjects, type Bus, type DeadLetter } from '@troupe/bus';
import { spawnTs, startTestBus, type NatsServer, type TestBus, natsHandles } from '@troupe/bus/testing';

const Item = z.object({ n: z.number() });

describe('work queues on a real nats-server', () => {
  let server: NatsServer;
  let bus: Bus;
  let testBus: TestBus;
  beforeAll(async () => {
    ({ server, bus } = testBus = await startTestBus({
      bus: { topology: { work: { ackWaitMs: 400, maxDeliver: 3 } } },
    }));
  });
  afterAll(() => testBus[Symbol.asyncDispose]());

  it('dead-letters a malformed message with its reason and goes on', async () => {
    const seen: number[] = [];
    const deadLetters: DeadLetter[] = [];
    const allSeen = new Promise<void>((resolve) => {
      void bus
        .consumeWork({
          role: 'malformed',
          schema: Item,
          concurrency: 2,
          handler: async (msg) => {
            seen.push(msg.data.n);
            if (seen.length === 2) resolve();
          },
          onDeadLetter: (record) => void deadLetters.push(record),
        })
        .then((c) => allSeen.then(() => c.stop()));
    });
    await bus.publishDurable(subjects.work('malformed'), { n: 1 });
    await bus.publishDurable(subjects.work('malformed'), { n: 'not a number' });
    await bus.publishDurable(subjects.work('malformed'), { n: 3 });
    await allSeen;
    await expect.poll(() => deadLetters.length).toBe(1);
    expect(seen.sort()).toEqual([1, 3]);
    expect(deadLetters[0]).toMatchObject({ reason: 'decode-failed', subject: 'troupe.work.malformed' });
    expect(deadLetters[0]!.error).toMatch(/n: Invalid input: expected number/);
    const stored = await bus.readDeadLetters('work-malformed');
    expect(stored).toHaveLength(1);
    const payload = await bus.deadLetterPayload(stored[0]!);
    expect(new TextDecoder().decode(payload!)).toBe('{"n":"not a number"}');
  });

  it('redelivers an unacked item after ack_wait; working() keep-alives prevent that', async () => {
    const deliveries: Array<{ n: number; deliveries: number }> = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // Item 1 is held without keep-alives: the server hands it out again after each ack_wait.
    const unkept = await bus.consumeWork({
      role: 'unkept',
      schema: Item,
      concurrency: 4,
      keepAlive: false,
      handler: async (msg) => {
        deliveries.push({ n: msg.data.n, deliveries: msg.deliveries });
        if (msg.deliveries < 3) await released;
        else release();
      },
    });
    // Item 2 is held just as long (two ack_waits and more: until item 1's third delivery), but its consumer
    // sends working() while the handler runs: it must be delivered once.
    const kept = await bus.consumeWork({
      role: 'kept',
      schema: Item,
      concurrency: 4,
      handler: async (msg) => {
        deliveries.push({ n: msg.data.n, deliveries: msg.deliveries });
        await released;
      },
    });
    await bus.publishDurable(subjects.work('unkept'), { n: 1 });
    await bus.publishDurable(subjects.work('kept'), { n: 2 });
    await released;
    await Promise.all([unkept.stop(), kept.stop()]);
    expect(deliveries.filter((d) => d.n === 1).map((d) => d.deliveries)).toEqual([1, 2, 3]);
    expect(deliveries.filter((d) => d.n === 2)).toEqual([{ n: 2, deliveries: 1 }]);
    await expect
      .poll(async () => {
        const a = await natsHandles(bus).jsm.consumers.info('TROUPE_WORK', 'work-unkept');
        const b = await natsHandles(bus).jsm.consumers.info('TROUPE_WORK', 'work-kept');
        return a.num_pending + a.num_ack_pending + b.num_pending + b.num_ack_pending;
      })
      .toBe(0);
  });

  it('dead-letters an item that fails on every delivery and leaves the queue empty', async () => {
    const lost: DeadLetter[] = [];
    let deadLettered!: () => void;
    const firstDeadLetter = new Promise<void>((r) => (deadLettered = r));
    const consumer = await bus.consumeWork({
      role: 'failing',
      schema: Item,
      concurrency: 1,
      retryDelayMs: () => 10,
      handler: async () => {
        throw new Error('model exploded');
      },
      onDeadLetter: (r) => {
        lost.push(r);
        deadLettered();
      },
    });
    await bus.publishDurable(subjects.work('failing'), { n: 7 });
    await firstDeadLetter;
    await consumer.stop();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ reason: 'max-deliveries', deliveries: 3, error: 'model exploded' });
    const left = await bus.subjectCounts(Streams.Work, subjects.work('failing'));
    expect(left.get(subjects.work('failing')) ?? 0).toBe(0);
  });

  it('dead-letters an item whose worker never answers (the delivery past its attempts, from the message in hand)', async () => {
    const lost: Array<{ record: DeadLetter; decoded: unknown }> = [];
    let deadLettered!: () => void;
    const firstDeadLetter = new Promise<void>((r) => (deadLettered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // Every delivery hangs (a stalled worker): the server gives up after max_deliver ack_waits.
    const consumer = await bus.consumeWork({
      role: 'stalled',
      schema: Item,
      concurrency: 8,
      keepAlive: false,
      handler: () => released,
      onDeadLetter: (record, decoded) => {
        lost.push({ record, decoded });
        deadLettered();
      },
    });
    await bus.publishDurable(subjects.work('stalled'), { n: 9 });
    await firstDeadLetter;
    expect(lost).toHaveLength(1);
    expect(lost[0]!.decoded).toEqual({ n: 9 });
    expect(lost[0]!.record).toMatchObject({ reason: 'max-deliveries', deliveries: 3 });
    const left = await bus.subjectCounts(Streams.Work, subjects.work('stalled'));
    expect(left.get(subjects.work('stalled')) ?? 0).toBe(0);
    release();
    await consumer.stop();
  });

  it('competing consumers in two processes receive disjoint sets that together are every message', async () => {
    await bus.ensureWorkConsumer('competing');
    const env = { NATS_URL: server.url };
    await using a = spawnTs(new URL('./fixtures/work-consumer.ts', import.meta.url).pathname, {
      args: ['competing', '8'],
      env,
    });
    await using b = spawnTs(new URL('./fixtures/work-consumer.ts', import.meta.url).pathname, {
      args: ['competing', '8'],
      env,
    });
    await Promise.all([a.waitForLine(/^ready$/), b.waitForLine(/^ready$/)]);
    const total = 400;
    await Promise.all(
      Array.from({ length: total }, (_, n) => bus.publishDurable(subjects.work('competing'), { n })),
    );
    const got = (p: typeof a) => [...p.stdout().matchAll(/^got (\d+)$/gm)].map((m) => Number(m[1]));
    await expect.poll(() => got(a).length + got(b).length, { timeout: 20_000 }).toBe(total);
    const setA = new Set(got(a));
    const setB = new Set(got(b));
    expect(setA.size).toBe(got(a).length);
    expect([...setA].filter((n) => setB.has(n))).toEqual([]);
    expect(new Set([...setA, ...setB]).size).toBe(total);
    expect(setA.size).toBeGreaterThan(0);
    expect(setB.size).toBeGreaterThan(0);
  });
});
