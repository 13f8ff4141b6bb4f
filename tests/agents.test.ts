import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  AuditRecordSchema,
  Streams,
  subjects,
  TaskEventSchema,
  type Bus,
  type TaskEvent,
  type TaskOptions,
} from '@troupe/bus';
import { spawnTs, startTestBus, type NatsServer, type TestBus, natsHandles } from '@troupe/bus/testing';
import { fixture, followTaskEnds, readTask, submitTask } from './fixtures/troupe.js';
import { readJournal } from './fixtures/journal.js';

describe('real agent processes on the offline model', () => {
  let server: NatsServer;
  let bus: Bus;
  let testBus: TestBus;
  beforeAll(async () => {
    ({ server, bus } = testBus = await startTestBus({ bus: { topology: { work: { ackWaitMs: 2_000 } } } }));
  });
  afterAll(() => testBus[Symbol.asyncDispose]());

  const submit = (workflow: string, input: unknown, options: TaskOptions = {}) =>
    submitTask(bus, workflow, input, options);
  const record = (taskId: string) => readTask(bus, taskId);

  it('runs the report workflow end to end: every role a process, a report with citations from the corpus', async () => {
    const env = { NATS_URL: server.url };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    const agents = ['planner', 'researcher', 'analyst', 'drafter', 'reviewer'].map((role) =>
      spawnTs(fixture('agent-process.ts'), { env: { ...env, ROLES: role } }),
    );
    try {
      await Promise.all([sup, ...agents].map((p) => p.waitForLine(/^ready /, 60_000)));
      const taskId = await submit('report', {
        question: 'How does JetStream acknowledge messages and what is a work queue?',
      });
      const ends = await followTaskEnds(bus, [taskId]);
      await ends.until();
      await ends.stop();
      expect((await record(taskId))?.status).toBe('completed');
      const result = (await record(taskId))!.result as {
        document: string;
        citations: Array<{ source: string }>;
        review: { verdict: string };
        usage: { inputTokens: number };
      };
      expect(result.document.length).toBeGreaterThan(300);
      expect(result.citations.length).toBeGreaterThan(0);
      expect(result.citations[0]!.source).toMatch(/\.md$/);
      expect(['approve', 'revise']).toContain(result.review.verdict);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      const audit = await readJournal(bus, 'audit', taskId, AuditRecordSchema, {
        limit: 5000,
      });
      expect(audit.some((r) => r.type === 'model.call')).toBe(true);
      expect(audit.some((r) => r.type === 'tool.call' && r.data['tool'] === 'search_corpus')).toBe(true);
    } finally {
      await Promise.all(agents.map((a) => a[Symbol.asyncDispose]()));
    }
  }, 120_000);

  it('an agent SIGKILLed mid-step: another agent of the role gets the step and completes it', async () => {
    const env = { NATS_URL: server.url, WORK_ACK_WAIT_MS: '2000' };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await using slow = spawnTs(fixture('agent-process.ts'), {
      env: { ...env, ROLES: 'assistant', OFFLINE_LATENCY_MS: '60000', AGENT_ID: 'slow-1' },
    });
    await Promise.all([sup, slow].map((p) => p.waitForLine(/^ready /, 60_000)));
    const taskId = await submit('ask', { question: 'What is 6 * 7?' });
    const events = await bus.tailJournal('events', { taskId }, TaskEventSchema);
    const seen: TaskEvent[] = [];
    // An agent's events go out live as they happen; the journal stores them with the step's result.
    const live = bus.subscribe(subjects.live(taskId), TaskEventSchema, ({ data }) => void seen.push(data));
    onTestFinished(() => live.unsubscribe());
    const reading = (async () => {
      for await (const e of events) {
        seen.push(e.data);
        if (e.data.type === 'task.completed') break;
      }
    })();
    await expect
      .poll(() => seen.some((e) => e.type === 'model.call' && e.data['agentId'] === 'slow-1'), {
        timeout: 30_000,
      })
      .toBe(true);
    await slow.kill('SIGKILL');
    await using fast = spawnTs(fixture('agent-process.ts'), {
      env: { ...env, ROLES: 'assistant', AGENT_ID: 'fast-1' },
    });
    await fast.waitForLine(/^ready /, 60_000);
    await reading;
    const done = await record(taskId);
    expect(done?.status).toBe('completed');
    expect((done!.result as { answer: string }).answer).toMatch(/42/);
    expect(seen.some((e) => e.type === 'model.result' && e.data['agentId'] === 'fast-1')).toBe(true);
  }, 120_000);

  it('SIGTERM: the step in flight completes and is acked, no new step is taken, exit 0', async () => {
    const env = { NATS_URL: server.url };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await using agent = spawnTs(fixture('agent-process.ts'), {
      env: { ...env, ROLES: 'assistant', OFFLINE_LATENCY_MS: '1500', AGENT_ID: 'term-1', CONCURRENCY: '1' },
    });
    await Promise.all([sup, agent].map((p) => p.waitForLine(/^ready /, 60_000)));
    // The step is running once its model call shows live.
    const calling = new Set<string>();
    const live = bus.subscribe(subjects.allLive(), TaskEventSchema, ({ data }) => {
      if (data.type === 'model.call') calling.add(data.taskId);
    });
    onTestFinished(() => live.unsubscribe());
    await bus.flush();
    const first = await submit('ask', { question: 'What is 2 + 2?' });
    await expect.poll(() => calling.has(first), { timeout: 30_000 }).toBe(true);
    const second = await submit('ask', { question: 'What is 3 + 3?' });
    const exit = await agent.kill('SIGTERM');
    expect(exit.code).toBe(0);
    // The agent exits once its result is stored; the supervisor applies it a moment later.
    await expect.poll(async () => (await record(first))?.status, { timeout: 30_000 }).toBe('completed');
    expect((await record(second))?.status).toBe('running');
    const info = await natsHandles(bus).jsm.consumers.info(Streams.Work, 'work-assistant');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(1);
  }, 120_000);

  it('a malformed assignment is dead-lettered with its reason; the agent keeps serving', async () => {
    const env = { NATS_URL: server.url };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await using agent = spawnTs(fixture('agent-process.ts'), { env: { ...env, ROLES: 'assistant' } });
    await Promise.all([sup, agent].map((p) => p.waitForLine(/^ready /, 60_000)));
    await bus.publishDurable(subjects.work('assistant'), { v: 1, taskId: 'bad', nonsense: true });
    const taskId = await submit('ask', { question: 'What is 10 / 4?' });
    await expect.poll(async () => (await record(taskId))?.status, { timeout: 30_000 }).toBe('completed');
    await expect
      .poll(async () => {
        const dead = await bus.readDeadLetters('work-assistant');
        return dead.some((d) => d.reason === 'decode-failed' && /tenant/.test(d.error));
      })
      .toBe(true);
  }, 120_000);

  it('cancel in the middle of fan-out: agents abort their steps, the task ends cancelled, nothing more is dispatched', async () => {
    const env = { NATS_URL: server.url };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await using planner = spawnTs(fixture('agent-process.ts'), { env: { ...env, ROLES: 'planner' } });
    await using researcher = spawnTs(fixture('agent-process.ts'), {
      env: { ...env, ROLES: 'researcher', OFFLINE_LATENCY_MS: '60000' },
    });
    await Promise.all([sup, planner, researcher].map((p) => p.waitForLine(/^ready /, 60_000)));
    const taskId = await submit('report', {
      question: 'What is a stream, and what is a consumer, in JetStream?',
    });
    const events = await bus.tailJournal('events', { taskId }, TaskEventSchema);
    const seen: TaskEvent[] = [];
    const live = bus.subscribe(subjects.live(taskId), TaskEventSchema, ({ data }) => void seen.push(data));
    onTestFinished(() => live.unsubscribe());
    const reading = (async () => {
      for await (const e of events) {
        seen.push(e.data);
        if (e.data.type === 'task.cancelled') break;
      }
    })();
    await expect
      .poll(() => seen.filter((e) => e.type === 'model.call' && e.stepKey?.startsWith('research')).length, {
        timeout: 30_000,
      })
      .toBeGreaterThan(1);
    await bus.publishDurable(subjects.control(taskId), {
      v: 1,
      type: 'cancel',
      taskId,
      tenant: 'acme',
      reason: 'changed my mind',
      at: Date.now(),
    });
    await reading;
    await events.stop();
    expect((await record(taskId))?.status).toBe('cancelled');
    // The researchers' steps were aborted (they would otherwise wait 60 s for the offline model).
    await expect
      .poll(
        async () => {
          const all = await readJournal(bus, 'audit', taskId, AuditRecordSchema, {
            limit: 5000,
          });
          return all.filter((r) => r.type === 'model.call' && /ABORTED/.test(r.error ?? '')).length;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    const audit = await readJournal(bus, 'audit', taskId, AuditRecordSchema, {
      limit: 5000,
    });
    expect(audit.some((r) => r.decision === 'cancel')).toBe(true);
    const dispatchedAfter = audit.filter(
      (r) => r.decision === 'dispatch' && r.at > (audit.find((x) => x.decision === 'cancel')?.at ?? 0),
    );
    expect(dispatchedAfter).toEqual([]);
    const analyst = await bus.subjectCounts(Streams.Work, subjects.work('analyst'));
    expect(analyst.get(subjects.work('analyst')) ?? 0).toBe(0);
  }, 120_000);

  it('a budget overrun applies the task policy: stop with partial results, recorded in events and audit', async () => {
    const env = { NATS_URL: server.url };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await using agent = spawnTs(fixture('agent-process.ts'), {
      env: { ...env, ROLES: 'planner,researcher' },
    });
    await Promise.all([sup, agent].map((p) => p.waitForLine(/^ready /, 60_000)));
    const taskId = await submit(
      'report',
      { question: 'How are JetStream streams replicated across a cluster?' },
      { budget: { tokens: 1500 }, budgetPolicy: 'stop' },
    );
    await expect.poll(async () => (await record(taskId))?.status, { timeout: 30_000 }).toBe('failed');
    const done = (await record(taskId))!;
    expect(done.error?.code).toBe('BUDGET_EXCEEDED');
    expect((done.result as { partial: boolean }).partial).toBe(true);
    // The record is written before the transition's events and audit records go out: wait for them.
    await expect
      .poll(async () =>
        (await readJournal(bus, 'events', taskId, TaskEventSchema, { limit: 5000 })).map((e) => e.type),
      )
      .toContain('budget.exceeded');
    await expect
      .poll(async () =>
        (await readJournal(bus, 'audit', taskId, AuditRecordSchema, { limit: 5000 })).some(
          (r) => r.decision === 'stop',
        ),
      )
      .toBe(true);
  }, 120_000);
});
