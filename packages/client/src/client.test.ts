import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatedClock, type Clock } from '@troupe/bus/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type TaskListUpdate } from './client.js';
import { TroupeApiError, TroupeApiErrorCode } from './errors.js';
import type { FollowState } from './follow-stream.js';
import type { Fleet, UsageReport, WhoAmI } from './live-schemas.js';
import type { TaskSummary, TraceSpan } from './schemas.js';

/** A real HTTP server whose answers each test scripts. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const fastClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn) {
    queueMicrotask(fn);
    return { id: 0 };
  },
  clearTimeout: () => undefined,
};

const event = (seq: number, type: string) =>
  `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ v: 1, taskId: 't1', type, at: seq, data: {} })}\n\n`;

describe('createClient', () => {
  it('names the option at fault', () => {
    expect(() => createClient({ baseUrl: 'not a url' })).toThrow(/createClient: "baseUrl"/);
    expect(() => createClient({ baseUrl: 'http://x', apiKey: '' })).toThrow(/"apiKey"/);
    expect(() => createClient({ baseUrl: 'http://x', maxReconnects: -1 })).toThrow(/"maxReconnects"/);
    expect(() => createClient({ baseUrl: 'http://x', maxReconnects: 1.5 })).toThrow(/"maxReconnects"/);
    expect(() => createClient({ baseUrl: 'http://x', maxReconnects: Infinity })).not.toThrow();
  });

  it('sends the key, keeps a base path, and maps problem+json to TroupeApiError', async () => {
    const seen: Array<{ url?: string; auth?: string | undefined }> = [];
    const { url, server } = await serve((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '7' });
      res.end(
        JSON.stringify({
          type: 'urn:troupe:problem:rate-limited',
          title: 'Too many',
          status: 429,
          detail: 'slow down',
          instance: '/x',
        }),
      );
    });
    servers.push(server);
    const client = createClient({ baseUrl: `${url}/prefix/`, apiKey: 'secret-key' });
    const err = (await client.get('t1').catch((e: unknown) => e)) as TroupeApiError;
    expect(err).toBeInstanceOf(TroupeApiError);
    expect(err.code).toBe(TroupeApiErrorCode.RateLimited);
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.retryable).toBe(true);
    expect(err.problem?.detail).toBe('slow down');
    expect(err.message).toContain('slow down');
    expect(seen[0]).toEqual({ url: '/prefix/v1/tasks/t1', auth: 'Bearer secret-key' });
  });

  it('reports a body that does not match the schema, and a non-JSON error body', async () => {
    let call = 0;
    const { url, server } = await serve((_req, res) => {
      call++;
      if (call === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 't1' }));
      } else {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>bad gateway</h1>');
      }
    });
    servers.push(server);
    const client = createClient({ baseUrl: url });
    const invalid = (await client.get('t1').catch((e: unknown) => e)) as TroupeApiError;
    expect(invalid.code).toBe(TroupeApiErrorCode.InvalidResponse);
    expect(invalid.message).toMatch(/workflow/);
    const gateway = (await client.get('t1').catch((e: unknown) => e)) as TroupeApiError;
    expect(gateway.code).toBe(TroupeApiErrorCode.ServerError);
    expect(gateway.problem).toBeUndefined();
    expect(gateway.message).toContain('bad gateway');
  });

  it('events() resumes after a drop with Last-Event-ID, without repeats, and ends at the final event', async () => {
    const lastIds: Array<string | undefined> = [];
    const { url, server } = await serve((req, res) => {
      const last = req.headers['last-event-id'] as string | undefined;
      lastIds.push(last);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (last === undefined) {
        res.write('retry: 250\n\n');
        res.write(event(1, 'task.started') + event(2, 'step.dispatched'));
        // Half an event, then the connection dies.
        res.write('id: 3\nevent: step.succ', () => res.socket?.destroy());
      } else {
        // The server replays from after the id it was given; a repeat of 2 would be dropped by the client anyway.
        res.write(event(2, 'step.dispatched') + event(3, 'step.succeeded') + event(4, 'task.completed'));
        res.write(event(5, 'never.read'));
      }
    });
    servers.push(server);
    const delays: number[] = [];
    const clock: Clock = {
      ...fastClock,
      setTimeout: (fn, ms) => (delays.push(ms), fastClock.setTimeout(fn, ms)),
    };
    const client = createClient({ baseUrl: url, clock });
    const got: Array<[number, string]> = [];
    for await (const m of client.events('t1')) got.push([m.id, m.event.type]);
    expect(got).toEqual([
      [1, 'task.started'],
      [2, 'step.dispatched'],
      [3, 'step.succeeded'],
      [4, 'task.completed'],
    ]);
    expect(lastIds).toEqual([undefined, '2']);
    expect(delays).toEqual([250]);
  });

  it('events() ends on `event: end`, gives up after maxReconnects, and does not retry a 404', async () => {
    let mode: 'end' | 'drop' | 'missing' = 'end';
    let connections = 0;
    const { url, server } = await serve((_req, res) => {
      connections++;
      if (mode === 'missing') {
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'urn:troupe:problem:not-found',
            title: 'Not found',
            status: 404,
            detail: 'no task',
            instance: '/',
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (mode === 'end')
        res.end(
          `${event(9, 'task.completed').replace('task.completed', 'step.succeeded')}event: end\ndata: {"status":"completed"}\n\n`,
        );
      else res.end();
    });
    servers.push(server);
    const client = createClient({ baseUrl: url, clock: fastClock, maxReconnects: 2 });
    const ended = [];
    for await (const m of client.events('t1')) ended.push(m.id);
    expect(ended).toEqual([9]);

    mode = 'drop';
    connections = 0;
    const failure = await (async () => {
      for await (const _ of client.events('t1')) {
        // nothing arrives
      }
    })().catch((e: unknown) => e);
    expect((failure as TroupeApiError).code).toBe(TroupeApiErrorCode.Network);
    expect(connections).toBe(3);

    mode = 'missing';
    connections = 0;
    const missing = await (async () => {
      for await (const _ of client.events('t1')) {
        // nothing arrives
      }
    })().catch((e: unknown) => e);
    expect((missing as TroupeApiError).code).toBe(TroupeApiErrorCode.NotFound);
    expect(connections).toBe(1);
  });
});

const summary = (id: string, status: TaskSummary['status'] = 'running'): TaskSummary => ({
  id,
  workflow: 'report',
  status,
  createdAt: 1,
  updatedAt: 2,
  endedAt: status === 'completed' ? 3 : null,
  metadata: {},
  usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.01 },
  steps: { total: 4, succeeded: 1, running: 1, failed: 0 },
  links: { self: `/v1/tasks/${id}` },
});

const span = (spanId: string, phase?: 'started' | 'ended'): TraceSpan => ({
  traceId: 'tr1',
  spanId,
  name: 'agent.step',
  service: 'troupe-agent',
  kind: 'internal',
  start: 100,
  durationMs: 20,
  status: 'ok',
  attrs: { 'troupe.task.id': 't1' },
  ...(phase ? { phase } : {}),
});

const fleetAt = (at: number): Fleet => ({
  at,
  members: [
    {
      id: 'agent-1',
      kind: 'agent',
      roles: ['researcher'],
      host: 'h1',
      pid: null,
      state: 'busy',
      inFlight: 1,
      concurrency: 4,
      lastHeartbeat: at - 500,
      startedAt: 0,
      version: '0.1.0',
      handled: 12,
      perMinute: null,
    },
  ],
});

const sse = (event: string, data: unknown, id?: number) =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

describe('the dashboard calls', () => {
  it('whoami(), fleet() and usage() read their schemas; usage() sends its query', async () => {
    const me: WhoAmI = { tenant: 'acme', name: 'ops', scopes: ['tasks:read'], workflows: null, open: false };
    const report: UsageReport = {
      since: 0,
      until: 3_600_000,
      bucketMs: 60_000,
      rows: [
        {
          start: 0,
          workflow: 'report',
          role: 'writer',
          model: 'openai:gpt-4o',
          steps: 2,
          inputTokens: 100,
          outputTokens: 50,
          costUsd: 0.2,
        },
      ],
    };
    const urls: Array<string | undefined> = [];
    const { url, server } = await serve((req, res) => {
      urls.push(req.url);
      const path = new URL(req.url!, 'http://x').pathname;
      const body = path === '/v1/whoami' ? me : path === '/v1/fleet' ? fleetAt(5) : report;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    servers.push(server);
    const client = createClient({ baseUrl: url });
    expect(await client.whoami()).toEqual(me);
    expect(await client.fleet()).toEqual(fleetAt(5));
    expect(await client.usage({ since: 0, until: 3_600_000, bucketMs: 60_000 })).toEqual(report);
    expect(await client.usage()).toEqual(report);
    expect(urls).toEqual([
      '/v1/whoami',
      '/v1/fleet',
      '/v1/usage?since=0&until=3600000&bucketMs=60000',
      '/v1/usage',
    ]);
  });

  it('taskUpdates() hands out tasks, synced and removed, and after a reconnect the whole list again', async () => {
    const seen: Array<{ url?: string; lastEventId?: string | string[] }> = [];
    const { url, server } = await serve((req, res) => {
      seen.push({ url: req.url, lastEventId: req.headers['last-event-id'] });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.write('retry: 100\n\n');
        res.write(sse('task', summary('t2')) + sse('task', summary('t1')) + sse('synced', { count: 2 }));
        res.write(sse('task', summary('t2', 'completed')) + sse('removed', { id: 't1' }), () =>
          res.socket?.destroy(),
        );
      } else {
        res.write(sse('task', summary('t2', 'completed')) + sse('synced', { count: 1 }));
      }
    });
    servers.push(server);
    const clock = createSimulatedClock();
    const client = createClient({ baseUrl: url, clock, maxReconnects: Infinity });
    const states: FollowState[] = [];
    const got: TaskListUpdate[] = [];
    let resolveSecondSync!: () => void;
    const secondSync = new Promise<void>((r) => (resolveSecondSync = r));
    const controller = new AbortController();
    const run = (async () => {
      for await (const u of client.taskUpdates({
        limit: 50,
        lastEventId: 9,
        signal: controller.signal,
        onState: (s) => {
          states.push(s);
          // The reconnect waits on the simulated clock: move it past the server's hint.
          if (s === 'reconnecting') queueMicrotask(() => clock.increment(100));
        },
      })) {
        got.push(u);
        if (got.filter((x) => x.type === 'synced').length === 2) resolveSecondSync();
      }
    })().catch((e: unknown) => e);
    await secondSync;
    controller.abort();
    expect(((await run) as TroupeApiError).code).toBe(TroupeApiErrorCode.Aborted);

    const brief = got.map((u) =>
      u.type === 'task'
        ? `task ${u.task.id} ${u.task.status}`
        : u.type === 'removed'
          ? `removed ${u.id}`
          : `synced ${u.count}`,
    );
    expect(brief).toEqual([
      'task t2 running',
      'task t1 running',
      'synced 2',
      'task t2 completed',
      'removed t1',
      'task t2 completed',
      'synced 1',
    ]);
    expect(got[0]).toEqual({ type: 'task', task: summary('t2') });
    // No ids on this stream: nothing to resume after, each connection asks for the whole list.
    expect(seen).toEqual([
      { url: '/v1/tasks/stream?limit=50', lastEventId: undefined },
      { url: '/v1/tasks/stream?limit=50', lastEventId: undefined },
    ]);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('spans() resumes after the last span seen, and ends with the stream', async () => {
    const lastIds: Array<string | undefined> = [];
    const { url, server } = await serve((req, res) => {
      expect(req.url).toBe('/v1/tasks/t1/trace/stream');
      lastIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (lastIds.length === 1) {
        res.write(sse('span', span('s1'), 1001) + sse('span', span('s2', 'started'), 1002), () =>
          res.socket?.destroy(),
        );
      } else {
        res.end(sse('span', span('s2', 'ended'), 2000) + sse('end', {}));
      }
    });
    servers.push(server);
    const client = createClient({ baseUrl: url, clock: fastClock });
    const got = [];
    for await (const m of client.spans('t1')) got.push(m);
    expect(got).toEqual([
      { id: 1001, span: span('s1') },
      { id: 1002, span: span('s2', 'started') },
      { id: 2000, span: span('s2', 'ended') },
    ]);
    expect(lastIds).toEqual([undefined, '1002']);
  });

  it('fleetUpdates() hands out each fleet; a bad one is INVALID_RESPONSE naming the stream', async () => {
    let bad = false;
    const { url, server } = await serve((req, res) => {
      expect(req.url).toBe('/v1/fleet/stream');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (bad) res.end(sse('fleet', { at: 1, members: [{ id: 'x' }] }));
      else res.end(sse('fleet', fleetAt(1)) + sse('fleet', fleetAt(2)) + sse('end', {}));
    });
    servers.push(server);
    const client = createClient({ baseUrl: url, clock: fastClock });
    const fleets = [];
    for await (const f of client.fleetUpdates()) fleets.push(f);
    expect(fleets).toEqual([fleetAt(1), fleetAt(2)]);

    bad = true;
    const err = (await (async () => {
      for await (const _ of client.fleetUpdates()) {
        // the first event is already wrong
      }
    })().catch((e: unknown) => e)) as TroupeApiError;
    expect(err.code).toBe(TroupeApiErrorCode.InvalidResponse);
    expect(err.message).toMatch(
      /^GET \/v1\/fleet\/stream sent a "fleet" event that does not match the API schema: members\.0\./,
    );
  });

  it('a task event or span that breaks its schema ends the stream with INVALID_RESPONSE', async () => {
    const { url, server } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url!.endsWith('/events')) res.end(sse('task.started', { v: 1, taskId: 't1' }, 1));
      else res.end(sse('span', { ...span('s1'), start: 'soon' }, 1));
    });
    servers.push(server);
    const client = createClient({ baseUrl: url, clock: fastClock });
    const drain = async (it: AsyncIterable<unknown>) => {
      for await (const _ of it) {
        // fails on the first event
      }
    };
    const events = (await drain(client.events('t1')).catch((e: unknown) => e)) as TroupeApiError;
    expect(events.code).toBe(TroupeApiErrorCode.InvalidResponse);
    expect(events.message).toMatch(/^GET \/v1\/tasks\/t1\/events sent a "task.started" event \(id 1\)/);
    const spans = (await drain(client.spans('t1')).catch((e: unknown) => e)) as TroupeApiError;
    expect(spans.code).toBe(TroupeApiErrorCode.InvalidResponse);
    expect(spans.message).toMatch(/^GET \/v1\/tasks\/t1\/trace\/stream sent a "span" event \(id 1\).*start/);
  });
});
