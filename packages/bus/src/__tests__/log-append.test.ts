import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_SLOTS, Streams, subjects, TaskEventSchema, type Bus, type TaskEvent } from '@troupe/bus';
import { startTestBus, type TestBus } from '@troupe/bus/testing';

const event = (taskId: string, n: number, blob = ''): TaskEvent => ({
  v: 1,
  taskId,
  type: 'tick',
  at: n,
  data: { n, ...(blob ? { blob } : {}) },
});

/** Log records appended in one turn share a message; readers hand them out one by one with positions. */
describe('appending to log streams on a real nats-server', () => {
  let bus: Bus;
  const messagesOn = async (subject: string) =>
    (await bus.jsm.streams.info(Streams.Events, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;

  let testBus: TestBus;
  beforeAll(async () => {
    ({ bus } = testBus = await startTestBus({ server: { maxPayload: 64 * 1024 } }));
  });
  afterAll(() => testBus[Symbol.asyncDispose]());

  it('sendLogs(subjects) sends those subjects now and leaves the others to travel together', async () => {
    const mine = subjects.event('send-mine');
    const other = subjects.event('send-other');
    bus.append(mine, event('send-mine', 0), { msgId: 'send-mine.0' });
    bus.append(other, event('send-other', 0), { msgId: 'send-other.0' });
    expect(bus.sendLogs([mine])).toBe(true);
    bus.append(other, event('send-other', 1), { msgId: 'send-other.1' });
    // An acknowledged publish after sendLogs is read by the server after the records it sent.
    await bus.publishDurable(subjects.event('send-marker'), event('send-marker', 0));
    expect(await messagesOn(mine)).toBe(1);
    await bus.flush();
    // Both records of the other subject went out in one message: sendLogs([mine]) did not send the first.
    expect(await messagesOn(other)).toBe(1);
    const read = await bus.readStream(Streams.Events, other, TaskEventSchema);
    expect(read.map((e) => e.data['n'])).toEqual([0, 1]);
  });

  it('records appended in one turn are one message, read back in order, resumable after any position', async () => {
    const subject = subjects.event('batch');
    for (let n = 0; n < 5; n++) bus.append(subject, event('batch', n), { msgId: `batch.${n}` });
    await bus.flush();
    bus.append(subject, event('batch', 5), { msgId: 'batch.5' });
    await bus.flush();
    expect(await messagesOn(subject)).toBe(2);

    const read = await bus.readStreamWithSeq(Streams.Events, subject, TaskEventSchema);
    expect(read.map((r) => r.data.data['n'])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(read.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(read.every((r) => r.position === r.seq * LOG_SLOTS + r.index)).toBe(true);

    const afterThird = await bus.readStream(Streams.Events, subject, TaskEventSchema, {
      after: read[2]!.position,
    });
    expect(afterThird.map((e) => e.data['n'])).toEqual([3, 4, 5]);

    const tail = await bus.tailStream(Streams.Events, subject, TaskEventSchema, { after: read[4]!.position });
    const live: unknown[] = [];
    for await (const r of tail) {
      live.push(r.data.data['n']);
      if (live.length === 1) bus.append(subject, event('batch', 6), { msgId: 'batch.6' });
      if (live.length === 2) break;
    }
    expect(live).toEqual([5, 6]);
  });

  it('records re-sent in differently batched messages (a step re-run after a crash) are read once, by id', async () => {
    const subject = subjects.event('rerun');
    const withId = (n: number): TaskEvent => ({ ...event('rerun', n), id: `rerun.step.1.ev${n}` });
    // The first run sends three records in one turn, then crashes; the re-run sends them again with a fourth,
    // batched another way: the messages' ids differ, so the server keeps all three messages.
    for (let n = 0; n < 3; n++) bus.append(subject, withId(n), { msgId: withId(n).id! });
    await bus.flush();
    bus.append(subject, withId(0), { msgId: withId(0).id! });
    await bus.flush();
    for (let n = 1; n < 4; n++) bus.append(subject, withId(n), { msgId: withId(n).id! });
    await bus.flush();
    expect(await messagesOn(subject)).toBe(3);

    const read = await bus.readStream(Streams.Events, subject, TaskEventSchema);
    expect(read.map((e) => e.data['n'])).toEqual([0, 1, 2, 3]);
    const tail = await bus.tailStream(Streams.Events, subject, TaskEventSchema);
    const tailed: unknown[] = [];
    for await (const r of tail) {
      tailed.push(r.data.data['n']);
      if (r.data.data['n'] === 3) break;
    }
    expect(tailed).toEqual([0, 1, 2, 3]);
    // Records without an id are never merged.
    const plain = subjects.event('plain');
    bus.append(plain, event('plain', 1), { msgId: 'plain.a' });
    await bus.flush();
    bus.append(plain, event('plain', 1), { msgId: 'plain.b' });
    await bus.flush();
    expect(await bus.readStream(Streams.Events, plain, TaskEventSchema)).toHaveLength(2);
  });

  it('the same records sent again are dropped by the server, as one message', async () => {
    const subject = subjects.event('again');
    const send = async () => {
      for (let n = 0; n < 3; n++) bus.append(subject, event('again', n), { msgId: `again.${n}` });
      await bus.flush();
    };
    await send();
    await send();
    expect(await messagesOn(subject)).toBe(1);
    expect(await bus.readStream(Streams.Events, subject, TaskEventSchema)).toHaveLength(3);
  });

  it('a record appended alone is a message of its own, so it deduplicates whatever came with it', async () => {
    const subject = subjects.event('alone');
    bus.append(subject, event('alone', 0), { msgId: 'alone.0' });
    bus.append(subject, event('alone', 1), { msgId: 'alone.1', alone: true });
    bus.append(subject, event('alone', 2), { msgId: 'alone.2' });
    await bus.flush();
    expect(await messagesOn(subject)).toBe(3);
    // Sent again in other company: still dropped.
    bus.append(subject, event('alone', 1), { msgId: 'alone.1', alone: true });
    await bus.flush();
    expect(await messagesOn(subject)).toBe(3);
    const read = await bus.readStream(Streams.Events, subject, TaskEventSchema);
    expect(read.map((e) => e.data['n'])).toEqual([0, 1, 2]);
  });

  it('a record too large for a message goes alone through the object store, after what came before it', async () => {
    const subject = subjects.event('large');
    bus.append(subject, event('large', 0), { msgId: 'large.0' });
    const stored = bus.append(subject, event('large', 1, 'x'.repeat(100_000)), { msgId: 'large.1' });
    // What comes while it is on its way waits for it, and is split into messages that fit when it goes.
    for (let n = 2; n < 7; n++)
      bus.append(subject, event('large', n, 'z'.repeat(20_000)), { msgId: `large.${n}` });
    await Promise.all([stored, bus.flush()]);
    const read = await bus.readStream(Streams.Events, subject, TaskEventSchema);
    expect(read.map((e) => e.data['n'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await messagesOn(subject)).toBeGreaterThan(3);
    expect(read[1]!.data['blob']).toHaveLength(100_000);
  });

  it('splits a turn whose records would not fit one message', async () => {
    const subject = subjects.event('split');
    for (let n = 0; n < 8; n++)
      bus.append(subject, event('split', n, 'y'.repeat(20_000)), { msgId: `split.${n}` });
    await bus.flush();
    expect(await messagesOn(subject)).toBeGreaterThan(1);
    const read = await bus.readStream(Streams.Events, subject, TaskEventSchema);
    expect(read.map((e) => e.data['n'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
