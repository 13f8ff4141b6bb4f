import { Buckets, HeartbeatSchema, newTaskId, subjects, type KvChange, type TaskSubmit } from '@troupe/bus';
import { createSimulatedClock, startTestBus } from '@troupe/bus/testing';
import { describe, expect, it } from 'vitest';
import { builtinWorkflows } from '../workflows/index.js';
import { runSupervisor } from './supervisor.js';
import { supervisorHeartbeatKey, supervisorMemberId } from './supervisor-heartbeat.js';

describe('supervisor heartbeat', () => {
  it('is written to KV troupe_agents on start and on the clock, says draining on stop, and is then deleted', async () => {
    await using testBus = await startTestBus();
    const { bus } = testBus;
    const clock = createSimulatedClock(Date.now());
    const kv = await bus.kv(Buckets.Agents, HeartbeatSchema);
    const key = supervisorHeartbeatKey(supervisorMemberId('sup.host.example-1'));
    expect(key).toBe('supervisor.sup_host_example-1');

    const changes: Array<KvChange<unknown>> = [];
    const watching = new AbortController();
    const watched = (async () => {
      for await (const change of kv.watch(key, { signal: watching.signal, updatesOnly: true }))
        changes.push(change);
    })();

    const supervisor = await runSupervisor({
      bus,
      workflows: builtinWorkflows,
      clock,
      supervisorId: 'sup.host.example-1',
      concurrency: 8,
      heartbeatIntervalMs: 1_000,
      version: '9.9.9',
    });
    await expect
      .poll(async () => (await kv.get(key))?.value)
      .toMatchObject({
        kind: 'supervisor',
        agentId: 'sup_host_example-1',
        roles: [],
        pid: process.pid,
        inFlight: 0,
        concurrency: 8,
        version: '9.9.9',
        status: 'ready',
        handled: 0,
        at: clock.now(),
      });

    const taskId = newTaskId();
    const submission: TaskSubmit = {
      v: 1,
      taskId,
      tenant: 'acme',
      workflow: 'ask',
      input: { question: 'q' },
      options: {},
      metadata: {},
      submittedAt: clock.now(),
    };
    await bus.publishDurable(subjects.taskSubmit(submission.tenant, taskId), submission, { msgId: taskId });
    await expect.poll(() => supervisor.applied).toBe(1);
    clock.increment(1_000);
    await expect.poll(async () => (await kv.get(key))?.value).toMatchObject({ handled: 1, at: clock.now() });

    await supervisor.stop();
    expect(await kv.get(key)).toBeUndefined();
    await expect.poll(() => changes.at(-1)?.type).toBe('deleted');
    const values = changes.flatMap((c) => (c.type === 'value' ? [c.value as { status: string }] : []));
    expect(values.at(-1)?.status).toBe('draining');
    // No timer of the heartbeat is left behind.
    clock.increment(10_000);
    expect(await kv.get(key)).toBeUndefined();
    watching.abort();
    await watched;
  });
});
