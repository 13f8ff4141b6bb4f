import { ProblemSchema } from '@troupe/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTroupe, TEST_KEYS, type TroupeFixture } from './fixtures/troupe.js';
import { rawRequest, type RawRequest, type RawResponse } from './fixtures/raw-http.js';

/**
 * A property-based fuzzer over every route of the OpenAPI document, against a real troupe. Each request goes
 * out as raw bytes (no client normalises or refuses it); every answer must be < 500, every 4xx
 * problem+json, nothing injected into response headers, and the API must keep serving. Replay a failure
 * with FUZZ_SEED=<the printed seed>.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * RUNS)), endOnFailure: true });

const MARKER = 'x-fuzz-injected';
const NO_LIMIT = { max: 1_000_000, windowMs: 60_000 };

interface Route {
  method: string;
  template: string;
}

let troupe: TroupeFixture;
let port: number;
let routes: Route[];
let acmeTask: string;
let globexTask: string;

type Outcome = 'refused' | 'accepted' | 'crashed' | 'unclean';

/** Counts per property; one summary line each, for the closing note. */
class Tally {
  tried = 0;
  readonly by: Record<Outcome, number> = { refused: 0, accepted: 0, crashed: 0, unclean: 0 };
  readonly statuses = new Map<number, number>();
  readonly failures: string[] = [];

  constructor(readonly name: string) {}

  line(): string {
    const statuses = [...this.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    return (
      `fuzz ${this.name}: tried ${this.tried}, refused cleanly ${this.by.refused}, accepted ${this.by.accepted}, ` +
      `crashed ${this.by.crashed}, non-problem 4xx ${this.by.unclean} (seed ${SEED}; ${statuses})`
    );
  }
}

function describeRequest(req: RawRequest): string {
  const headers = (req.headers ?? []).map(
    ([n, v]) => `${n}: ${v.length > 60 ? `${v.slice(0, 60)}…(${v.length})` : v}`,
  );
  const body =
    req.body === undefined
      ? ''
      : ` body(${req.body.length}): ${JSON.stringify(String(req.body).slice(0, 120))}`;
  return `${req.method} ${JSON.stringify(req.target.slice(0, 200))} [${headers.join(' | ')}]${body}`;
}

/** Sends one request and classifies its answer; returns the response, or null when there was none. */
async function probe(tally: Tally, req: RawRequest): Promise<RawResponse | null> {
  tally.tried++;
  let res: RawResponse;
  try {
    res = await rawRequest(port, req);
  } catch (err) {
    tally.by.crashed++;
    tally.failures.push(`${describeRequest(req)} → ${(err as Error).message}`);
    return null;
  }
  tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
  if (res.head.toLowerCase().includes(MARKER)) {
    tally.by.unclean++;
    tally.failures.push(`${describeRequest(req)} → a header was injected: ${res.head}`);
  } else if (res.status >= 500) {
    tally.by.crashed++;
    tally.failures.push(`${describeRequest(req)} → ${res.status} ${res.body.slice(0, 300)}`);
  } else if (res.status >= 400) {
    if (isProblem(res, req.method)) tally.by.refused++;
    else {
      tally.by.unclean++;
      tally.failures.push(
        `${describeRequest(req)} → ${res.status} ${res.headers['content-type'] ?? '(no content-type)'} ${res.body.slice(0, 200)}`,
      );
    }
  } else tally.by.accepted++;
  return res;
}

function isProblem(res: RawResponse, method: string): boolean {
  if (!(res.headers['content-type'] ?? '').startsWith('application/problem+json')) return false;
  if (method === 'HEAD') return true;
  try {
    const problem = ProblemSchema.parse(JSON.parse(res.body));
    return problem.status === res.status && problem.type.startsWith('urn:troupe:problem:');
  } catch {
    return false;
  }
}

/** Fails the property with the requests that went wrong, and checks the API still serves. */
async function settle(tally: Tally): Promise<void> {
  expect(tally.failures.slice(0, 10)).toEqual([]);
  expect(tally.by.crashed).toBe(0);
  const health = await rawRequest(port, { method: 'GET', target: '/healthz' });
  expect(health.status).toBe(200);
  const whoami = await rawRequest(port, {
    method: 'GET',
    target: '/v1/whoami',
    headers: [['authorization', `Bearer ${KEYS.acmeWriter}`]],
  });
  expect(whoami.status).toBe(200);
}

/** A property over requests: each must come back clean (checked by `probe`). */
const requestProperty = (tally: Tally, arb: fc.Arbitrary<RawRequest>) =>
  fc.asyncProperty(arb, async (req) => {
    const before = tally.failures.length;
    await probe(tally, req);
    if (tally.failures.length > before) throw new Error(tally.failures[tally.failures.length - 1]);
  });

// ---------------------------------------------------------------------------------------------- generators

const ODD_CHARS = [
  '\u0000',
  '\u0001',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udfff',
  '\udbff\udfff',
  '😀',
  '👩‍👩‍👧‍👦',
  '𝕏',
  'é',
  'ﬁ',
  'Ａ',
  'İ',
  'ß',
  '\u0301',
  '\\',
  '"',
  "'",
  '<script>',
  '%',
  '%00',
  '${x}',
  '{{x}}',
];

/** Strings a careful client would not send: control characters, bidi overrides, lone surrogates, emoji. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...ODD_CHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
  fc
    .tuple(fc.constantFrom(...ODD_CHARS, 'a', 'x'), fc.integer({ min: 1_000, max: 120_000 }))
    .map(([c, n]) => c.repeat(Math.ceil(n / c.length))),
);

/** Percent-encodes the UTF-8 bytes of a string (encodeURIComponent throws on a lone surrogate). */
function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const wellFormedId = fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/);

