import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Bus } from '@troupe/bus';
import { spawnTs, startTestBus, type NatsServer, type TestBus, type TsProcess } from '@troupe/bus/testing';
import { fixture, followTaskEnds, submitTask } from './fixtures/troupe.js';
import { expectCompletedReports, expectEachResultAppliedOnce } from './fixtures/task-checks.js';

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
    // Kill one supervisor while tasks are mid-flight.
    const ends = await followTaskEnds(bus, ids);
    await ends.until(4);
    await supA.kill('SIGKILL');
    await ends.until();
    await ends.stop();
    await expectCompletedReports(bus, ids);
    await expectEachResultAppliedOnce(bus, ids.length * 7);
  }, 150_000);

  it('the nats-server SIGKILLed and restarted on its store in the middle of 30 tasks: every task completes, every result applied once', async () => {
    await using own = await startTestBus({ bus: { reconnectWaitMs: 50, reconnectJitterMs: 50 } });
    const env = { NATS_URL: own.server.url };
    await using agent = spawnTs(fixture('scripted-agent.ts'), { env });
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await Promise.all([agent, sup].map((p) => p.waitForLine(/^ready /)));

    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await submitTask(own.bus, 'report', { question: `Question ${i}` }));
    const before = await followTaskEnds(own.bus, ids);
    await before.until(3);
    await before.stop();
    await own.server.kill();
    await own.server.restart();
    // Stored ends first, then live ones: what ended before the restart counts too.
    const ends = await followTaskEnds(own.bus, ids);
    await ends.until();
    await ends.stop();
    await expectCompletedReports(own.bus, ids);
    await expectEachResultAppliedOnce(own.bus, ids.length * 7);
  }, 150_000);
});
