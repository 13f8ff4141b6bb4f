import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Buckets,
  createSimulatedClock,
  newTaskId,
  StepAssignmentSchema,
  subjects,
  type Bus,
  type SimulatedClock,
  type StepAssignment,
  type WorkConsumer,
} from '@troupe/bus';
import { startTestBus, type TestBus } from '@troupe/bus/testing';
import { defineWorkflow } from '../workflow/define-workflow.js';
import { runSupervisor } from './supervisor.js';
import { TaskRecordSchema, taskKey, WakeupSchema } from './task-record.js';

const workflow = defineWorkflow({
  name: 'wake-pair',
  version: 1,
  input: z.object({ q: z.string() }),
  steps: [
    { id: 'a', role: 'wake-a', timeoutMs: 1_000, retry: { attempts: 1 }, input: ({ input }) => input },
    {
      id: 'b',
      role: 'wake-b',
      needs: ['a'],
      timeoutMs: 60_000,
      retry: { attempts: 1 },
      input: ({ outputs }) => outputs.a,
    },
  ],
  result: ({ outputs }) => outputs.b,
});

/**
 * A supervisor loads the stored wake-ups after it started; one that arrives after the clock passed it is
 * armed for "now", which a simulated clock fires on its next move: move it by nothing before each look.
 */
const fireDue = <T>(clock: SimulatedClock, read: () => T): T => {
  clock.increment(0);
  return read();
};

/** Timers live in KV troupe_wakeups; these tests count its writes and fire them on a simulated clock. */
describe('supervisor wake-ups on a real nats-server', () => {
  let testBus: TestBus;
  let bus: Bus;
  const T0 = 1_800_000_000_000;
  const assignments: StepAssignment[] = [];
  const writes: Array<{ key: string; op: string; wakeAt?: number }> = [];
  let consumers: WorkConsumer[] = [];
  let stopWatch: () => void = () => undefined;

  beforeAll(async () => {
    ({ bus } = testBus = await startTestBus());
    consumers = await Promise.all(
      ['wake-a', 'wake-b'].map((role) =>
        bus.consumeWork({
          role,
          schema: StepAssignmentSchema,
          concurrency: 8,
          handler: async (msg) => {
            assignments.push(msg.data);
          },
        }),
      ),
    );
    const wakeups = await bus.kv(Buckets.Wakeups, WakeupSchema);
    const watcher = new AbortController();
    stopWatch = () => watcher.abort();
    void (async () => {
      for await (const change of wakeups.watch('>', { signal: watcher.signal })) {
        if (change.type === 'value') writes.push({ key: change.key, op: 'PUT', wakeAt: change.value.wakeAt });
        else if (change.type === 'deleted') writes.push({ key: change.key, op: 'DEL' });
      }
    })();
  });
  afterAll(async () => {
    stopWatch();
    await Promise.all(consumers.map((c) => c.stop()));
    await testBus[Symbol.asyncDispose]();
  });

  const submit = async (taskId: string) =>
    bus.publishDurable(
      subjects.taskSubmit('acme', taskId),
      {
        v: 1,
        taskId,
        tenant: 'acme',
        workflow: workflow.name,
        input: { q: taskId },
        options: {},
        metadata: {},
        submittedAt: T0,
      },
      { msgId: taskId },
    );
  const answer = (a: StepAssignment, output: unknown) =>
    bus.publishDurable(subjects.result(a.role, a.taskId), {
      v: 1,
      taskId: a.taskId,
      tenant: a.tenant,
      stepKey: a.stepKey,
      attempt: a.attempt,
      agentId: 'test-agent',
      ok: true,
      output,
      finishedAt: T0,
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0, latencyMs: 1, model: 'm', provider: 'p' },
    });
  const assignmentOf = async (taskId: string, stepId: string) => {
    await expect.poll(() => assignments.some((a) => a.taskId === taskId && a.stepId === stepId)).toBe(true);
    return assignments.find((a) => a.taskId === taskId && a.stepId === stepId)!;
  };
  const writesOf = (taskId: string) => writes.filter((w) => w.key === taskKey('acme', taskId));
  /** A supervisor that other supervisors' wake-ups reach after 500 ms. */
  const startSupervisor = (clock: SimulatedClock, supervisorId: string) =>
    runSupervisor({ bus, workflows: [workflow], clock, supervisorId, foreignWakeGraceMs: 500 });

  it('writes a wake-up when a task starts and removes it when it ends; later deadlines write nothing', async () => {
    const clock = createSimulatedClock(T0);
    const supervisor = await runSupervisor({ bus, workflows: [workflow], clock });
    try {
      const taskId = newTaskId();
      await submit(taskId);
      await answer(await assignmentOf(taskId, 'a'), { x: 1 });
      await answer(await assignmentOf(taskId, 'b'), { y: 2 });
      await expect.poll(() => writesOf(taskId).map((w) => w.op)).toEqual(['PUT', 'DEL']);
      expect(writesOf(taskId)[0]!.wakeAt).toBe(T0 + 1_000);
    } finally {
      await supervisor.stop();
    }
  });

  it('a wake-up that comes before the real deadline stores the real one; the deadline then fires', async () => {
    const clock = createSimulatedClock(T0);
    const first = await startSupervisor(clock, 'first');
    const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
    const taskId = newTaskId();
    await submit(taskId);
    await answer(await assignmentOf(taskId, 'a'), { x: 1 });
    await assignmentOf(taskId, 'b');
    await first.stop();
    // KV still holds step a's deadline; the other supervisor wakes for it and finds nothing due.
    const second = await startSupervisor(clock, 'second');
    try {
      expect(writesOf(taskId)).toEqual([{ key: taskKey('acme', taskId), op: 'PUT', wakeAt: T0 + 1_000 }]);
      clock.increment(1_500);
      await expect.poll(() => fireDue(clock, () => writesOf(taskId).length)).toBe(2);
      expect(writesOf(taskId)[1]).toMatchObject({ op: 'PUT', wakeAt: T0 + 60_000 });
      expect((await tasks.get(taskKey('acme', taskId)))!.value.status).toBe('running');
      clock.increment(58_500);
      await expect
        .poll(() => fireDue(clock, async () => (await tasks.get(taskKey('acme', taskId)))!.value.status))
        .toBe('failed');
      expect((await tasks.get(taskKey('acme', taskId)))!.value.error?.stepKey).toBe('b');
      await expect.poll(() => writesOf(taskId).at(-1)?.op).toBe('DEL');
    } finally {
      await second.stop();
    }
  });

  it("a stopped supervisor's deadline fires in another one after the grace period", async () => {
    const clock = createSimulatedClock(T0);
    const first = await startSupervisor(clock, 'first');
    const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
    const taskId = newTaskId();
    await submit(taskId);
    await assignmentOf(taskId, 'a');
    await expect.poll(() => writesOf(taskId).length).toBe(1);
    await first.stop();
    const second = await startSupervisor(clock, 'second');
    try {
      clock.increment(1_000);
      expect((await tasks.get(taskKey('acme', taskId)))!.value.status).toBe('running');
      clock.increment(500);
      await expect
        .poll(() => fireDue(clock, async () => (await tasks.get(taskKey('acme', taskId)))!.value.status))
        .toBe('failed');
      expect((await tasks.get(taskKey('acme', taskId)))!.value.error?.stepKey).toBe('a');
    } finally {
      await second.stop();
    }
  });
});
