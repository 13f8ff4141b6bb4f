import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditRecordSchema, Buckets, journal, TaskEventSchema, type TaskLog } from '@troupe/bus';
import { startTestBus, natsHandles } from '@troupe/bus/testing';

const Entry = z.object({ n: z.number(), log: z.unknown().optional() });

const event = (taskId: string, n: number) => ({
  v: 1 as const,
  id: `e${n}`,
  taskId,
  type: 'tick',
  at: n,
  data: { n },
});
const audit = (taskId: string, n: number) => ({
  v: 1 as const,
  id: `a${n}`,
  taskId,
  type: 'step',
  at: n,
  actor: 'test',
  data: {},
});
const log = (taskId: string, ...ns: number[]): TaskLog => ({
  events: ns.map((n) => event(taskId, n)),
  audit: ns.map((n) => audit(taskId, n)),
});

describe('the task journal (KV troupe_tasks with every revision kept)', () => {
  it('keeps every revision: the events and audit records each write added read back in order, resumable', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Entry);
    let revision = await kv.create('acme.t1', { n: 1, log: log('t1', 1, 2) });
    await kv.create('other.t2', { n: 1, log: log('t2', 9) });
    revision = await kv.update('acme.t1', { n: 2, log: log('t1', 3) }, revision);
    await kv.update('acme.t1', { n: 3 }, revision);

    expect((await kv.get('acme.t1'))?.value.n).toBe(3);
    const events = await t.bus.readJournal('events', { tenant: 'acme', taskId: 't1' }, TaskEventSchema);
    expect(events.map((e) => e.data.id)).toEqual(['e1', 'e2', 'e3']);
    const audits = await t.bus.readJournal('audit', { taskId: 't1' }, AuditRecordSchema);
    expect(audits.map((a) => a.data.id)).toEqual(['a1', 'a2', 'a3']);
    // A position resumes inside a revision without repeats.
    const after = await t.bus.readJournal('events', { taskId: 't1' }, TaskEventSchema, {
      after: events[0]!.position,
    });
    expect(after.map((e) => e.data.id)).toEqual(['e2', 'e3']);
    const everyTask = await t.bus.readJournal('events', {}, TaskEventSchema);
    expect(everyTask.map((e) => `${e.data.taskId}:${e.data.id}`)).toEqual([
      't1:e1',
      't1:e2',
      't2:e9',
      't1:e3',
    ]);
  });

  it('tails a task: stored records, then each new revision’s', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Entry);
    const revision = await kv.create('acme.t1', { n: 1, log: log('t1', 1) });
    const tail = await t.bus.tailJournal('events', { tenant: 'acme', taskId: 't1' }, TaskEventSchema);
    const seen: string[] = [];
    for await (const { data } of tail) {
      seen.push(data.id ?? '');
      if (seen.length === 1) await kv.update('acme.t1', { n: 2, log: log('t1', 2, 3) }, revision);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['e1', 'e2', 'e3']);
  });

  it('refuses to delete or purge what the journal stored: the audit log is the records’ history', async () => {
    await using t = await startTestBus();
    const kv = await t.bus.kv(Buckets.Tasks, Entry);
    await kv.create('acme.t1', { n: 1 });
    const info = await natsHandles(t.bus).jsm.streams.info(journal.stream);
    expect(info.config).toMatchObject({ max_msgs_per_subject: -1, deny_delete: true, deny_purge: true });
    await expect(natsHandles(t.bus).jsm.streams.deleteMessage(journal.stream, 1)).rejects.toThrow();
    await expect(natsHandles(t.bus).jsm.streams.purge(journal.stream)).rejects.toThrow();
  });
});