const PATH_TRICKS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '..%2f..%2fetc%2fpasswd',
  '..%5c..%5c',
  '%2f',
  'a%2Fb',
  '%252e%252e',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '%E2%80%AE',
  '%ef%bc%8e%ef%bc%8e',
  '\u2024\u2024',
  'ｔ0mb4x2k9qa1b2c3d4e5f6g7h8',
  '%EF%BD%94',
  't'.repeat(129),
  'x'.repeat(257),
  'y'.repeat(5_000),
  ';',
  'a;b=c',
  '*',
  '~root',
  'acme.t1',
  'acme%2Et1',
  '>',
  '*%20',
  'a b',
];

const pathSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PATH_TRICKS) },
  { weight: 2, arbitrary: wellFormedId },
  { weight: 2, arbitrary: oddString.map((s) => percentEncode(s.slice(0, 300)).replace(/%25/g, '%')) },
  {
    weight: 1,
    arbitrary: oddString.map((s) => s.slice(0, 60).replace(/[\s\r\n]/g, '_')),
  },
);

/** A route's path with its `{param}` filled by anything from an id of another tenant to `..`. */
const pathFor = (route: Route) =>
  fc
    .record({
      id: fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(acmeTask, globexTask) },
        { weight: 3, arbitrary: pathSegment },
      ),
      mutation: fc.constantFrom(
        'none',
        'none',
        'none',
        'double-slash',
        'trailing-slash',
        'dot-segment',
        'dotdot-segment',
        'upper',
        'encoded-slash',
        'absolute-form',
        'query',
        'fragment',
      ),
      query: fc.oneof(
        fc.constant(''),
        fc
          .array(
            fc.tuple(
              fc.constantFrom(
                'limit',
                'cursor',
                'status',
                'after',
                'lastEventId',
                'from',
                'to',
                'bucketMs',
                'x',
              ),
              fc.oneof(
                fc.constantFrom(
                  '0',
                  '-1',
                  '1e309',
                  'NaN',
                  '1.5',
                  '99999999999999999999',
                  '',
                  '%',
                  'a.b',
                  'queued',
                ),
                oddString.map((s) => percentEncode(s.slice(0, 200))),
              ),
            ),
            { maxLength: 4 },
          )
          .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
      ),
    })
    .map(({ id, mutation, query }) => {
      let path = route.template.replace(/\{[^}]+\}/g, id);
      switch (mutation) {
        case 'double-slash':
          path = path.replace('/', '//');
          break;
        case 'trailing-slash':
          path = `${path}/`;
          break;
        case 'dot-segment':
          path = path.replace(/\/([^/]*)$/, '/./$1');
          break;
        case 'dotdot-segment':
          path = `${path}/../${path.split('/').pop() ?? ''}`;
          break;
        case 'upper':
          path = path.toUpperCase();
          break;
        case 'encoded-slash':
          path = path.replaceAll('/', '%2F').replace(/^%2F/, '/');
          break;
        case 'absolute-form':
          path = `http://evil.example${path}`;
          break;
        case 'fragment':
          path = `${path}#frag`;
          break;
        default:
          break;
      }
      return query ? `${path}?${query}` : path;
    });

