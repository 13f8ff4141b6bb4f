import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditRecordSchema,
  Buckets,
  newTaskId,
  Streams,
  subjects,
  TaskEventSchema,
  type Bus,
  type StepResult,
  type TaskSubmit,
} from '@troupe/bus';
import { startTestBus, type TestBus, natsHandles } from '@troupe/bus/testing';
import { builtinWorkflows } from '../workflows/index.js';
import { runSupervisor } from './supervisor.js';
import { RECORD_TOO_LARGE } from './task-store.js';
import { TaskRecordSchema, taskKey, type TaskRecord } from './task-record.js';

/** A submission of the built-in `ask` workflow for tenant acme, as a program would publish it. */
const submission = (taskId: string, input: unknown): TaskSubmit => ({
  v: 1,
  taskId,
  tenant: 'acme',
  workflow: 'ask',
  input,
  options: {},
  metadata: {},
  submittedAt: 1,
});

describe('runSupervisor on a real nats-server', () => {
  let bus: Bus;
  let testBus: TestBus;
  beforeAll(async () => {
    ({ bus } = testBus = await startTestBus());
  });
  afterAll(() => testBus[Symbol.asyncDispose]());

  it('a cancel that arrives before the task started ends it, and the later submission dispatches nothing', async () => {
    const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
    const taskId = newTaskId();
    const key = taskKey('acme', taskId);
    const queued: TaskRecord = {
      v: 1,
      taskId,
      tenant: 'acme',
      workflow: 'ask',
      status: 'queued',
      input: { question: 'q' },
      options: {},
      metadata: {},
      createdAt: 1,
      updatedAt: 1,
      seq: 0,
      wakeAt: null,
    };
    await tasks.create(key, queued);
    await bus.publishDurable(subjects.control(taskId), {
      v: 1,
      type: 'cancel',
      taskId,
      tenant: 'acme',
      at: 2,
    });
    const supervisor = await runSupervisor({ bus, workflows: builtinWorkflows });
    try {
      await expect.poll(async () => (await tasks.get(key))?.value.status).toBe('cancelled');
      await bus.publishDurable(subjects.taskSubmit('acme', taskId), submission(taskId, { question: 'q' }), {
        msgId: taskId,
      });
      await expect
        .poll(
          async () =>
            (await natsHandles(bus).jsm.consumers.info(Streams.Tasks, 'supervisor-tasks')).num_ack_pending +
            (await natsHandles(bus).jsm.consumers.info(Streams.Tasks, 'supervisor-tasks')).num_pending,
        )
        .toBe(0);
      const record = (await tasks.get(key))!.value;
      expect(record.status).toBe('cancelled');
      expect(record.snapshot).toBeUndefined();
      expect(record.error?.message).toMatch(/cancelled before it started/);
      const work = await natsHandles(bus).jsm.streams.info(Streams.Work);
      expect(work.state.messages).toBe(0);
    } finally {
      await supervisor.stop();
    }
  });

  it('input the workflow refuses fails the task with the reason', async () => {
    const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
    const supervisor = await runSupervisor({ bus, workflows: builtinWorkflows });
    try {
      const taskId = newTaskId();
      await bus.publishDurable(subjects.taskSubmit('acme', taskId), submission(taskId, { nope: 1 }), {
        msgId: taskId,
      });
      await expect.poll(async () => (await tasks.get(taskKey('acme', taskId)))?.value.status).toBe('failed');
      expect((await tasks.get(taskKey('acme', taskId)))!.value.error?.message).toMatch(/question/);
    } finally {
      await supervisor.stop();
    }
  });

  it('a submission nobody recorded is created already started, once, even when it comes again', async () => {
    const tasks = await bus.kv(Buckets.Tasks, TaskRecordSchema);
    const supervisor = await runSupervisor({ bus, workflows: builtinWorkflows });
    const taskId = newTaskId();
    const key = taskKey('acme', taskId);
    const versions: TaskRecord[] = [];
    const watcher = new AbortController();
    void (async () => {
      for await (const change of tasks.watch(key, { signal: watcher.signal }))
        if (change.type === 'value') versions.push(change.value);
    })();
    const workBefore = (await natsHandles(bus).jsm.streams.info(Streams.Work)).state.messages;
    const submit = submission(taskId, { question: 'q' });
    try {
      await bus.publishDurable(subjects.taskSubmit('acme', taskId), submit, { msgId: taskId });
      await expect.poll(() => versions.length).toBe(1);
      expect(versions[0]).toMatchObject({ status: 'running', seq: 1 });
      // The same submission again (past the duplicate window): the record exists, nothing is dispatched twice.
      await bus.publishDurable(subjects.taskSubmit('acme', taskId), submit, { msgId: `${taskId}-again` });
      await expect
        .poll(async () => {
          const info = await natsHandles(bus).jsm.consumers.info(Streams.Tasks, 'supervisor-tasks');
          return info.num_pending + info.num_ack_pending;
        })
        .toBe(0);
      expect(versions).toHaveLength(1);
      expect((await natsHandles(bus).jsm.streams.info(Streams.Work)).state.messages).toBe(workBefore + 1);
    } finally {
      watcher.abort();
      await supervisor.stop();
    }
  });

  it('a task whose record outgrows max_payload fails with the reason instead of stalling', async () => {
    await using small = await startTestBus({ server: { maxPayload: 64 * 1024 } });
    const tasks = await small.bus.kv(Buckets.Tasks, TaskRecordSchema);
    const supervisor = await runSupervisor({ bus: small.bus, workflows: builtinWorkflows });
    const recordOf = async (taskId: string) => (await tasks.get(taskKey('acme', taskId)))?.value;
    const submit = (taskId: string, input: unknown) =>
      small.bus.publishDurable(subjects.taskSubmit('acme', taskId), submission(taskId, input), {
        msgId: taskId,
      });
    const answer = (taskId: string, text: string): StepResult => ({
      v: 1,
      taskId,
      tenant: 'acme',
      stepKey: 'answer',
      attempt: 1,
      agentId: 'test-agent',
      finishedAt: 2,
      ok: true,
      output: { answer: text, citations: [] },
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0, latencyMs: 1, model: 'm', provider: 'offline' },
    });
    try {
      // An answer of 40 KB: the record would keep it twice (the step's output and the result), over 60 KB.
      const bigOutput = newTaskId();
      await submit(bigOutput, { question: 'q' });
      await expect.poll(async () => (await recordOf(bigOutput))?.status).toBe('running');
      await small.bus.publishDurable(
        subjects.result('researcher', bigOutput),
        answer(bigOutput, 'a'.repeat(40_000)),
      );
      await expect.poll(async () => (await recordOf(bigOutput))?.status).toBe('failed');
      const failed = (await recordOf(bigOutput))!;
      expect(failed.error).toMatchObject({
        code: RECORD_TOO_LARGE,
        message: expect.stringMatching(/max_payload/),
      });
      // It keeps the last snapshot that fit, and a late result changes nothing.
      expect(failed.snapshot).toBeDefined();
      await small.bus.publishDurable(subjects.result('researcher', bigOutput), answer(bigOutput, 'short'));
      await expect
        .poll(async () => {
          const info = await natsHandles(small.bus).jsm.consumers.info(Streams.Results, 'supervisor-results');
          return info.num_pending + info.num_ack_pending;
        })
        .toBe(0);
      expect((await recordOf(bigOutput))!.seq).toBe(failed.seq);
      const events = await small.bus.readJournal('events', { taskId: bigOutput }, TaskEventSchema);
      expect(events.at(-1)?.data).toMatchObject({ type: 'task.failed', data: { code: RECORD_TOO_LARGE } });
      const audit = await small.bus.readJournal('audit', { taskId: bigOutput }, AuditRecordSchema);
      expect(audit.at(-1)?.data).toMatchObject({ type: 'task.failed', decision: 'fail' });

      // 40 KB of context: the first transition's record would hold the input twice. Nothing is dispatched.
      const bigInput = newTaskId();
      const workBefore = (await natsHandles(small.bus).jsm.streams.info(Streams.Work)).state.messages;
      await submit(bigInput, { question: 'q', context: 'c'.repeat(40_000) });
      await expect.poll(async () => (await recordOf(bigInput))?.status).toBe('failed');
      expect((await recordOf(bigInput))!.error?.code).toBe(RECORD_TOO_LARGE);
      expect((await natsHandles(small.bus).jsm.streams.info(Streams.Work)).state.messages).toBe(workBefore);
    } finally {
      await supervisor.stop();
    }
  });
});
