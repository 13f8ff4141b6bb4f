import { ProblemSchema } from '@troupe/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './fixtures/raw-http.js';
import { http, KEYS, startTroupe, TEST_KEYS, type TroupeFixture } from './fixtures/troupe.js';

let troupe: TroupeFixture;
let call: ReturnType<typeof http>;
let taskId: string;
const MISSING = 't0000000000000000000';

beforeAll(async () => {
  troupe = await startTroupe({ keys: TEST_KEYS });
  call = http(troupe.url);
  const res = await call('POST', '/v1/tasks', {
    key: KEYS.acmeWriter,
    body: { workflow: 'gated', input: { question: 'target' } },
  });
  taskId = (res.body as { id: string }).id;
});

afterAll(async () => {
  await troupe?.[Symbol.asyncDispose]();
});

const task = (body: Record<string, unknown>) => ({ workflow: 'ask', input: { question: 'q' }, ...body });

interface Case {
  name: string;
  method: string;
  path: string | (() => string);
  status: number;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** A field path the problem's `errors` must name. */
  field?: string;
  detail?: RegExp;
}

const cases: Case[] = [
  {
    name: 'body is not JSON',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: '{"workflow":',
    headers: { 'content-type': 'application/json' },
    status: 400,
    detail: /not valid JSON/,
  },
  {
    name: 'empty JSON body',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: '',
    headers: { 'content-type': 'application/json' },
    status: 400,
    detail: /empty/,
  },
  {
    name: 'text/plain body',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: 'hello',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    detail: /application\/json/,
  },
  { name: 'body is an array', method: 'POST', path: '/v1/tasks', body: [1, 2], status: 400 },
  { name: 'body is a string', method: 'POST', path: '/v1/tasks', body: 'report please', status: 400 },
  {
    name: 'body is null',
    method: 'POST',
    path: '/v1/tasks',
    rawBody: 'null',
    headers: { 'content-type': 'application/json' },
    status: 400,
  },
  {
    name: 'no workflow',
    method: 'POST',
    path: '/v1/tasks',
    body: { input: { question: 'q' } },
    status: 400,
    field: 'workflow',
  },
  {
    name: 'workflow is a number',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ workflow: 42 }),
    status: 400,
    field: 'workflow',
  },
  {
    name: 'workflow with a space',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ workflow: 're port' }),
    status: 400,
    field: 'workflow',
  },
  {
    name: 'unknown workflow',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ workflow: 'nope' }),
    status: 422,
    detail: /Available: ask, report, gated/,
  },
  {
    name: 'no input',
    method: 'POST',
    path: '/v1/tasks',
    body: { workflow: 'ask' },
    status: 400,
    field: 'input',
  },
  {
    name: 'input of the wrong type',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ input: { question: 7 } }),
    status: 422,
    field: 'input.question',
  },
  {
    name: 'empty question',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ input: { question: '   ' } }),
    status: 422,
    field: 'input.question',
  },
  {
    name: 'input is a string',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ input: 'just text' }),
    status: 422,
    field: 'input',
  },
  {
    name: 'unknown top-level field',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ priority: 'high' }),
    status: 400,
    detail: /priority/,
  },
  {
    name: 'unknown option',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ options: { turbo: true } }),
    status: 400,
    detail: /turbo/,
  },
  {
    name: 'negative token budget',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ options: { budget: { tokens: -5 } } }),
    status: 400,
    field: 'options.budget.tokens',
  },
  {
    name: 'review threshold above 1',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ options: { reviewThreshold: 2 } }),
    status: 400,
    field: 'options.reviewThreshold',
  },
  {
    name: 'model without provider',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ options: { models: { assistant: 'gpt-4o' } } }),
    status: 400,
    field: 'options.models.assistant',
  },
  {
    name: 'cheapModel whose provider has a space',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ options: { cheapModel: 'open ai:gpt-4o' } }),
    status: 400,
    field: 'options.cheapModel',
  },
  {
    name: 'metadata value not a string',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ metadata: { n: 1 } }),
    status: 400,
    field: 'metadata.n',
  },
  {
    name: 'too many metadata entries',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ metadata: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) }),
    status: 400,
    detail: /at most 32/,
  },
  {
    name: 'continueFrom is not an id',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ continueFrom: 'a.b' }),
    status: 400,
    field: 'continueFrom',
  },
  {
    name: 'continueFrom does not exist',
    method: 'POST',
    path: '/v1/tasks',
    body: task({ continueFrom: MISSING }),
    status: 422,
    field: 'continueFrom',
  },
  {
    name: 'Idempotency-Key too long',
    method: 'POST',
    path: '/v1/tasks',
    body: task({}),
    headers: { 'idempotency-key': 'k'.repeat(300) },
    status: 400,
    field: 'idempotency-key',
  },
  { name: 'limit=0', method: 'GET', path: '/v1/tasks?limit=0', status: 400, field: 'limit' },
  { name: 'limit not a number', method: 'GET', path: '/v1/tasks?limit=lots', status: 400, field: 'limit' },
  {
    name: 'unknown status filter',
    method: 'GET',
    path: '/v1/tasks?status=done',
    status: 400,
    field: 'status',
  },
  { name: 'cursor with a dot', method: 'GET', path: '/v1/tasks?cursor=a.b', status: 400, field: 'cursor' },
  { name: 'unknown query parameter', method: 'GET', path: '/v1/tasks?sort=asc', status: 400, detail: /sort/ },
  { name: 'task id with a dot', method: 'GET', path: '/v1/tasks/bad.id', status: 400, field: 'id' },
  {
    name: 'task that does not exist',
    method: 'GET',
    path: `/v1/tasks/${MISSING}`,
    status: 404,
    detail: /No task/,
  },
  { name: 'result of a missing task', method: 'GET', path: `/v1/tasks/${MISSING}/result`, status: 404 },
  {
    name: 'review decision unknown',
    method: 'POST',
    path: () => `/v1/tasks/${taskId}/review`,
    body: { decision: 'maybe' },
    status: 400,
    field: 'decision',
  },
  {
    name: 'review with an extra field',
    method: 'POST',
    path: () => `/v1/tasks/${taskId}/review`,
    body: { decision: 'approve', score: 3 },
    status: 400,
    detail: /score/,
  },
  {
    name: 'review notes too long',
    method: 'POST',
    path: () => `/v1/tasks/${taskId}/review`,
    body: { decision: 'revise', notes: 'n'.repeat(10_001) },
    status: 400,
    field: 'notes',
  },
  { name: 'review without a body', method: 'POST', path: () => `/v1/tasks/${taskId}/review`, status: 400 },
  {
    name: 'cancel reason too long',
    method: 'POST',
    path: () => `/v1/tasks/${taskId}/cancel`,
    body: { reason: 'r'.repeat(2_000) },
    status: 400,
    field: 'reason',
  },
  {
    name: 'audit limit too high',
    method: 'GET',
    path: () => `/v1/tasks/${taskId}/audit?limit=5000`,
    status: 400,
    field: 'limit',
  },
  {
    name: 'negative Last-Event-ID',
    method: 'GET',
    path: () => `/v1/tasks/${taskId}/events`,
    headers: { 'last-event-id': '-1' },
    status: 400,
    field: 'last-event-id',
  },
  { name: 'no such route', method: 'GET', path: '/v1/nope', status: 404, detail: /no GET \/v1\/nope/i },
  { name: 'no such method', method: 'DELETE', path: '/v1/tasks', status: 404, detail: /DELETE/ },
  { name: 'bad percent-encoding', method: 'GET', path: '/v1/tasks/%E0%A4%A', status: 400 },
  {
    name: 'A2A body is not JSON',
    method: 'POST',
    path: '/a2a',
    rawBody: '{nope',
    headers: { 'content-type': 'application/json' },
    status: 400,
  },
  {
    name: 'A2A body without a method',
    method: 'POST',
    path: '/a2a',
    body: { jsonrpc: '2.0', id: 1 },
    status: 400,
    field: 'method',
  },
];