const auth = fc.oneof(
  fc
    .constantFrom(KEYS.acmeAdmin, KEYS.acmeWriter, KEYS.acmeReader, KEYS.acmeReviewer, KEYS.globex)
    .map((k) => [['authorization', `Bearer ${k}`]] as Array<[string, string]>),
  fc.constant([['x-api-key', KEYS.acmeAdmin]] as Array<[string, string]>),
  fc.constant([] as Array<[string, string]>),
  fc
    .constantFrom(
      'Bearer',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      'bearer wrong-key-wrong-key',
      `Bearer ${KEYS.acmeAdmin} x`,
    )
    .map((v) => [['authorization', v]] as Array<[string, string]>),
  oddString.map(
    (s) => [['authorization', `Bearer ${s.slice(0, 200).replace(/[\r\n]/g, '')}`]] as Array<[string, string]>,
  ),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/JSON',
  'application/json;;;',
  'application/a2a+json',
  'application/problem+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  '',
  ';',
];

const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('content-type'), fc.constantFrom(...CONTENT_TYPES)),
  fc.tuple(fc.constant('accept'), fc.constantFrom('*/*', 'text/event-stream', 'application/xml', '', 'ü')),
  fc.tuple(
    fc.constant('last-event-id'),
    fc.constantFrom('0', '5', '-1', '1e3', 'x', '99999999999999999999', ''),
  ),
  fc.tuple(
    fc.constant('idempotency-key'),
    oddString.map((s) => s.slice(0, 400).replace(/[\r\n]/g, '')),
  ),
  fc.tuple(fc.constant('a2a-version'), fc.constantFrom('1.0', '0.3', '0.2', '9', '', 'x')),
  fc.tuple(fc.constant('accept-encoding'), fc.constantFrom('gzip', 'br', 'identity;q=0', 'x')),
  fc.tuple(fc.constant('x-forwarded-for'), fc.constantFrom('10.0.0.1', 'not-an-ip', '::1')),
  fc.tuple(fc.constant('expect'), fc.constantFrom('100-continue', 'nonsense')),
  fc.tuple(fc.constant('range'), fc.constantFrom('bytes=0-1', 'bytes=x')),
  fc.tuple(fc.constant('if-none-match'), fc.constantFrom('*', '"x"')),
);

const submitBody = fc.record(
  {
    workflow: fc.oneof(fc.constantFrom('ask', 'report', 'gated', 'nope'), fc.anything()),
    input: fc.oneof(
      fc.record({ question: fc.oneof(oddString, fc.anything()) }),
      fc.anything(),
      fc.record({ question: fc.constant('q'), label: fc.anything() }),
    ),
    options: fc.oneof(
      fc.anything(),
      fc.record(
        {
          budget: fc.oneof(fc.record({ tokens: fc.anything(), costUsd: fc.anything() }), fc.anything()),
          reviewThreshold: fc.oneof(fc.double(), fc.anything()),
          models: fc.dictionary(fc.string(), fc.anything()),
          cheapModel: fc.oneof(oddString, fc.anything()),
        },
        { requiredKeys: [] },
      ),
    ),
    metadata: fc.oneof(fc.dictionary(oddString, oddString, { maxKeys: 40 }), fc.anything()),
    continueFrom: fc.oneof(wellFormedId, oddString, fc.anything()),
  },
  { requiredKeys: [] },
);

