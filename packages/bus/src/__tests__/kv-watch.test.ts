import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Kvm } from '@nats-io/kv';
import { BusError, BusErrorCode, Buckets, type KvChange } from '@troupe/bus';
import { natsHandles, startTestBus } from '@troupe/bus/testing';
import { TypedKv } from '../kv.js';

const Value = z.object({ n: z.number() });

/** Reads changes from a watch, without ending it, until `until` says the list is complete. */
async function collect<T>(
  changes: AsyncIterator<KvChange<T>>,
  until: (seen: Array<KvChange<T>>) => boolean,
): Promise<Array<KvChange<T>>> {
  const seen: Array<KvChange<T>> = [];
  while (!until(seen)) {
    const next = await changes.next();
    if (next.done) break;
    seen.push(next.value);
  }
  return seen;
}

describe('TypedKv.watch on a real nats-server', () => {
  it('hands out the stored values, then synced, then changes; bad values are reported, not skipped', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Value);
    await kv.put('a.1', { n: 1 });
    await kv.put('a.2', { n: 2 });
    await kv.put('b.1', { n: 3 });
    const controller = new AbortController();
    const watch = kv.watch('a.>', { signal: controller.signal })[Symbol.asyncIterator]();
    const initial = await collect(watch, (seen) => seen.at(-1)?.type === 'synced');
    expect(initial.map((c) => (c.type === 'value' ? `${c.key}=${c.value.n}` : c.type))).toEqual([
      'a.1=1',
      'a.2=2',
      'synced',
    ]);

    await kv.put('a.1', { n: 10 });
    await kv.delete('a.2');
    const raw = await t.bus.kv(Buckets.Tasks, z.unknown());
    await raw.put('a.3', 'not an object');
    const later = await collect(watch, (seen) => seen.length === 3);
    controller.abort();
    expect(later[0]).toMatchObject({ type: 'value', key: 'a.1', value: { n: 10 } });
    expect(later[1]).toMatchObject({ type: 'deleted', key: 'a.2' });
    expect(later[2]).toMatchObject({ type: 'invalid', key: 'a.3' });
  });

  it('is synced at once on a filter with no keys, and ends when its signal aborts', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Value);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const change of kv.watch('nobody.>', { signal: controller.signal })) {
      seen.push(change.type);
      if (change.type === 'synced') {
        await kv.put('nobody.1', { n: 1 });
      } else {
        controller.abort();
      }
    }
    expect(seen).toEqual(['synced', 'value']);
  });

  it('resumes where it was when nats.js ends its watch on its own, handing out each change once', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Value);
    await kv.put('r.1', { n: 1 });
    const controller = new AbortController();
    const watch = kv.watch('r.>', { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await collect(watch, (seen) => seen.at(-1)?.type === 'synced')).length).toBe(2);

    // What ends a nats.js watch from below: its delivery subscription closes (not the requests' `_INBOX.x.*`).
    const nc = natsHandles(t.bus).nc as unknown as {
      protocol: { subscriptions: { all(): Array<{ getSubject(): string; unsubscribe(): void }> } };
    };
    const deliveries = nc.protocol.subscriptions
      .all()
      .filter((s) => /^_INBOX\.[^.]+\.\d+$/.test(s.getSubject()));
    expect(deliveries.length).toBeGreaterThan(0);
    for (const sub of deliveries) sub.unsubscribe();

    await kv.put('r.2', { n: 2 });
    await kv.put('r.1', { n: 11 });
    const later = await collect(watch, (seen) => seen.length === 2);
    controller.abort();
    expect(later.map((c) => (c.type === 'value' ? `${c.key}=${c.value.n}` : c.type))).toEqual([
      'r.2=2',
      'r.1=11',
    ]);
    expect((await watch.next()).done).toBe(true);
  });
  it('outlives a count of keys that the connection dropped under: it starts again, then hands out the values', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Value);
    await kv.put('c.1', { n: 1 });
    // The supervisor's wakeup watch died this way in the chaos suite: DISCONNECTED out of its first count.
    let counts = 0;
    const typed = new TypedKv(
      await new Kvm(natsHandles(t.bus).js).open(Buckets.Tasks),
      Buckets.Tasks,
      Value,
      {
        guard: (request) => request(),
        maxValueBytes: () => 1_000_000,
        listKeys: async () => [],
        publishOver: () => Promise.reject(new Error('this test does not write')),
        countKeys: async () => {
          if (counts++ === 0) throw new BusError(BusErrorCode.Disconnected, 'count: the connection dropped');
          return 1;
        },
        isClosed: () => false,
        whenConnected: async () => undefined,
      },
    );
    const controller = new AbortController();
    const watch = typed.watch('c.>', { signal: controller.signal })[Symbol.asyncIterator]();
    const seen = await collect(watch, (changes) => changes.at(-1)?.type === 'synced');
    controller.abort();
    expect(seen.map((c) => (c.type === 'value' ? `${c.key}=${c.value.n}` : c.type))).toEqual([
      'c.1=1',
      'synced',
    ]);
    expect(counts).toBe(2);
  });
});
