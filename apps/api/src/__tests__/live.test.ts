import {
  createClient,
  ProblemSchema,
  TaskSummarySchema,
  UsageReportSchema,
  WhoAmISchema,
  type TaskSummary,
} from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { http, KEYS, sseFrames, startTroupe, TEST_KEYS, type SseFrame } from './fixtures/troupe.js';

type StreamEvent =
  { type: 'task'; task: TaskSummary } | { type: 'removed'; id: string } | { type: 'synced'; count: number };

/** The task-list stream of a key, as parsed events. */
async function* taskStream(
  baseUrl: string,
  key: string | undefined,
  query = '',
): AsyncGenerator<StreamEvent> {
  const res = await fetch(`${baseUrl}/v1/tasks/stream${query}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  for await (const frame of sseFrames(res)) {
    const event = parse(frame);
    if (event) yield event;
  }
}

function parse(frame: SseFrame): StreamEvent | undefined {
  if (frame.event === undefined) return undefined;
  expect(frame.id).toBeUndefined();
  const data: unknown = JSON.parse(frame.data ?? 'null');
  switch (frame.event) {
    case 'task':
      return { type: 'task', task: TaskSummarySchema.parse(data) };
    case 'removed':
      return { type: 'removed', id: (data as { id: string }).id };
    case 'synced':
      return { type: 'synced', count: (data as { count: number }).count };
    default:
      throw new Error(`unexpected event ${frame.event}: ${frame.data}`);
  }
}

/** Reads events until one matches; returns those read, the match last. */
async function readUntil(
  events: AsyncIterator<StreamEvent>,
  match: (e: StreamEvent) => boolean,
): Promise<StreamEvent[]> {
  const read: StreamEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done)
      throw new Error(`the stream ended before the event looked for; read: ${JSON.stringify(read)}`);
    read.push(next.value);
    if (match(next.value)) return read;
  }
}

const tasksOf = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'task' ? [e.task] : []));

describe('the task-list stream', () => {
  it('sends the stored tasks newest first, then synced, then a new task as it runs to completion', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const writer = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const first = (await writer.submit('ask', { question: 'first' })).id;
    await writer.wait(first, { timeoutMs: 30_000 });
    const second = (await writer.submit('ask', { question: 'second' })).id;
    await writer.wait(second, { timeoutMs: 30_000 });

    const stream = taskStream(troupe.url, KEYS.acmeReader);
    const initial = await readUntil(stream, (e) => e.type === 'synced');
    expect(initial.at(-1)).toEqual({ type: 'synced', count: 2 });
    const stored = tasksOf(initial);
    expect(stored.map((t) => t.id)).toEqual([second, first]);
    for (const task of stored) {
      expect(task).toMatchObject({
        workflow: 'ask',
        status: 'completed',
        steps: { total: 1, succeeded: 1, running: 0, failed: 0 },
        links: { self: `/v1/tasks/${task.id}` },
      });
      expect(task.usage.inputTokens).toBeGreaterThan(0);
      expect(task.usage.costUsd).toBeGreaterThan(0);
      expect(task.endedAt).toBeGreaterThanOrEqual(task.createdAt);
    }

    const gated = (await writer.submit('gated', { question: 'live' })).id;
    const appeared = await readUntil(stream, (e) => e.type === 'task' && e.task.id === gated);
    const shown = tasksOf(appeared).at(-1)!;
    expect(['queued', 'running']).toContain(shown.status);
    expect(shown.endedAt).toBeNull();
    troupe.gates.openAll();
    const later = await readUntil(
      stream,
      (e) => e.type === 'task' && e.task.id === gated && e.task.status === 'completed',
    );
    expect(later.every((e) => e.type === 'task' && e.task.id === gated)).toBe(true);
    const done = tasksOf(later).at(-1)!;
    expect(done.steps).toEqual({ total: 3, succeeded: 3, running: 0, failed: 0 });
    expect(done.usage).toMatchObject({ inputTokens: 30, outputTokens: 60 });
    expect(done.usage.costUsd).toBeCloseTo(0.0003, 9);
    expect(done.endedAt).toBeGreaterThanOrEqual(done.createdAt);
    await stream.return(undefined);

    // `limit` keeps the newest; GET /v1/tasks carries the same summaries.
    const limited = await readUntil(
      taskStream(troupe.url, KEYS.acmeReader, '?limit=1'),
      (e) => e.type === 'synced',
    );
    expect(limited.map((e) => (e.type === 'task' ? e.task.id : e.type))).toEqual([gated, 'synced']);
    const list = await createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeReader }).list({ limit: 10 });
    expect(list.tasks.find((t) => t.id === gated)).toMatchObject({
      status: 'completed',
      endedAt: done.endedAt,
      usage: done.usage,
      steps: done.steps,
    });
  });

  it("shows a key only its tenant's tasks, of the workflows it may use", async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const acme = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const globex = createClient({ baseUrl: troupe.url, apiKey: KEYS.globex });
    const report = (await acme.submit('report', { question: 'acme report' })).id;
    const ask = (await acme.submit('ask', { question: 'acme ask' })).id;
    await acme.wait(ask, { timeoutMs: 30_000 });

    const globexStream = taskStream(troupe.url, KEYS.globex);
    expect(await readUntil(globexStream, (e) => e.type === 'synced')).toEqual([{ type: 'synced', count: 0 }]);
    const askOnly = await readUntil(taskStream(troupe.url, KEYS.acmeAskOnly), (e) => e.type === 'synced');
    expect(askOnly.map((e) => (e.type === 'task' ? e.task.id : e.type))).toEqual([ask, 'synced']);

    // Acme's task comes first in the bucket, so a globex stream that showed it would show it first.
    await acme.submit('ask', { question: 'acme again' });
    const own = (await globex.submit('ask', { question: 'globex' })).id;
    const seen = await readUntil(globexStream, (e) => e.type === 'task' && e.task.id === own);
    expect(tasksOf(seen).every((t) => t.id === own)).toBe(true);
    await globexStream.return(undefined);
    await acme.wait(report, { timeoutMs: 30_000 });
  });

  it('needs a key, and checks its limit', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const call = http(troupe.url);
    expect((await call('GET', '/v1/tasks/stream')).status).toBe(401);
    const bad = await call('GET', '/v1/tasks/stream?limit=1001', { key: KEYS.acmeReader });
    expect(bad.status).toBe(400);
    expect(ProblemSchema.parse(bad.body).detail).toMatch(/limit/);
  });
});

describe('usage', () => {
  it('sums the steps of finished tasks by workflow, role and model', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const since = Date.now() - 1;
    const writer = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const ids = [
      (await writer.submit('report', { question: 'one' })).id,
      (await writer.submit('report', { question: 'two' })).id,
    ];
    const tasks = await Promise.all(ids.map((id) => writer.wait(id, { timeoutMs: 30_000 })));
    expect(tasks.map((t) => t.status)).toEqual(['completed', 'completed']);
    const stepsWithUsage = tasks.flatMap((t) => t.steps.filter((s) => s['usage'] !== undefined));

    const call = http(troupe.url);
    const res = await call('GET', `/v1/usage?since=${since}`, { key: KEYS.acmeReader });
    expect(res.status).toBe(200);
    const report = UsageReportSchema.parse(res.body);
    expect(report.since).toBe(since);
    expect(report.until).toBeGreaterThanOrEqual(since);
    expect(report.bucketMs).toBe(60_000);
    expect(new Set(report.rows.map((r) => r.role))).toEqual(
      new Set(['planner', 'researcher', 'analyst', 'drafter', 'reviewer']),
    );
    for (const row of report.rows) {
      expect(row).toMatchObject({ workflow: 'report', model: 'offline:fixture' });
      expect(row.start % report.bucketMs).toBe(0);
    }
    const sum = (f: (r: (typeof report.rows)[number]) => number) => report.rows.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.steps)).toBe(stepsWithUsage.length);
    expect(sum((r) => r.inputTokens)).toBe(tasks.reduce((n, t) => n + t.usage.inputTokens, 0));
    expect(sum((r) => r.costUsd)).toBeCloseTo(
      tasks.reduce((n, t) => n + t.usage.costUsd, 0),
      9,
    );

    // Another tenant's report is empty; a range before the tasks too.
    const globex = await call('GET', '/v1/usage', { key: KEYS.globex });
    expect(UsageReportSchema.parse(globex.body).rows).toEqual([]);
    const before = await call('GET', `/v1/usage?since=0&until=${since - 60_000}`, { key: KEYS.acmeReader });
    expect(UsageReportSchema.parse(before.body)).toMatchObject({ rows: [], bucketMs: 86_400_000 });
  });

  it('answers 400 naming the fields when since is after until, or the bucket is out of bounds', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const call = http(troupe.url);
    const reversed = await call('GET', '/v1/usage?since=2000000&until=1000000', { key: KEYS.acmeReader });
    expect(reversed.status).toBe(400);
    const problem = ProblemSchema.parse(reversed.body);
    expect(problem.detail).toMatch(/"since".*"until"/);
    expect((reversed.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual([
      'since',
      'until',
    ]);
    const tiny = await call('GET', '/v1/usage?bucketMs=1000', { key: KEYS.acmeReader });
    expect(tiny.status).toBe(400);
    expect(ProblemSchema.parse(tiny.body).detail).toMatch(/bucketMs/);
  });
});

describe('whoami', () => {
  it('describes an admin key, a tasks:read key and a workflow-limited key; 401 for a wrong key', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const call = http(troupe.url);
    const whoami = async (key: string) => {
      const res = await call('GET', '/v1/whoami', { key });
      expect(res.status).toBe(200);
      return WhoAmISchema.parse(res.body);
    };
    expect(await whoami(KEYS.acmeAdmin)).toEqual({
      tenant: 'acme',
      name: expect.stringMatching(/^key-[0-9a-f]{12}$/),
      scopes: ['admin'],
      workflows: null,
      open: false,
    });
    expect(await whoami(KEYS.acmeReader)).toMatchObject({
      tenant: 'acme',
      scopes: ['tasks:read'],
      open: false,
    });
    expect(await whoami(KEYS.acmeWriter)).toMatchObject({
      name: 'acme-writer',
      scopes: ['tasks:write', 'tasks:read'],
      workflows: null,
    });
    expect(await whoami(KEYS.acmeAskOnly)).toMatchObject({ workflows: ['ask'] });
    expect(await whoami(KEYS.globex)).toMatchObject({ tenant: 'globex' });

    const wrong = await call('GET', '/v1/whoami', { key: 'not-a-key-of-this-api-000' });
    expect(wrong.status).toBe(401);
    expect(ProblemSchema.parse(wrong.body).detail).toMatch(/not valid/);
    expect((await call('GET', '/v1/whoami')).status).toBe(401);
  });

  it('says open in open mode, without a key', async () => {
    await using troupe = await startTroupe();
    const res = await http(troupe.url)('GET', '/v1/whoami');
    expect(res.status).toBe(200);
    expect(WhoAmISchema.parse(res.body)).toEqual({
      tenant: 'local',
      name: 'local',
      scopes: ['tasks:write', 'tasks:read', 'review', 'admin'],
      workflows: null,
      open: true,
    });
  });
});
