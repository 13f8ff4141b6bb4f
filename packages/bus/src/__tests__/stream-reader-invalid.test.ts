import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { InvalidRecord } from '@troupe/bus';
import { natsHandles, startTestBus } from '@troupe/bus/testing';

const Record = z.object({ id: z.string(), n: z.number() });
const STREAM = 'reader_invalid';

describe('stream readers and records that do not decode', () => {
  it('skip them and report each to onInvalid with its sequence, subject and reason', async () => {
    await using t = await startTestBus();
    const { js, jsm } = natsHandles(t.bus);
    await jsm.streams.add({ name: STREAM, subjects: ['reader.invalid.>'] });
    const put = (data: string) => js.publish('reader.invalid.a', new TextEncoder().encode(data));
    await put(JSON.stringify({ id: 'r1', n: 1 }));
    await put('{not json');
    await put(JSON.stringify({ id: 'r2', n: 'two' }));
    await put(
      JSON.stringify([
        { id: 'r3', n: 3 },
        { __proto__: null, id: 7 },
      ]),
    );

    const invalid: InvalidRecord[] = [];
    const read = await t.bus.readStreamWithSeq(STREAM, 'reader.invalid.>', Record, {
      onInvalid: (r) => invalid.push(r),
    });
    expect(read.map((r) => r.data.id)).toEqual(['r1', 'r3']);
    expect(invalid).toEqual([
      { seq: 2, subject: 'reader.invalid.a', reason: expect.stringMatching(/json/i) },
      { seq: 3, index: 0, subject: 'reader.invalid.a', reason: expect.stringMatching(/^n: /) },
      { seq: 4, index: 1, subject: 'reader.invalid.a', reason: expect.stringMatching(/^id: /) },
    ]);

    const tailed: InvalidRecord[] = [];
    const tail = await t.bus.tailStream(STREAM, 'reader.invalid.>', Record, {
      onInvalid: (r) => tailed.push(r),
    });
    const ids: string[] = [];
    for await (const r of tail) {
      ids.push(r.data.id);
      if (r.data.id === 'r3') break;
    }
    expect(ids).toEqual(['r1', 'r3']);
    expect(tailed.map((r) => r.seq)).toEqual([2, 3, 4]);
  });

  it('without onInvalid, skip them silently as before', async () => {
    await using t = await startTestBus();
    const { js, jsm } = natsHandles(t.bus);
    await jsm.streams.add({ name: STREAM, subjects: ['reader.invalid.>'] });
    await js.publish('reader.invalid.a', new TextEncoder().encode('\u0000\u0001'));
    await js.publish('reader.invalid.a', new TextEncoder().encode(JSON.stringify({ id: 'ok', n: 1 })));
    const read = await t.bus.readStream(STREAM, 'reader.invalid.>', Record);
    expect(read).toEqual([{ id: 'ok', n: 1 }]);
  });
});
