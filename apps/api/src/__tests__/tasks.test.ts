import { subjects } from '@troupe/bus';
import { createClient, ProblemSchema, TaskSchema, type Task } from '@troupe/client';
import { initTelemetry, type Telemetry } from '@troupe/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, KEYS, startTroupe, TEST_KEYS, type TroupeFixture } from './fixtures/troupe.js';

let troupe: TroupeFixture;
let telemetry: Telemetry;
let call: ReturnType<typeof http>;
const clientFor = (apiKey: string) => createClient({ baseUrl: troupe.url, apiKey });

beforeAll(async () => {
  troupe = await startTroupe({ keys: TEST_KEYS });
  // The span feed goes to the bus, as in a deployment: the API's root span becomes the task's trace.
  telemetry = initTelemetry({
    serviceName: 'api-test',
    spanFeed: {
      publish: (payload, traceId) => troupe.bus.publishRaw(subjects.spans(traceId), payload),
      flushIntervalMs: 10,
    },
  });
  call = http(troupe.url);
});

afterAll(async () => {
  await telemetry?.shutdown();
  await troupe?.[Symbol.asyncDispose]();
});

const submit = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  call('POST', '/v1/tasks', { key, body, headers });

function expectProblem(
  res: { status: number; headers: Headers; body: unknown },
  status: number,
  detail?: RegExp,
) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(res.body);
  expect(problem.status).toBe(status);
  expect(problem.detail.length).toBeGreaterThan(10);
  if (detail) expect(problem.detail).toMatch(detail);
  return problem;
}

