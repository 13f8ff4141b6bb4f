import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRecordSchema, Buckets, Streams, subjects, type Bus } from '@troupe/bus';
import { spawnTs, startTestBus, type NatsServer, type TestBus, type TsProcess } from '@troupe/bus/testing';
import { TaskRecordSchema, taskKey, type TaskRecord } from '@troupe/supervisor';
import { fixture, followTaskEnds, submitTask } from './fixtures/troupe.js';

describe('supervisors as separate processes on a real nats-server', () => {
  let server: NatsServer;
  let bus: Bus;
  let testBus: TestBus;
  beforeAll(async () => {
    ({ server, bus } = testBus = await startTestBus());
  });
  afterAll(() => testBus[Symbol.asyncDispose]());

  it('one supervisor SIGKILLed in the middle of 50 tasks: every task completes, every result applied once', async () => {
    const env = { NATS_URL: server.url, WAKE_GRACE_MS: '200' };
    await using agent = spawnTs(fixture('scripted-agent.ts'), { env });
    await using supA: TsProcess = spawnTs(fixture('supervisor-process.ts'), { env });
    await using supB: TsProcess = spawnTs(fixture('supervisor-process.ts'), { env });
    await Promise.all([agent, supA, supB].map((p) => p.waitForLine(/^ready /)));

    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await submitTask(bus, 'report', { question: `Question ${i}` }));
    const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
    const statuses = async () =>
      Promise.all(ids.map(async (id) => (await tasks.get(taskKey('acme', id)))?.value));
    // Kill one supervisor while tasks are mid-flight.
    const ends = await followTaskEnds(bus, ids);
    await ends.until(4);
    await supA.kill('SIGKILL');
    await ends.until();
    await ends.stop();
    expect((await statuses()).filter((r) => r?.status === 'completed')).toHaveLength(50);

    const records = (await statuses()) as TaskRecord[];
    for (const record of records) {
      const result = record.result as { document: string; steps: Record<string, unknown> };
      expect(result.document).toContain('# Report');
      // plan + 3 research + analyse + draft + review
      expect(Object.keys(result.steps)).toHaveLength(7);
    }
    // The records are written before each transition's audit records go out: wait for the last of them.
    const acceptedPerStep = async () => {
      const audit = await bus.readStream(Streams.Audit, subjects.allAudit(), AuditRecordSchema, {
        limit: 100_000,
      });
      const perStep = new Map<string, number>();
      for (const r of audit.filter((a) => a.decision === 'accept'))
        perStep.set(`${r.taskId}/${r.stepKey}`, (perStep.get(`${r.taskId}/${r.stepKey}`) ?? 0) + 1);
      return perStep;
    };
    const audit = await bus.tailStream(Streams.Audit, subjects.allAudit(), AuditRecordSchema);
    const accepted = new Set<string>();
    for await (const { data } of audit) {
      if (data.decision === 'accept') accepted.add(`${data.taskId}/${data.stepKey}`);
      if (accepted.size === 50 * 7) break;
    }
    const perStep = await acceptedPerStep();
    expect([...perStep.values()].every((n) => n === 1)).toBe(true);
  }, 150_000);
});