const a2aBody = () =>
  fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.anything()),
      method: fc.oneof(
        fc.constantFrom(
          'SendMessage',
          'GetTask',
          'CancelTask',
          'ListTasks',
          'SubscribeToTask',
          'message/send',
          'tasks/get',
          'tasks/cancel',
          'tasks/resubscribe',
          'nope',
          '__proto__',
        ),
        fc.anything(),
      ),
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.anything()),
      params: fc.oneof(
        fc.record(
          {
            id: fc.oneof(fc.constantFrom(acmeTask, globexTask), oddString, fc.anything()),
            message: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        fc.anything(),
      ),
    },
    { requiredKeys: [] },
  );

/** Bodies: JSON of any shape, shaped-but-wrong requests, broken JSON, bytes that are not UTF-8. */
const anyBody = () =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: submitBody.map((v) => safeStringify(v)) },
    { weight: 2, arbitrary: a2aBody().map((v) => safeStringify(v)) },
    {
      weight: 1,
      arbitrary: fc
        .record(
          { decision: fc.anything(), notes: fc.anything(), reason: fc.anything() },
          { requiredKeys: [] },
        )
        .map((v) => safeStringify(v)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '{',
        '{"workflow":',
        '[',
        'nul',
        'null',
        'true',
        '""',
        '{"a":1}{"b":2}',
        '{"__proto__":{"polluted":true},"workflow":"ask","input":{"question":"q"}}',
        '{"constructor":{"prototype":{"x":1}}}',
        '{"workflow":"ask","input":{"question":"q"},"workflow":"report"}',
        `{"workflow":"ask","input":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
        `${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`,
        '\ufeff{"workflow":"ask","input":{"question":"q"}}',
        '{"workflow":"ask","input":{"question":"\\ud800"}}',
        '{"workflow":"ask","input":{"question":"\\u0000"}}',
        '{"workflow":"ask","input":{"question":1e400}}',
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
  );

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '{"unserialisable":true}';
  }
}

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'FOO',
  'get',
  'M-SEARCH',
];

/** Any method, path, body and header mix, aimed at the documented routes. */
const anyRequest = () =>
  fc
    .constantFrom(...routes)
    .chain((route) =>
      fc.record({
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        target: pathFor(route),
        auth,
        extra: fc.array(extraHeader, { maxLength: 4 }),
        body: anyBody(),
        jsonType: fc.boolean(),
      }),
    )
    .map(({ method, target, auth, extra, body, jsonType }): RawRequest => {
      const headers: Array<[string, string]> = [...auth, ...extra];
      if (body !== undefined && jsonType && !extra.some(([n]) => n === 'content-type'))
        headers.push(['content-type', 'application/json']);
      return { method, target, headers, ...(body !== undefined ? { body } : {}) };
    });

// --------------------------------------------------------------------------------------------------- setup

beforeAll(async () => {
  console.log(
    `api fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED} pnpm exec vitest run apps/api/src/__tests__/fuzz.test.ts)`,
  );
  troupe = await startTroupe({
    keys: TEST_KEYS,
    limits: { perKey: NO_LIMIT, perTenant: NO_LIMIT, unauthenticated: NO_LIMIT, a2aBlockingTimeoutMs: 2_000 },
  });
  port = Number(new URL(troupe.url).port);
  const doc = await rawRequest(port, { method: 'GET', target: '/openapi.json' });
  const paths = (JSON.parse(doc.body) as { paths: Record<string, Record<string, unknown>> }).paths;
  routes = Object.entries(paths).flatMap(([template, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), template })),
  );
  const submit = async (key: string) => {
    const res = await rawRequest(port, {
      method: 'POST',
      target: '/v1/tasks',
      headers: [
        ['authorization', `Bearer ${key}`],
        ['content-type', 'application/json'],
      ],
      body: JSON.stringify({ workflow: 'gated', input: { question: 'fuzz target' } }),
    });
    expect(res.status, res.body).toBe(202);
    return (JSON.parse(res.body) as { id: string }).id;
  };
  acmeTask = await submit(KEYS.acmeWriter);
  globexTask = await submit(KEYS.globex);
});

afterAll(async () => {
  await troupe?.[Symbol.asyncDispose]();
});

// ---------------------------------------------------------------------------------------------- properties

describe('API fuzzer: bad input is a 4xx problem+json, never a 5xx, and the API keeps serving', () => {
  it('enumerates the routes from the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes).toContainEqual({ method: 'POST', template: '/v1/tasks' });
    expect(routes.some((r) => r.template.includes('{id}'))).toBe(true);
  });

  it('any method, path, body and header mix', async () => {
    const tally = new Tally('any request');
    await fc
      .assert(requestProperty(tally, anyRequest()), runs(1_000))
      .finally(() => console.log(tally.line()));
    await settle(tally);
  });
});

// ------------------------------------------------------------------------------------- targeted properties

const asKey = (key: string): Array<[string, string]> => [['authorization', `Bearer ${key}`]];
const JSON_HEADERS = (key: string): Array<[string, string]> => [
  ...asKey(key),
  ['content-type', 'application/json'],
];

/** A wrong value for a field: any JSON value (the property accepts a 2xx when it happens to be valid). */
const wrongValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1.5, 1e308, '', ' ', [], {}, [1], { a: 1 }, 'x'.repeat(10_000)),
  fc.jsonValue({ maxDepth: 3 }),
);
const SUBMIT_FIELDS = [
  'workflow',
  'input',
  'input.question',
  'input.label',
  'options',
  'options.budget',
  'options.budget.tokens',
  'options.budget.costUsd',
  'options.reviewThreshold',
  'options.models',
  'options.models.assistant',
  'options.cheapModel',
  'metadata',
  'metadata.k',
  'continueFrom',
] as const;

function withField(path: string, value: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = { workflow: 'ask', input: { question: 'q' } };
  const keys = path.split('.');
  let at = body;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
  return body;
}

/** Valid JSON cut short, or with a byte that breaks it. */
const brokenJson = fc
  .tuple(
    fc.jsonValue({ maxDepth: 3 }),
    fc.nat(),
    fc.constantFrom('', ',', '}', ']', '"', '\\', '\u0000', 'NaN', '\u00ff'),
  )
  .map(([v, cut, junk]) => {
    const text = JSON.stringify({ workflow: 'ask', input: { question: 'q' }, extra: v });
    const at = 1 + (cut % (text.length - 1));
    return text.slice(0, at) + junk;
  });

describe('API fuzzer: malformed JSON, wrong types, odd Unicode, huge headers, header injection, path tricks', () => {
  it('POST /v1/tasks: malformed JSON and a wrong type for every field', async () => {
    const tally = new Tally('malformed JSON + wrong types');
    const arb = fc.oneof(
      fc
        .tuple(fc.constantFrom(...SUBMIT_FIELDS), wrongValue)
        .map(([path, value]) => safeStringify(withField(path, value))),
      brokenJson,
    );
    await fc
      .assert(
        requestProperty(
          tally,
          arb.map((body) => ({
            method: 'POST',
            target: '/v1/tasks',
            headers: JSON_HEADERS(KEYS.acmeWriter),
            body,
          })),
        ),
        runs(400),
      )
      .finally(() => console.log(tally.line()));
    await settle(tally);
  });

  it('odd Unicode in fields, headers, queries and paths (escaped and raw), and very long strings', async () => {
    const tally = new Tally('odd unicode');
    const arb = fc.oneof(
      fc.tuple(oddString, fc.boolean()).map(([s, raw]): RawRequest => {
        const body = {
          workflow: 'ask',
          input: { question: s },
          metadata: { [s.slice(0, 50) || 'k']: s.slice(0, 500) },
        };
        // Raw: the string's UTF-8 bytes unescaped (a lone surrogate becomes U+FFFD); escaped: \ud800 and such.
        const text = raw
          ? JSON.stringify(body).replace(/\\u([0-9a-f]{4})/g, (_, h: string) =>
              String.fromCharCode(parseInt(h, 16)),
            )
          : JSON.stringify(body);
        return { method: 'POST', target: '/v1/tasks', headers: JSON_HEADERS(KEYS.acmeWriter), body: text };
      }),
      oddString.map((s): RawRequest => ({
        method: 'POST',
        target: '/v1/tasks',
        headers: [
          ...JSON_HEADERS(KEYS.acmeWriter),
          [
            'idempotency-key',
            s
              .slice(0, 300)
              .replace(/[\r\n]/g, '')
              .replaceAll(String.fromCharCode(0), ''),
          ],
        ],
        body: JSON.stringify({ workflow: 'ask', input: { question: 'q' } }),
      })),
      oddString.map((s): RawRequest => ({
        method: 'POST',
        target: '/v1/tasks',
        headers: JSON_HEADERS(KEYS.acmeWriter),
        body: safeStringify({ workflow: s.slice(0, 200), input: { question: 'q' } }),
      })),
      fc
        .tuple(
          fc.constantFrom('/v1/tasks', '/v1/usage', `/v1/tasks/{id}/audit`),
          fc.constantFrom('status', 'cursor', 'limit', 'after', 'from'),
          oddString,
        )
        .map(([path, key, s]): RawRequest => ({
          method: 'GET',
          target: `${path.replace('{id}', acmeTask)}?${key}=${percentEncode(s.slice(0, 2_000))}`,
          headers: asKey(KEYS.acmeAdmin),
        })),
      oddString.map((s): RawRequest => ({
        method: 'GET',
        target: `/v1/tasks/${percentEncode(s.slice(0, 400))}`,
        headers: asKey(KEYS.acmeAdmin),
      })),
      // Close to and over the 1 MiB body limit: a 202 or a 413, nothing else.
      fc.integer({ min: 1024 * 1024 - 2_000, max: 1024 * 1024 + 2_000 }).map((n): RawRequest => ({
        method: 'POST',
        target: '/v1/tasks',
        headers: JSON_HEADERS(KEYS.acmeWriter),
        body: JSON.stringify({ workflow: 'ask', input: { question: 'é'.repeat(Math.floor((n - 60) / 2)) } }),
      })),
    );
    await fc.assert(requestProperty(tally, arb), runs(300)).finally(() => console.log(tally.line()));
    await settle(tally);
  });

  it('huge headers, close to and over the limit: a 431, never a crash', async () => {
    const tally = new Tally('huge headers');
    const arb = fc
      .record({
        count: fc.integer({ min: 1, max: 120 }),
        size: fc.integer({ min: 50, max: 24_000 }),
        name: fc.constantFrom('x-filler', 'authorization', 'idempotency-key', 'cookie', 'last-event-id'),
        route: fc.constantFrom(...routes),
      })
      .map(({ count, size, name, route }): RawRequest => {
        const each = Math.max(1, Math.floor(size / count));
        const headers: Array<[string, string]> = [...asKey(KEYS.acmeAdmin)];
        for (let i = 0; i < count; i++)
          headers.push([name === 'x-filler' ? `x-filler-${i}` : name, 'v'.repeat(each)]);
        return { method: route.method, target: route.template.replace(/\{[^}]+\}/g, acmeTask), headers };
      });
    await fc
      .assert(
        fc.asyncProperty(arb, async (req) => {
          const before = tally.failures.length;
          const res = await probe(tally, req);
          const bytes = (req.headers ?? []).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
          if (res && bytes > 17 * 1024 && res.status !== 431)
            tally.failures.push(`${bytes} header bytes answered ${res.status}, not 431`);
          if (tally.failures.length > before) throw new Error(tally.failures[tally.failures.length - 1]);
        }),
        runs(150),
      )
      .finally(() => console.log(tally.line()));
    expect(tally.statuses.get(431) ?? 0).toBeGreaterThan(0);
    await settle(tally);
  });

  it('CR/LF header injection: refused by fetch, answered 4xx or ignored on the wire, never echoed', async () => {
    const tally = new Tally('header injection');
    await expect(
      fetch(`${troupe.url}/v1/whoami`, { headers: { 'idempotency-key': `a\r\n${MARKER}: 1` } }),
    ).rejects.toThrow();
    const injection = fc.constantFrom(
      `a\r\n${MARKER}: 1`,
      `a\r\n\r\n${MARKER}: 1`,
      `a\n${MARKER}: 1`,
      `a\r${MARKER}: 1`,
      `a\u0000${MARKER}`,
      `a%0d%0a${MARKER}:%201`,
      `a\u2028${MARKER}: 1`,
      `a\r\nlocation: https://evil.example\r\n${MARKER}: 1`,
      `a\r\ncontent-length: 0\r\n\r\nGET /${MARKER} HTTP/1.1`,
    );
    const arb = fc
      .record({
        where: fc.constantFrom(
          'idempotency-key',
          'last-event-id',
          'authorization',
          'a2a-version',
          'content-type',
          'accept',
          'x-api-key',
          'path',
          'query',
        ),
        value: injection,
        route: fc.constantFrom(...routes),
      })
      .map(({ where, value, route }): RawRequest => {
        const path = route.template.replace(/\{[^}]+\}/g, acmeTask);
        const headers: Array<[string, string]> =
          where === 'authorization' || where === 'x-api-key' ? [] : asKey(KEYS.acmeAdmin);
        let target = path;
        if (where === 'path') target = `${path}/${value}`;
        else if (where === 'query') target = `${path}?cursor=${value}`;
        else headers.push([where, where === 'authorization' ? `Bearer ${value}` : value]);
        return {
          method: route.method,
          target,
          headers,
          ...(route.method === 'POST'
            ? { body: JSON.stringify({ workflow: 'ask', input: { question: 'q' } }) }
            : {}),
        };
      });
    await fc.assert(requestProperty(tally, arb), runs(200)).finally(() => console.log(tally.line()));
    await settle(tally);
  });

  it('path tricks on every route: dot segments, encoded slashes, lookalikes, overlong ids', async () => {
    const tally = new Tally('path tricks');
    const arb = fc
      .constantFrom(...routes)
      .chain((route) => fc.tuple(fc.constant(route), pathFor(route)))
      .map(([route, target]): RawRequest => ({
        method: route.method,
        target,
        headers: JSON_HEADERS(KEYS.acmeAdmin),
        ...(route.method === 'POST' ? { body: '{}' } : {}),
      }));
    await fc.assert(requestProperty(tally, arb), runs(400)).finally(() => console.log(tally.line()));
    await settle(tally);
  });
});