describe('tasks over HTTP', () => {
  it('runs a task: 202 with links, then the task, its events, result, audit and trace', async () => {
    const res = await submit(KEYS.acmeWriter, {
      workflow: 'report',
      input: { question: 'How do tides work?' },
      metadata: { team: 'ops' },
    });
    expect(res.status).toBe(202);
    const accepted = res.body as { id: string; status: string; links: Record<string, string> };
    expect(accepted.status).toBe('queued');
    expect(res.headers.get('location')).toBe(`/v1/tasks/${accepted.id}`);
    expect(accepted.links.events).toBe(`/v1/tasks/${accepted.id}/events`);

    const done = await clientFor(KEYS.acmeWriter).wait(accepted.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    const task = TaskSchema.parse(
      (await call('GET', `/v1/tasks/${accepted.id}`, { key: KEYS.acmeReader })).body,
    );
    expect(task.metadata['team']).toBe('ops');
    expect(task.metadata['traceId']).toMatch(/^[0-9a-f]{32}$/);
    expect(task.steps.map((s) => s.stepId)).toEqual(
      expect.arrayContaining(['plan', 'research', 'analyse', 'draft', 'review']),
    );
    expect(task.usage.inputTokens).toBeGreaterThan(0);
    expect(task.resultAvailable).toBe(true);

    const result = await call('GET', `/v1/tasks/${accepted.id}/result`, { key: KEYS.acmeReader });
    expect(result.status).toBe(200);
    expect((result.body as { result: { document: string } }).result.document).toContain('How do tides work?');

    const audit = await clientFor(KEYS.acmeReader).audit(accepted.id);
    expect(audit.records.length).toBeGreaterThan(3);
    expect(audit.records.map((r) => r.type)).toContain('task.completed');
    // The first transition's records (task.started, step.dispatched) are one stored message: a page of one
    // ends inside it, and the next page starts at the record after.
    const page = await clientFor(KEYS.acmeReader).audit(accepted.id, { limit: 1 });
    expect(page.records).toHaveLength(1);
    const rest = await clientFor(KEYS.acmeReader).audit(accepted.id, { after: page.nextAfter!, limit: 1000 });
    expect([...page.records, ...rest.records].map((r) => r.seq)).toEqual(audit.records.map((r) => r.seq));

    await telemetry.forceFlush();
    await troupe.bus.flush();
    let trace = await clientFor(KEYS.acmeReader).trace(accepted.id);
    for (let i = 0; i < 20 && trace.spans.length === 0; i++) {
      await troupe.bus.flush();
      trace = await clientFor(KEYS.acmeReader).trace(accepted.id);
    }
    expect(trace.traceId).toBe(task.metadata['traceId']);
    expect(trace.spans.map((s) => s.name)).toContain('invoke_workflow report');
    expect(
      trace.spans.every((s) => s.traceId === trace.traceId || s.attrs['troupe.task.id'] === accepted.id),
    ).toBe(true);
  });

  it('answers 409 for the result of a task that has not finished', async () => {
    const res = await submit(KEYS.acmeWriter, { workflow: 'gated', input: { question: 'wait' } });
    const id = (res.body as { id: string }).id;
    expectProblem(
      await call('GET', `/v1/tasks/${id}/result`, { key: KEYS.acmeReader }),
      409,
      /not finished|running|queued/,
    );
    troupe.gates.release(3);
    await clientFor(KEYS.acmeReader).wait(id, { timeoutMs: 30_000 });
    expect((await call('GET', `/v1/tasks/${id}/result`, { key: KEYS.acmeReader })).status).toBe(200);
  });

  it('answers 413 when the input would make a task record larger than the bus stores', async () => {
    await using small = await startTroupe({ keys: TEST_KEYS, maxPayload: 64 * 1024 });
    const res = await http(small.url)('POST', '/v1/tasks', {
      key: KEYS.acmeWriter,
      body: { workflow: 'ask', input: { question: 'q', context: 'c'.repeat(70_000) } },
    });
    expectProblem(res, 413, /max_payload.*artifact/);
    expect((res.body as { detail: string }).detail).toMatch(/over the \d+ bytes/);
  });
});

describe('auth', () => {
  it('401 without a key or with a wrong one, with WWW-Authenticate', async () => {
    const none = await call('GET', '/v1/tasks');
    expectProblem(none, 401, /Authorization: Bearer/);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expectProblem(await call('GET', '/v1/tasks', { key: 'not-a-key-but-long-enough' }), 401, /not valid/);
  });

  it('accepts x-api-key as well as Bearer', async () => {
    expect((await call('GET', '/v1/tasks', { headers: { 'x-api-key': KEYS.acmeReader } })).status).toBe(200);
  });

  it('403 for a missing scope', async () => {
    expectProblem(
      await submit(KEYS.acmeReader, { workflow: 'ask', input: { question: 'q' } }),
      403,
      /tasks:write/,
    );
    expectProblem(await call('GET', '/v1/agents', { key: KEYS.acmeWriter }), 403, /admin/);
  });

  it('a tenant sees only its own tasks: 404 for another tenant, absent from its list', async () => {
    const res = await submit(KEYS.globex, { workflow: 'ask', input: { question: 'globex only' } });
    const id = (res.body as { id: string }).id;
    await clientFor(KEYS.globex).wait(id, { timeoutMs: 30_000 });
    for (const path of ['', '/result', '/events', '/audit', '/trace']) {
      expectProblem(await call('GET', `/v1/tasks/${id}${path}`, { key: KEYS.acmeReader }), 404, /No task/);
    }
    expectProblem(await call('POST', `/v1/tasks/${id}/cancel`, { key: KEYS.acmeWriter }), 404);
    const acmeList = await clientFor(KEYS.acmeReader).list({ limit: 100 });
    expect(acmeList.tasks.map((t) => t.id)).not.toContain(id);
    const globexList = await clientFor(KEYS.globex).list({ limit: 100 });
    expect(globexList.tasks.map((t) => t.id)).toContain(id);
  });

  it('a workflow-limited key may only run and see its workflows', async () => {
    expectProblem(
      await submit(KEYS.acmeAskOnly, { workflow: 'report', input: { question: 'q' } }),
      403,
      /allowed: ask/,
    );
    const ok = await submit(KEYS.acmeAskOnly, { workflow: 'ask', input: { question: 'limited' } });
    expect(ok.status).toBe(202);
    const other = await submit(KEYS.acmeWriter, {
      workflow: 'report',
      input: { question: 'not for the limited key' },
    });
    const otherId = (other.body as { id: string }).id;
    expectProblem(await call('GET', `/v1/tasks/${otherId}`, { key: KEYS.acmeAskOnly }), 403, /may not use/);
    const list = await clientFor(KEYS.acmeAskOnly).list({ limit: 100 });
    expect(list.tasks.every((t) => t.workflow === 'ask')).toBe(true);
    const workflows = await clientFor(KEYS.acmeAskOnly).workflows();
    expect(workflows.map((w) => w.name)).toEqual(['ask']);
    await clientFor(KEYS.acmeWriter).wait(otherId, { timeoutMs: 30_000 });
  });

  it('admin sees the agents', async () => {
    const agents = await clientFor(KEYS.acmeAdmin).agents();
    expect(agents.map((a) => a.agentId)).toContain('fixture-agent');
    expect(agents[0]!.stale).toBe(false);
  });
});

describe('idempotency', () => {
  it('the same key and body give the same task; another body gives 409; other tenants are apart', async () => {
    const body = { workflow: 'ask', input: { question: 'once only' } };
    const first = await submit(KEYS.acmeWriter, body, { 'idempotency-key': 'order-42' });
    const second = await submit(
      KEYS.acmeWriter,
      { input: { question: 'once only' }, workflow: 'ask' },
      { 'idempotency-key': 'order-42' },
    );
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const a = first.body as { id: string; deduplicated: boolean };
    const b = second.body as { id: string; deduplicated: boolean };
    expect(b.id).toBe(a.id);
    expect(a.deduplicated).toBe(false);
    expect(b.deduplicated).toBe(true);

    const conflict = await submit(
      KEYS.acmeWriter,
      { workflow: 'ask', input: { question: 'something else' } },
      { 'idempotency-key': 'order-42' },
    );
    const problem = expectProblem(conflict, 409, /different request/);
    expect(problem['taskId']).toBe(a.id);

    const globex = await submit(KEYS.globex, body, { 'idempotency-key': 'order-42' });
    expect((globex.body as { id: string }).id).not.toBe(a.id);

    const task = await clientFor(KEYS.acmeWriter).wait(a.id, { timeoutMs: 30_000 });
    expect(task.status).toBe('completed');
    // Only one task ran for the key.
    const audit = await clientFor(KEYS.acmeWriter).audit(a.id);
    expect(audit.records.filter((r) => r.type === 'task.completed')).toHaveLength(1);
  });

  it('concurrent repeats of one key make one task', async () => {
    const body = { workflow: 'ask', input: { question: 'raced' } };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => submit(KEYS.acmeWriter, body, { 'idempotency-key': 'race-1' })),
    );
    expect(results.every((r) => r.status === 202)).toBe(true);
    expect(new Set(results.map((r) => (r.body as { id: string }).id)).size).toBe(1);
    expect(results.filter((r) => !(r.body as { deduplicated: boolean }).deduplicated)).toHaveLength(1);
  });
});

