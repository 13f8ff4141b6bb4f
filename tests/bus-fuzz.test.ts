import { describe, expect, it } from 'vitest';
import {
  Consumers,
  DeadLetterSchema,
  newTaskId,
  Streams,
  subjects,
  type Bus,
  type DeadLetter,
  type InvalidRecord,
} from '@troupe/bus';
import { natsHandles, natsHeaders, spawnTs, startTestBus, type TsProcess } from '@troupe/bus/testing';
import { SpanRecordSchema } from '@troupe/telemetry';
import { badMessages, deeplyNested, type BadMessage } from './fixtures/bad-messages.js';
import { fixture, followTaskEnds, readTask, submitTask, TENANT } from './fixtures/troupe.js';

/** Bad messages in all; `BUS_FUZZ_N=10000` runs the full count. */
const N = Number(process.env['BUS_FUZZ_N'] ?? 400);
const SEED = Number(process.env['BUS_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const REAL_TASKS = 8;
const ROLE = 'assistant';
const AGENT_ID = 'fuzz-agent';

/** Where a bad message goes, the envelope it imitates, and who must dead-letter it (a stored subject). */
interface Target {
  name: string;
  subject: () => string;
  valid: () => Record<string, unknown>;
  /** The dead-letter source that records it; undefined where nothing stores it. */
  source?: string;
  /** Published to a stream (acknowledged by JetStream) rather than on core NATS. */
  durable: boolean;
}

const now = () => Date.now();
const submitEnvelope = (taskId = newTaskId()) => ({
  v: 1,
  taskId,
  tenant: TENANT,
  workflow: 'ask',
  input: { question: 'What is 2 + 2?' },
  options: {},
  metadata: {},
  submittedAt: now(),
});
const targets: Target[] = [
  {
    name: 'submit',
    durable: true,
    source: Consumers.SupervisorTasks,
    subject: () => subjects.taskSubmit(TENANT, newTaskId()),
    valid: () => submitEnvelope(),
  },
  {
    name: 'work',
    durable: true,
    source: Consumers.work(ROLE),
    subject: () => subjects.work(ROLE),
    valid: () => ({
      v: 1,
      taskId: newTaskId(),
      tenant: TENANT,
      workflow: 'ask',
      stepKey: 'answer',
      stepId: 'answer',
      attempt: 1,
      role: ROLE,
      input: {},
    }),
  },
  {
    name: 'result',
    durable: true,
    source: Consumers.SupervisorResults,
    subject: () => subjects.result(ROLE, newTaskId()),
    valid: () => ({
      v: 1,
      taskId: newTaskId(),
      tenant: TENANT,
      stepKey: 'answer',
      attempt: 1,
      agentId: 'x',
      finishedAt: now(),
      ok: true,
      output: {},
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 0, model: 'm', provider: 'p' },
    }),
  },
  {
    name: 'control',
    durable: true,
    source: Consumers.SupervisorResults,
    subject: () => subjects.control(newTaskId()),
    valid: () => ({ v: 1, type: 'cancel', taskId: newTaskId(), tenant: TENANT, at: now() }),
  },
  {
    name: 'abort',
    durable: false,
    // The agent's core subscription to aborts dead-letters what does not decode.
    source: 'core',
    subject: () => subjects.abort(newTaskId()),
    valid: () => ({ v: 1, taskId: newTaskId(), reason: 'fuzz', at: now() }),
  },
  {
    name: 'live',
    durable: false,
    subject: () => subjects.live(newTaskId()),
    valid: () => ({ v: 1, id: 'e1', taskId: newTaskId(), type: 'tick', at: now(), data: {} }),
  },
  {
    name: 'spans',
    durable: true,
    subject: () => subjects.spans('fuzztrace'),
    valid: () => ({ v: 1, traceId: 'fuzztrace', spanId: 's1', name: 'x', phase: 'started', start: now() }),
  },
];

/** Counts dead-letter records by subject as they are stored, and resolves once a condition holds. */
async function followDeadLetters(bus: Bus) {
  const bySubject = new Map<string, DeadLetter[]>();
  const waiters: Array<{ done: () => boolean; resolve: () => void }> = [];
  const tail = await bus.tailStream(Streams.DeadLetters, subjects.allDeadLetters(), DeadLetterSchema);
  void (async () => {
    for await (const { data } of tail) {
      bySubject.set(data.subject, [...(bySubject.get(data.subject) ?? []), data]);
      for (const w of waiters.splice(0)) (w.done() ? w.resolve : () => waiters.push(w))();
    }
  })();
  return {
    bySubject,
    until(done: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        if (done()) resolve();
        else waiters.push({ done, resolve });
      });
    },
    stop: () => tail.stop(),
  };
}

