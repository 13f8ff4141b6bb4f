import { describe, expect, it } from 'vitest';
import { BusErrorCode, connect, Streams, subjects } from '@troupe/bus';
import { startNatsServer, natsHandles } from '@troupe/bus/testing';
import { upsertStream } from '../topology.js';

describe('creating the topology', () => {
  // Without retryCreateRace, one in a few fresh servers answered one of four simultaneous creators of a
  // stream or a KV bucket with "subjects overlap with an existing stream".
  it('four connections creating the topology of a fresh server at once all succeed', async () => {
    for (let round = 0; round < 12; round++) {
      await using server = await startNatsServer();
      const buses = await Promise.all(Array.from({ length: 4 }, () => connect({ servers: server.url })));
      try {
        const outcomes = await Promise.allSettled(buses.map((b) => b.ensureTopology()));
        expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
        expect(await buses[0]!.hasTopology()).toBe(true);
      } finally {
        await Promise.all(buses.map((b) => b.close()));
      }
    }
  });

  it("a stream of another application holding Troupe's subjects fails the topology with TOPOLOGY_CONFLICT", async () => {
    await using server = await startNatsServer();
    const bus = await connect({ servers: server.url });
    try {
      await natsHandles(bus).jsm.streams.add({ name: 'SOMEONE_ELSES', subjects: [subjects.taskSubmits()] });
      await expect(bus.ensureTopology()).rejects.toMatchObject({
        code: 'TOPOLOGY_CONFLICT',
        message: expect.stringContaining(subjects.taskSubmits()) as unknown,
      });
    } finally {
      await bus.close();
    }
  });

  it('moves a span stream of the single-subject layout to per-trace subjects, keeping what it stored', async () => {
    await using server = await startNatsServer();
    const bus = await connect({ servers: server.url });
    try {
      // As an earlier `troupe up` left it in a persistent store.
      const oldSubject = 'troupe.telemetry.spans';
      await natsHandles(bus).jsm.streams.add({ name: Streams.Spans, subjects: [oldSubject] });
      await natsHandles(bus).js.publish(oldSubject, '[]');

      await bus.ensureTopology();
      const info = await natsHandles(bus).jsm.streams.info(Streams.Spans);
      expect(info.config.subjects).toEqual([subjects.allSpans()]);
      expect(info.state.messages).toBe(1);
      const traceId = 'ab'.repeat(16);
      const ack = await natsHandles(bus).js.publish(subjects.spans(traceId), '[]');
      expect(ack.stream).toBe(Streams.Spans);
    } finally {
      await bus.close();
    }
  });

  it('a creator that finds the stream with another config updates it', async () => {
    await using server = await startNatsServer();
    const [a, b] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    try {
      await upsertStream(natsHandles(a).jsm, { name: 'DRIFT', subjects: ['drift.>'], max_msgs: 10 });
      await upsertStream(natsHandles(b).jsm, { name: 'DRIFT', subjects: ['drift.>'], max_msgs: 20 });
      expect((await natsHandles(a).jsm.streams.info('DRIFT')).config.max_msgs).toBe(20);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('checking the topology before creating it', () => {
  it('names every missing piece; a process on an open server creates them, then finds them and creates nothing', async () => {
    await using server = await startNatsServer();
    const bus = await connect({ servers: server.url });
    try {
      await expect(bus.checkTopology({ roles: ['drafter'] })).rejects.toMatchObject({
        code: BusErrorCode.TopologyMissing,
        message: expect.stringMatching(/stream TROUPE_WORK.*bucket troupe_tasks.*run `troupe provision`/),
        details: {
          missing: expect.arrayContaining([
            'stream TROUPE_TASKS',
            'object store troupe_artifacts',
            'consumer TROUPE_RESULTS/supervisor-results',
            'consumer TROUPE_WORK/work-drafter',
          ]),
        },
      });
      await bus.prepareTopology({ roles: ['drafter'] });
      await expect(bus.checkTopology({ roles: ['drafter'] })).resolves.toBeUndefined();
      // Provisioned: a second process only reads (stream and consumer info), so it needs no create rights.
      const requests: string[] = [];
      const spy = natsHandles(bus).nc.subscribe('$JS.API.>', {
        callback: (_e, m) => void requests.push(m.subject),
      });
      const second = await connect({ servers: server.url });
      try {
        await second.prepareTopology({ roles: ['drafter'] });
        await natsHandles(second).nc.flush();
        await natsHandles(bus).nc.flush();
      } finally {
        await second.close();
      }
      spy.unsubscribe();
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((s) => !/\.INFO(\.|$)/.test(s))).toEqual([]);
    } finally {
      await bus.close();
    }
  });
});