describe('bad requests: each a 4xx problem+json that says what to fix, never a 5xx', () => {
  it('covers at least 30 kinds', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = typeof c.path === 'function' ? c.path() : c.path;
    const res = await call(c.method, path, {
      key: KEYS.acmeAdmin,
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}),
      ...(c.headers ? { headers: c.headers } : {}),
    });
    expect(res.status, res.text).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = ProblemSchema.parse(res.body);
    expect(problem.status).toBe(c.status);
    expect(problem.type).toMatch(/^urn:troupe:problem:/);
    expect(problem.title.length).toBeGreaterThan(3);
    expect(problem.detail.length).toBeGreaterThan(15);
    expect(problem.instance).toBe(path);
    if (c.detail) expect(problem.detail).toMatch(c.detail);
    if (c.field) expect(problem.errors?.map((e) => e.path)).toContain(c.field);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await call('POST', '/v1/tasks', {
      key: KEYS.acmeWriter,
      body: task({ input: { question: 'q', context: 'x'.repeat(1024 * 1024 + 10) } }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(res.body).detail).toMatch(/1048576-byte limit/);
  });
});

describe('requests Node answers before any route (found by the fuzzer): problem+json too, never a hang', () => {
  const port = () => Number(new URL(troupe.url).port);
  const expectProblem = (
    res: { status: number; headers: Record<string, string>; body: string },
    status: number,
  ) => {
    expect(res.status, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(JSON.parse(res.body)).status).toBe(status);
  };

  it('headers over the limit are a 431 problem', async () => {
    const res = await rawRequest(port(), {
      method: 'GET',
      target: '/v1/whoami',
      headers: [['x-filler', 'v'.repeat(20_000)]],
    });
    expectProblem(res, 431);
    expect(JSON.parse(res.body).detail).toMatch(/16384-byte limit/);
  });

  it('a bare CR in a header value is a 400 problem, and the header it tried to inject goes nowhere', async () => {
    const res = await rawRequest(port(), {
      method: 'GET',
      target: '/v1/whoami',
      headers: [['idempotency-key', 'a\rx-injected: 1']],
    });
    expectProblem(res, 400);
    expect(res.head).not.toMatch(/x-injected/i);
  });

  it('an Expect other than 100-continue is a 417 problem', async () => {
    const res = await rawRequest(port(), {
      method: 'GET',
      target: '/healthz',
      headers: [['expect', 'nonsense']],
    });
    expectProblem(res, 417);
  });

  it('CONNECT is a 405 problem, not a dropped connection', async () => {
    expectProblem(await rawRequest(port(), { method: 'CONNECT', target: '/v1/tasks' }), 405);
  });

  it('HEAD on an event stream answers its headers and ends', async () => {
    for (const target of ['/v1/fleet/stream', '/v1/tasks/stream', `/v1/tasks/${taskId}/events`]) {
      const res = await rawRequest(
        port(),
        { method: 'HEAD', target, headers: [['authorization', `Bearer ${KEYS.acmeAdmin}`]] },
        5_000,
      );
      expect(res.status, target).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    }
  });
});