// ------------------------------------------------------------------------------------------- cross-tenant

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
};

/** The smallest valid body a route's documented schema allows, so a 404 is not masked by a 400. */
function minimalBody(schema: JsonSchema | undefined, components: Record<string, JsonSchema>): unknown {
  if (!schema) return undefined;
  if (schema.$ref) return minimalBody(components[schema.$ref.split('/').pop()!], components);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives)
    return minimalBody(alternatives.find((s) => s.type !== 'null') ?? alternatives[0], components);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((k) => [k, minimalBody(schema.properties?.[k], components)]),
      );
    case 'array':
      return [];
    case 'string':
      return 'x';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

describe('API fuzzer: cross-tenant reads and id guessing are 404', () => {
  let perTask: Array<Route & { body: string | undefined }>;

  beforeAll(async () => {
    const doc = JSON.parse((await rawRequest(port, { method: 'GET', target: '/openapi.json' })).body) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
      >;
      components: { schemas: Record<string, JsonSchema> };
    };
    perTask = Object.entries(doc.paths)
      .filter(([template]) => template.includes('{id}'))
      .flatMap(([template, ops]) =>
        Object.entries(ops).map(([method, op]) => {
          const body = minimalBody(
            op.requestBody?.content['application/json']?.schema,
            doc.components.schemas,
          );
          return {
            method: method.toUpperCase(),
            template,
            body: body === undefined ? undefined : JSON.stringify(body),
          };
        }),
      );
  });

  const send = (route: Route & { body: string | undefined }, id: string, key: string): RawRequest => ({
    method: route.method,
    target: route.template.replace('{id}', id),
    headers: route.body === undefined ? asKey(key) : JSON_HEADERS(key),
    ...(route.body !== undefined ? { body: route.body } : {}),
  });

  const expectNotFound = (res: RawResponse | null, what: string) => {
    expect(res?.status, `${what}: ${res?.body}`).toBe(404);
    const problem = ProblemSchema.parse(JSON.parse(res!.body));
    expect(problem.code, what).toBe('NOT_FOUND');
  };

  it('covers every per-task route', () => {
    const covered = perTask.map((r) => `${r.method} ${r.template}`);
    for (const route of [
      'GET /v1/tasks/{id}',
      'GET /v1/tasks/{id}/result',
      'GET /v1/tasks/{id}/events',
      'GET /v1/tasks/{id}/trace',
      'GET /v1/tasks/{id}/trace/stream',
      'GET /v1/tasks/{id}/audit',
      'POST /v1/tasks/{id}/cancel',
      'POST /v1/tasks/{id}/review',
    ])
      expect(covered).toContain(route);
  });

  it('a task of one tenant is 404 to every key of another, on every per-task route', async () => {
    const tally = new Tally('cross-tenant');
    const acmeKeys = [KEYS.acmeAdmin, KEYS.acmeWriter, KEYS.acmeReader, KEYS.acmeReviewer];
    for (const route of perTask) {
      expectNotFound(
        await probe(tally, send(route, acmeTask, KEYS.globex)),
        `globex ${route.method} ${route.template}`,
      );
      for (const key of acmeKeys) {
        const res = await probe(tally, send(route, globexTask, key));
        // A key without the route's scope is refused before the task is looked up: 403, which says nothing of it.
        if (res?.status === 403) continue;
        expectNotFound(res, `acme ${route.method} ${route.template}`);
      }
    }
    // The owner sees its own task, so the 404s above are about the tenant, not the id.
    expect(
      (
        await rawRequest(port, {
          method: 'GET',
          target: `/v1/tasks/${acmeTask}`,
          headers: asKey(KEYS.acmeReader),
        })
      ).status,
    ).toBe(200);
    // A2A reads the same tasks: another tenant's id is an error, with nothing of the task in it.
    const a2a = await rawRequest(port, {
      method: 'POST',
      target: '/a2a',
      headers: JSON_HEADERS(KEYS.globex),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: acmeTask } }),
    });
    expect(a2a.status).toBe(200);
    expect(JSON.parse(a2a.body)).toMatchObject({ error: expect.anything() });
    expect(a2a.body).not.toContain('fuzz target');
    console.log(tally.line());
    expect(tally.by.crashed).toBe(0);
  });

  it('random well-formed ids are 404 on every per-task route', async () => {
    const tally = new Tally('id guessing');
    const statics = new Set(routes.map((r) => `${r.method} ${r.template}`));
    const arb = fc
      .record({
        route: fc.constantFrom(...perTask),
        id: wellFormedId,
        key: fc.constantFrom(KEYS.acmeAdmin, KEYS.globex),
      })
      .filter(({ route, id }) => !statics.has(`${route.method} ${route.template.replace('{id}', id)}`));
    await fc
      .assert(
        fc.asyncProperty(arb, async ({ route, id, key }) => {
          expectNotFound(
            await probe(tally, send(route, id, key)),
            `${route.method} ${route.template} id=${id}`,
          );
        }),
        runs(300),
      )
      .finally(() => console.log(tally.line()));
    expect(tally.by.crashed).toBe(0);
  });
});
