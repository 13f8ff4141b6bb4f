import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  Buckets,
  connect,
  HeartbeatSchema,
  Streams,
  subjects,
  StepResultSchema,
  TaskEventSchema,
  TIMELINE_CHANNEL,
  type StepAssignment,
  type TimelineMark,
} from '@troupe/bus';
import { createSimulatedClock, startTestBus, natsHandles } from '@troupe/bus/testing';
import { startAgentHost } from './agent-host.js';

/**
 * A TCP proxy in front of a nats-server that the test can black-hole (what the client sends is dropped) and
 * cut (every connection closed): the client loses its connection while the server, and what it has stored
 * and delivered, stays as it was.
 */
async function startCuttableProxy(target: number) {
  const sockets = new Set<Socket>();
  let blackHole = false;
  const server = createServer((client) => {
    const upstream = createConnection(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk) => void (blackHole || upstream.write(chunk)));
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${port}`,
    blackHole: () => (blackHole = true),
    /** Closes every connection; new ones pass through again. */
    cut() {
      for (const s of sockets) s.destroy();
      blackHole = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const USAGE = { inputTokens: 1, outputTokens: 1, costUsd: 0, latencyMs: 1, model: 'm', provider: 'offline' };

/** The one-step assignment each test hands an agent of `role`. */
const assignmentFor = (taskId: string, role: string): StepAssignment => ({
  v: 1,
  taskId,
  tenant: 'acme',
  workflow: 'w',
  stepKey: 'only',
  stepId: 'only',
  attempt: 1,
  role,
  input: {},
  dispatchedAt: 1,
});

describe('startAgentHost on a real nats-server', () => {
  it('a finished step whose connection drops under its result sends it again once connected, and runs once', async () => {
    await using testBus = await startTestBus();
    const { server, bus } = testBus;
    const proxy = await startCuttableProxy(server.port);
    const agentBus = await connect({ servers: proxy.url, reconnectWaitMs: 50, reconnectJitterMs: 10 });
    const taskId = 'dropped';
    let runs = 0;
    const resultSent = new Promise<void>((resolve) => {
      const onMark = (mark: unknown) => {
        if ((mark as TimelineMark).phase !== 'result-sent') return;
        unsubscribe(TIMELINE_CHANNEL, onMark);
        resolve();
      };
      subscribe(TIMELINE_CHANNEL, onMark);
    });
    let stepDone!: () => void;
    const done = new Promise<void>((resolve) => (stepDone = resolve));
    const host = await startAgentHost({
      bus: agentBus,
      roles: ['dropper'],
      agentId: 'dropper-agent',
      concurrency: 1,
      execute: async (ctx) => {
        runs++;
        ctx.emit('step.note', { run: runs });
        ctx.audit({ type: 'model.call', at: 1, data: { run: runs } });
        // From here on the server hears nothing from the agent: the step's result is lost on the way.
        proxy.blackHole();
        stepDone();
        return {
          output: { run: runs },
          usage: USAGE,
        };
      },
    });
    try {
      const assignment = assignmentFor(taskId, 'dropper');
      await bus.publishDurable(subjects.work('dropper'), assignment, { msgId: 'dropped.only.1' });
      await done;
      // The agent has handed its result to the connection: cut it.
      await resultSent;
      proxy.cut();
      // One result stored (sent again once connected), from the one run, carrying its audit record and event.
      await expect
        .poll(async () => (await natsHandles(bus).jsm.streams.info(Streams.Results)).state.messages, {
          timeout: 20_000,
        })
        .toBe(1);
      expect(runs).toBe(1);
      const message = await natsHandles(bus).jsm.streams.getMessage(Streams.Results, {
        last_by_subj: subjects.result('dropper', taskId),
      });
      const stored = StepResultSchema.parse(message?.json());
      expect(stored?.log?.audit.map((a) => a.type)).toEqual(['model.call']);
      expect(stored?.log?.events.filter((e) => e.type === 'step.note')).toHaveLength(1);
    } finally {
      await host.drain();
      await agentBus.close();
      await proxy.close();
    }
  });

  it('heartbeats count the steps finished since start, and the key goes on drain', async () => {
    await using testBus = await startTestBus();
    const { bus } = testBus;
    const clock = createSimulatedClock(Date.now());
    const host = await startAgentHost({
      bus,
      roles: ['counter'],
      agentId: 'counter-agent',
      clock,
      heartbeatIntervalMs: 1_000,
      execute: async () => ({
        output: {},
        usage: USAGE,
      }),
    });
    const kv = await bus.kv(Buckets.Agents, HeartbeatSchema);
    await expect
      .poll(async () => (await kv.get('counter-agent'))?.value)
      .toMatchObject({ kind: 'agent', roles: ['counter'], handled: 0, status: 'ready' });
    for (const n of [1, 2]) {
      const assignment = assignmentFor(`count-${n}`, 'counter');
      await bus.publishDurable(subjects.work('counter'), assignment, { msgId: `count-${n}.only.1` });
    }
    await expect
      .poll(async () => {
        clock.increment(1_000);
        return (await kv.get('counter-agent'))?.value.handled;
      })
      .toBe(2);
    await host.drain();
    expect(await kv.get('counter-agent')).toBeUndefined();
  });

  it("a step's streamed text goes live only once the step is live; a quick step's is not sent", async () => {
    await using testBus = await startTestBus();
    const { bus } = testBus;
    const clock = createSimulatedClock(Date.now());
    let releaseSlow!: () => void;
    const slowReleased = new Promise<void>((r) => (releaseSlow = r));
    let slowStreaming!: () => void;
    const slowStarted = new Promise<void>((r) => (slowStreaming = r));
    const host = await startAgentHost({
      bus,
      roles: ['writer'],
      clock,
      execute: async (ctx) => {
        ctx.emit('model.delta', { text: `text of ${ctx.assignment.taskId}` });
        if (ctx.assignment.taskId === 'slow') {
          slowStreaming();
          await slowReleased;
        }
        return { output: {}, usage: USAGE };
      },
    });
    const deltas: Array<{ taskId: string; text: unknown }> = [];
    const live = bus.subscribe(subjects.allLive(), TaskEventSchema, ({ data }) => {
      if (data.type === 'model.delta') deltas.push({ taskId: data.taskId, text: data.data['text'] });
    });
    try {
      await bus.flush();
      const assign = (taskId: string) =>
        bus.publishDurable(subjects.work('writer'), assignmentFor(taskId, 'writer'), {
          msgId: `${taskId}.only.1`,
        });
      await assign('quick');
      // Its result stored: the quick step is over, and its text was never sent.
      await expect
        .poll(async () => (await bus.subjectCounts(Streams.Results, subjects.result('writer', 'quick'))).size)
        .toBe(1);
      await assign('slow');
      await slowStarted;
      expect(deltas).toEqual([]);
      clock.increment(250);
      await expect.poll(() => deltas).toEqual([{ taskId: 'slow', text: 'text of slow' }]);
    } finally {
      releaseSlow();
      live.unsubscribe();
      await host.drain();
    }
  });
});