function toHeaders(record: Record<string, string> | undefined) {
  if (!record) return undefined;
  const h = natsHeaders();
  for (const [k, v] of Object.entries(record)) h.set(k, v);
  return h;
}

const alive = (p: TsProcess) => p.child.exitCode === null && p.child.signalCode === null;

describe('the bus fuzzer (#14)', () => {
  it(`${N} bad messages on every subject a process listens to: none dies, each is dead-lettered or refused, tasks complete`, async () => {
    await using t = await startTestBus();
    const { bus, server } = t;
    const env = { NATS_URL: server.url };
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env });
    await using agent = spawnTs(fixture('agent-process.ts'), {
      env: { ...env, ROLES: ROLE, AGENT_ID },
    });
    await Promise.all([sup, agent].map((p) => p.waitForLine(/^ready /, 60_000)));
    const { nc, js } = natsHandles(bus);
    const dead = await followDeadLetters(bus);
    const gen = badMessages(SEED, () => ({}));

    // Real work alongside the fuzz: the first half before it, the rest as it runs.
    const realIds: string[] = [];
    for (let i = 0; i < REAL_TASKS / 2; i++)
      realIds.push(await submitTask(bus, 'ask', { question: `q${i}?` }));

    const expectDead = new Map<string, { target: string; kind: string }>();
    let expectDeadOnWork = 0;
    const tally = {
      tried: 0,
      deadLettered: 0,
      refused: 0,
      unheard: 0,
      answered: 0,
      reported: 0,
      unknownTask: 0,
    };
    const spanRecordsSent = { bad: 0 };

    const send = async (target: Target, bad: BadMessage) => {
      const subject = target.subject();
      const headers = toHeaders(bad.headers);
      tally.tried++;
      if (target.durable) await js.publish(subject, bad.data, headers ? { headers } : {});
      else nc.publish(subject, bad.data, headers ? { headers } : {});
      if (target.name === 'work') expectDeadOnWork++;
      else if (target.source) expectDead.set(subject, { target: target.name, kind: bad.kind });
      else if (target.name === 'spans') spanRecordsSent.bad++;
      else tally.unheard++;
    };

    const health = async (bad: BadMessage) => {
      tally.tried++;
      const reply = await nc.request(subjects.health(AGENT_ID), bad.data, { timeout: 10_000 });
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ agentId: AGENT_ID });
      tally.answered++;
    };

    const BATCH = 40;
    for (let sent = 0; sent < N;) {
      const batch: Array<Promise<void>> = [];
      for (let i = 0; i < BATCH && sent < N; i++, sent++) {
        const slot = gen.int(targets.length + 1);
        const bad = badMessages(SEED + sent, targets[slot % targets.length]!.valid).next();
        batch.push(slot === targets.length ? health(bad) : send(targets[slot]!, bad));
      }
      await Promise.all(batch);
      if (realIds.length < REAL_TASKS && sent >= (N * realIds.length) / REAL_TASKS)
        realIds.push(await submitTask(bus, 'ask', { question: `during fuzz ${sent}?` }));
    }
    while (realIds.length < REAL_TASKS) realIds.push(await submitTask(bus, 'ask', { question: 'late?' }));

    // Near max_payload is sent (and dead-lettered); over it the client refuses to send at all.
    const max = bus.maxPayload;
    for (const target of targets.filter((x) => x.name === 'submit' || x.name === 'result')) {
      const subject = target.subject();
      tally.tried++;
      await js.publish(
        subject,
        Uint8Array.from({ length: max - 1024 }, (_, i) => (i === 0 ? 0xff : 0x61)),
      );
      expectDead.set(subject, { target: target.name, kind: 'near-max-payload' });
      for (const publish of [
        () => nc.publish(target.subject(), new Uint8Array(max + 1)),
        () => js.publish(target.subject(), new Uint8Array(max + 1)),
      ]) {
        tally.tried++;
        await expect(Promise.resolve().then(publish)).rejects.toThrow(/payload/i);
        tally.refused++;
      }
    }

    // A replayed Nats-Msg-Id is refused by the stream as a duplicate; the task runs once.
    for (const taskId of realIds.slice(0, 3)) {
      tally.tried++;
      const body = new TextEncoder().encode(JSON.stringify(submitEnvelope(taskId)));
      const ack = await js.publish(subjects.taskSubmit(TENANT, taskId), body, { msgID: taskId });
      expect(ack.duplicate).toBe(true);
      tally.refused++;
    }

    // Valid envelopes with hostile content: each decodes, and ends as a failed (or completed) task, not a crash.
    const hostileInputs = [
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"question":"hi?"}',
      deeplyNested(2_000),
      JSON.stringify({ question: 'x'.repeat(200_000) }),
      JSON.stringify({ question: 42 }),
    ];
    const hostileIds: string[] = [];
    for (const [i, input] of hostileInputs.entries()) {
      const taskId = newTaskId();
      hostileIds.push(taskId);
      tally.tried++;
      const envelope = JSON.stringify({ ...submitEnvelope(taskId), input: '__INPUT__' }).replace(
        '"__INPUT__"',
        input,
      );
      const workflow = i % 2 === 0 ? 'ask' : 'no_such_workflow';
      await js.publish(
        subjects.taskSubmit(TENANT, taskId),
        new TextEncoder().encode(envelope.replace('"workflow":"ask"', `"workflow":"${workflow}"`)),
      );
    }
    // Valid results and controls for tasks nobody knows: the supervisor takes them off the queue.
    for (const name of ['result', 'control']) {
      const target = targets.find((x) => x.name === name)!;
      tally.tried++;
      tally.unknownTask++;
      await js.publish(target.subject(), new TextEncoder().encode(JSON.stringify(target.valid())));
    }

    const ends = await followTaskEnds(bus, [...realIds, ...hostileIds]);
    await ends.until();
    await ends.stop();
    for (const id of realIds) expect((await readTask(bus, id))?.status, `task ${id}`).toBe('completed');
    for (const id of hostileIds) expect(['completed', 'failed']).toContain((await readTask(bus, id))?.status);
    expect(Object.prototype).not.toHaveProperty('polluted');

    const workSubject = subjects.work(ROLE);
    await dead.until(
      () =>
        [...expectDead.keys()].every((s) => dead.bySubject.has(s)) &&
        (dead.bySubject.get(workSubject)?.length ?? 0) >= expectDeadOnWork,
    );
    await dead.stop();
    for (const [subject, { target }] of expectDead) {
      const records = dead.bySubject.get(subject)!;
      const source = targets.find((x) => x.name === target)!.source;
      expect(
        records.some((r) => r.source === source && r.reason === 'decode-failed' && r.error.length > 0),
      ).toBe(true);
    }
    const onWork = dead.bySubject.get(workSubject) ?? [];
    expect(onWork.filter((r) => r.reason === 'decode-failed')).toHaveLength(expectDeadOnWork);
    tally.deadLettered = expectDead.size + expectDeadOnWork;
    // Nothing of the task, work and result queues is left behind: every message was taken off.
    for (const stream of [Streams.Tasks, Streams.Work, Streams.Results])
      expect((await natsHandles(bus).jsm.streams.info(stream)).state.messages, stream).toBe(0);

    // Span records are read by the API, not a process: the reader reports each one that does not decode.
    const invalid: InvalidRecord[] = [];
    await bus.readStream(Streams.Spans, subjects.spans('fuzztrace'), SpanRecordSchema, {
      limit: 100_000,
      onInvalid: (r) => invalid.push(r),
    });
    expect(new Set(invalid.map((r) => r.seq)).size).toBe(spanRecordsSent.bad);
    tally.reported = spanRecordsSent.bad;

    expect(alive(sup) && alive(agent)).toBe(true);
    // Still answering after the fuzz.
    await health({ kind: 'empty', data: new Uint8Array(0) });
    const crashed = [sup, agent].filter((p) => !alive(p)).length;
    expect(crashed).toBe(0);
    console.log(
      `bus fuzz (seed ${SEED}): tried ${tally.tried} / dead-lettered ${tally.deadLettered} / refused ${tally.refused}` +
        ` / reported by readers ${tally.reported} / health answered ${tally.answered} / unheard (core, no listener)` +
        ` ${tally.unheard} / hostile tasks ended ${hostileIds.length} / unknown-task results taken off ${tally.unknownTask}` +
        ` / crashed: ${crashed}`,
    );
  }, 180_000);
});
