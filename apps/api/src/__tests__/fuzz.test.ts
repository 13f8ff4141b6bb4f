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
  console.log(tally.line());
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
    await fc.assert(requestProperty(tally, anyRequest()), runs(400)).catch((err: unknown) => {
      console.log(tally.line());
      throw err;
    });
    await settle(tally);
  });
});
