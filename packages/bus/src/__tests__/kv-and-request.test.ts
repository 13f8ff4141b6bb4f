import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Buckets,
  connect,
  isNoResponders,
  isTimeout,
  subjects,
  TaskEventSchema,
  type Bus,
} from '@troupe/bus';
import { startNatsServer, type NatsServer, natsHandles } from '@troupe/bus/testing';
import type { BusError } from '@troupe/bus';

describe('KV, request/reply and large payloads on a real nats-server', () => {
  let server: NatsServer;
  let a: Bus;
  let b: Bus;
  beforeAll(async () => {
    server = await startNatsServer({ maxPayload: 64 * 1024 });
    a = await connect({ servers: server.url });
    b = await connect({ servers: server.url });
    await Promise.all([a.ensureTopology(), b.ensureTopology()]);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await server[Symbol.asyncDispose]();
  });

  it('keeps nats.js to itself: raw handles only through @troupe/bus/testing', async () => {
    const kv = await a.kv(Buckets.Agents, z.unknown());
    for (const handle of ['nc', 'js', 'jsm']) expect(handle in a).toBe(false);
    expect('kv' in kv).toBe(false);
    expect(natsHandles(a).nc.info?.port).toBe(server.port);
    expect(() => natsHandles({} as Bus)).toThrow(/not a bus/);
  });

  it('concurrent ensureTopology calls are safe and idempotent', async () => {
    await Promise.all([a.ensureTopology(), b.ensureTopology(), a.ensureTopology()]);
    expect(await a.hasTopology()).toBe(true);
  });

  it('two concurrent writers doing 1,000 compare-and-set increments each end at exactly 2,000', async () => {
    const Counter = z.object({ n: z.number() });
    const kvA = await a.kv(Buckets.Tasks, Counter);
    const kvB = await b.kv(Buckets.Tasks, Counter);
    const writer = async (kv: typeof kvA) => {
      for (let i = 0; i < 1000; i++) await kv.casUpdate('counter', (cur) => ({ n: (cur?.value.n ?? 0) + 1 }));
    };
    await Promise.all([writer(kvA), writer(kvB)]);
    const final = await kvA.get('counter');
    expect(final?.value.n).toBe(2000);
  });

  it('update at a stale revision fails with CAS_CONFLICT', async () => {
    const kv = await a.kv(Buckets.Tasks, z.object({ s: z.string() }));
    const rev = await kv.put('stale', { s: 'one' });
    await kv.update('stale', { s: 'two' }, rev);
    await expect(kv.update('stale', { s: 'three' }, rev)).rejects.toMatchObject({ code: 'CAS_CONFLICT' });
    await expect(kv.create('stale', { s: 'x' })).rejects.toMatchObject({ code: 'CAS_CONFLICT' });
  });

  it('lists the keys that hold a value, by filter, while the bucket is being written', async () => {
    const Value = z.object({ n: z.number() });
    const kv = await a.kv(Buckets.Agents, Value);
    const writer = await b.kv(Buckets.Agents, Value);
    for (let i = 0; i < 40; i++) await kv.put(`listed.k${i}`, { n: i });
    await kv.put('other.k', { n: 0 });
    for (let i = 0; i < 40; i += 4) await kv.delete(`listed.k${i}`);
    // Every listed key is overwritten, and new keys are added, while the list is read.
    const overwrites = (async () => {
      for (let round = 0; round < 3; round++)
        for (let i = 1; i < 40; i += 2) await writer.put(`listed.k${i}`, { n: round });
      for (let i = 0; i < 5; i++) await writer.put(`listed.late${i}`, { n: i });
    })();
    const listed = await kv.keys('listed.>');
    await overwrites;
    const expected = Array.from({ length: 40 }, (_, i) => i)
      .filter((i) => i % 4 !== 0)
      .map((i) => `listed.k${i}`);
    // Keys that held a value throughout are all there, deleted ones are not; ones added meanwhile may be.
    expect(listed.filter((k) => !k.startsWith('listed.late')).sort()).toEqual(expected.sort());
    expect((await kv.keys('listed.>')).sort()).toEqual(
      [...expected, ...Array.from({ length: 5 }, (_, i) => `listed.late${i}`)].sort(),
    );
    expect(await kv.keys('other.*')).toEqual(['other.k']);
    expect(await kv.keys('missing.>')).toEqual([]);
  });

  it('counts the keys under a prefix in one request, each with its stored revisions', async () => {
    const kv = await a.kv(Buckets.Tasks, z.object({ n: z.number() }));
    await kv.put('counted.x.a', { n: 1 });
    await kv.put('counted.x.a', { n: 2 });
    await kv.put('counted.x.b', { n: 1 });
    await kv.put('counted.y.c', { n: 1 });
    expect(await b.keyCounts(Buckets.Tasks, 'counted.x.*')).toEqual(
      new Map([
        ['counted.x.a', 2],
        ['counted.x.b', 1],
      ]),
    );
    expect((await b.keyCounts(Buckets.Tasks, 'counted.>')).size).toBe(3);
    expect(await b.keyCounts(Buckets.Tasks, 'uncounted.>')).toEqual(new Map());
  });

  it('reports the depth of each role’s work queue', async () => {
    await a.ensureWorkConsumer('depth');
    for (let n = 0; n < 3; n++) await a.publishDurable(subjects.work('depth'), { n });
    expect((await b.workQueueDepths()).get('depth')).toBe(3);
  });

  it('a raw responder answers requests with bytes, until unsubscribed', async () => {
    const Reply = z.object({ got: z.string() });
    const probe = b.respondRaw(subjects.health('raw'), (request) =>
      JSON.stringify({ got: new TextDecoder().decode(request) }),
    );
    await b.flush();
    await expect(a.request(subjects.health('raw'), 'ping', Reply)).resolves.toEqual({ got: '"ping"' });
    expect(await a.rtt()).toBeGreaterThanOrEqual(0);
    probe.unsubscribe();
    expect(probe.isClosed).toBe(true);
    await b.flush();
    expect(
      isNoResponders(await a.request(subjects.health('raw'), 'ping', Reply).catch((e: unknown) => e)),
    ).toBe(true);
  });

  it('request/reply answers, and fails with typed errors on no responders and on timeout', async () => {
    const Echo = z.object({ text: z.string() });
    const sub = b.subscribe(subjects.health('echo'), Echo, (msg) => {
      msg.respond({ text: msg.data.text.toUpperCase() });
    });
    await b.flush();
    await expect(a.request(subjects.health('echo'), { text: 'hi' }, Echo)).resolves.toEqual({ text: 'HI' });
    sub.unsubscribe();
    await b.flush();

    const err = await a.request(subjects.health('nobody'), { text: 'x' }, Echo).catch((e: unknown) => e);
    expect(isNoResponders(err)).toBe(true);
    expect((err as BusError).message).toMatch(/no one is listening on troupe\.agent\.health\.nobody/);

    const silent = natsHandles(b).nc.subscribe(subjects.health('silent'), { callback: () => undefined });
    await b.flush();
    const slow = await a
      .request(subjects.health('silent'), { text: 'x' }, Echo, { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(isTimeout(slow)).toBe(true);
    silent.unsubscribe();
  });

  it('a payload over max_payload travels through the object store as a reference', async () => {
    const big = { v: 1, taskId: 'big', type: 'x', at: 1, data: { blob: 'x'.repeat(200_000) } };
    await a.publishDurable(subjects.spans('big'), big);
    const [read] = await b.readStream('TROUPE_SPANS', subjects.spans('big'), TaskEventSchema);
    expect(read?.data['blob']).toHaveLength(200_000);
    expect(() => a.publish(subjects.spans('big'), big)).toThrow(/too large/);
  });

  it('a core message that does not decode is dead-lettered and the subscription goes on', async () => {
    const got: string[] = [];
    const errors: unknown[] = [];
    const Echo = z.object({ text: z.string() });
    const sub = b.subscribe(subjects.health('strict'), Echo, (m) => void got.push(m.data.text), {
      onError: (e) => void errors.push(e),
    });
    await b.flush();
    a.publishRaw(subjects.health('strict'), new TextEncoder().encode('{"text": 1}'));
    a.publish(subjects.health('strict'), { text: 'after' });
    await expect.poll(() => got).toEqual(['after']);
    await expect.poll(async () => (await a.readDeadLetters('core')).length).toBe(1);
    expect(errors).toHaveLength(1);
    sub.unsubscribe();
  });

  it('tails a stream: stored messages first, then live ones, resumable from a sequence', async () => {
    const ev = (n: number) => ({ v: 1, taskId: 'tail', type: 'tick', at: n, data: { n } });
    for (let n = 0; n < 3; n++) await a.publishDurable(subjects.spans('tail'), ev(n));
    const tail = await b.tailStream('TROUPE_SPANS', subjects.spans('tail'), TaskEventSchema);
    const seen: Array<{ seq: number; n: unknown }> = [];
    const reading = (async () => {
      for await (const item of tail) {
        seen.push({ seq: item.seq, n: item.data.data['n'] });
        if (seen.length === 5) break;
      }
    })();
    await expect.poll(() => seen.length).toBe(3);
    for (let n = 3; n < 5; n++) await a.publishDurable(subjects.spans('tail'), ev(n));
    await reading;
    expect(seen.map((s) => s.n)).toEqual([0, 1, 2, 3, 4]);
    const resumed = await b.readStreamWithSeq('TROUPE_SPANS', subjects.spans('tail'), TaskEventSchema, {
      startSeq: seen[3]!.seq,
    });
    expect(resumed.map((r) => r.data.data['n'])).toEqual([3, 4]);
  });
});