describe('rate limits', () => {
  it('429 with Retry-After per key, per tenant, and for wrong keys', async () => {
    await using limited = await startTroupe({
      keys: TEST_KEYS,
      limits: {
        perKey: { max: 3, windowMs: 60_000 },
        perTenant: { max: 5, windowMs: 60_000 },
        unauthenticated: { max: 2, windowMs: 60_000 },
      },
    });
    const c = http(limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await c('GET', '/v1/tasks', { key: KEYS.acmeReader })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limitedRes = await c('GET', '/v1/tasks', { key: KEYS.acmeReader });
    expect(limitedRes.status).toBe(429);
    expect(Number(limitedRes.headers.get('retry-after'))).toBeGreaterThan(0);
    const problem = ProblemSchema.parse(limitedRes.body);
    expect(problem.detail).toMatch(/with this API key: retry after \d+ s/);

    // The tenant's budget is shared by its keys: 3 requests of the first key counted, 2 more pass, then 429.
    const writer = [];
    for (let i = 0; i < 3; i++) writer.push(await c('GET', '/v1/tasks', { key: KEYS.acmeWriter }));
    expect(writer.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(ProblemSchema.parse(writer[2]!.body).detail).toMatch(/for tenant "acme"/);
    // Another tenant is not affected.
    expect((await c('GET', '/v1/tasks', { key: KEYS.globex })).status).toBe(200);

    const wrong = [];
    for (let i = 0; i < 3; i++) wrong.push(await c('GET', '/v1/tasks', { key: 'wrong-key-wrong-key-wrong' }));
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 429]);
    expect(wrong[2]!.headers.get('retry-after')).not.toBeNull();
  });
});