describe('review', () => {
  it('parks below the threshold, then a person approves and it completes', async () => {
    const res = await submit(KEYS.acmeWriter, {
      workflow: 'report',
      input: { question: 'Needs a human?' },
      options: { reviewThreshold: 0.95 },
    });
    const id = (res.body as { id: string }).id;
    const reviewer = clientFor(KEYS.acmeReviewer);
    let parked: Task | undefined;
    for await (const { event } of reviewer.events(id)) {
      if (event.type === 'review.requested') {
        parked = await reviewer.get(id);
        break;
      }
    }
    expect(parked?.status).toBe('awaiting_review');
    expect(parked?.review?.pending?.stepId).toBe('review');

    expectProblem(
      await call('POST', `/v1/tasks/${id}/review`, { key: KEYS.acmeWriter, body: { decision: 'approve' } }),
      403,
      /review/,
    );
    const accepted = await reviewer.review(id, 'approve', 'looks right');
    expect(accepted.accepted).toBe(true);
    const done = await reviewer.wait(id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done.review?.last).toMatchObject({ verdict: 'approve', by: 'human', reviewer: 'alice' });
    expectProblem(
      await call('POST', `/v1/tasks/${id}/review`, { key: KEYS.acmeReviewer, body: { decision: 'approve' } }),
      409,
      /not awaiting review/,
    );
  });

  it('409 for a review of a task that is not waiting for one', async () => {
    const res = await submit(KEYS.acmeWriter, { workflow: 'gated', input: { question: 'no review here' } });
    const id = (res.body as { id: string }).id;
    expectProblem(
      await call('POST', `/v1/tasks/${id}/review`, { key: KEYS.acmeReviewer, body: { decision: 'reject' } }),
      409,
    );
    await clientFor(KEYS.acmeWriter).cancel(id);
    await clientFor(KEYS.acmeWriter).wait(id, { timeoutMs: 30_000 });
  });
});

describe('cancel', () => {
  it('cancels a running task, which ends cancelled; a second cancel is 409', async () => {
    const client = clientFor(KEYS.acmeWriter);
    const { id } = await client.submit('gated', { question: 'stop me' });
    troupe.gates.release(1);
    for await (const { event } of client.events(id)) {
      if (event.type === 'step.succeeded') break; // step one is done, step two waits at its gate
    }
    const accepted = await client.cancel(id, 'changed my mind');
    expect(accepted.id).toBe(id);
    const done = await client.wait(id, { timeoutMs: 30_000 });
    expect(done.status).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    const events = [];
    for await (const m of client.events(id)) events.push(m.event.type);
    expect(events.at(-1)).toBe('task.cancelled');
    expectProblem(
      await call('POST', `/v1/tasks/${id}/cancel`, { key: KEYS.acmeWriter }),
      409,
      /already cancelled/,
    );
    const result = await client.result(id);
    expect(result.status).toBe('cancelled');
  });

  it('cancels a task right after submitting it', async () => {
    const client = clientFor(KEYS.acmeWriter);
    const { id } = await client.submit('gated', { question: 'cancel at once' });
    await client.cancel(id);
    expect((await client.wait(id, { timeoutMs: 30_000 })).status).toBe('cancelled');
  });
});

describe('list', () => {
  it('lists newest first, pages with the cursor, filters by status', async () => {
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.globex });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.submit('ask', { question: `list ${i}` })).id);
    for (const id of ids) await client.wait(id, { timeoutMs: 30_000 });
    const all = await client.list({ limit: 100 });
    const mine = all.tasks.map((t) => t.id).filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());

    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await client.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.tasks.map((t) => t.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all.tasks.map((t) => t.id));

    const completed = await client.list({ status: 'completed', limit: 100 });
    expect(completed.tasks.every((t) => t.status === 'completed')).toBe(true);
    expect(
      (await client.list({ status: 'awaiting_review', limit: 100 })).tasks.map((t) => t.id),
    ).not.toContain(ids[0]);
  });
});
