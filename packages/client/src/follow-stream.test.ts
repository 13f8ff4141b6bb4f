import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatedClock, type Clock } from '@troupe/bus/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { TroupeApiError, TroupeApiErrorCode } from './errors.js';
import type { FollowState, StreamMessage } from './follow-stream.js';

interface Connection {
  n: number;
  lastEventId: string | undefined;
  accept: string | undefined;
  auth: string | undefined;
  url: string | undefined;
}

/** A real HTTP server; `handler` scripts each connection, numbered from 1. */
async function serve(
  handler: (res: ServerResponse, c: Connection, req: IncomingMessage) => void,
): Promise<{ url: string; connections: Connection[] }> {
  const connections: Connection[] = [];
  const server = createServer((req, res) => {
    const c: Connection = {
      n: connections.length + 1,
      lastEventId: req.headers['last-event-id'] as string | undefined,
      accept: req.headers.accept,
      auth: req.headers.authorization,
      url: req.url,
    };
    connections.push(c);
    handler(res, c, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A simulated clock that also says when someone starts waiting on it, and for how long. */
function watchedClock() {
  const sim = createSimulatedClock(1_000);
  const scheduled: number[] = [];
  const waiting: Array<(ms: number) => void> = [];
  const clock: Clock = {
    ...sim,
    setTimeout(fn, ms) {
      const waiter = waiting.shift();
      if (waiter) waiter(ms);
      else scheduled.push(ms);
      return sim.setTimeout(fn, ms);
    },
  };
  /** Resolves with the delay of the next timer the follower sets (no real time passes). */
  const nextTimer = () =>
    new Promise<number>((resolve) => {
      const ms = scheduled.shift();
      if (ms !== undefined) resolve(ms);
      else waiting.push(resolve);
    });
  return { clock, sim, nextTimer };
}

const sseHeaders = { 'content-type': 'text/event-stream' };
const frame = (event: string, data: unknown, id?: number) =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const problem = (
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: 'urn:troupe:problem:x', title: 'x', status, detail, instance: '/' }));
};

const asIs = (m: StreamMessage) => m;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('follow()', () => {
  it('reconnects after a drop once the `retry:` hint has passed on the clock, resuming with Last-Event-ID', async () => {
    const { url, connections } = await serve((res, c) => {
      res.writeHead(200, sseHeaders);
      if (c.n === 1) {
        res.write('retry: 250\n\n');
        res.write(frame('tick', { n: 1 }, 1) + frame('tick', { n: 2 }, 2));
        // Half an event, then the connection dies.
        res.write('id: 3\nevent: ti', () => res.socket?.destroy());
      } else {
        // A repeat of 2 is dropped by the client; the stream goes on after it.
        res.write(frame('tick', { n: 2 }, 2) + frame('tick', { n: 3 }, 3));
        res.end(frame('end', { status: 'done' }));
      }
    });
    const { clock, sim, nextTimer } = watchedClock();
    const states: FollowState[] = [];
    const client = createClient({ baseUrl: url, apiKey: 'k1', clock, reconnectDelayMs: 10_000 });
    const run = collect(client.follow('/v1/things/stream', { parse: asIs, onState: (s) => states.push(s) }));

    expect(await nextTimer()).toBe(250);
    expect(states).toEqual(['connecting', 'live', 'reconnecting']);
    sim.increment(249);
    expect(sim.pendingTimers()).toBe(1);
    sim.increment(1);
    expect(sim.pendingTimers()).toBe(0);
    const got = await run;

    expect(got.map((m) => [m.id, m.event, JSON.parse(m.data)])).toEqual([
      [1, 'tick', { n: 1 }],
      [2, 'tick', { n: 2 }],
      [3, 'tick', { n: 3 }],
    ]);
    expect(connections.map((c) => c.lastEventId)).toEqual([undefined, '2']);
    expect(connections[0]).toMatchObject({ accept: 'text/event-stream', auth: 'Bearer k1' });
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    expect(sim.pendingTimers()).toBe(0);
  });

  it('starts after the given lastEventId and passes over events its parser does not know', async () => {
    const { url, connections } = await serve((res) => {
      res.writeHead(200, sseHeaders);
      res.end(
        frame('tick', {}, 7) +
          frame('tick', {}, 8) +
          frame('other', {}, 9) +
          ': keep-alive\n\n' +
          frame('tick', {}, 10) +
          frame('end', {}),
      );
    });
    const client = createClient({ baseUrl: url, clock: createSimulatedClock() });
    const ids = await collect(
      client.follow('/s', {
        lastEventId: 7,
        parse: (m) => (m.event === 'tick' ? m.id : undefined),
      }),
    );
    expect(ids).toEqual([8, 10]);
    expect(connections.map((c) => c.lastEventId)).toEqual(['7']);
  });

  it('stops at `event: end` without reconnecting', async () => {
    const { url, connections } = await serve((res) => {
      res.writeHead(200, sseHeaders);
      // The server keeps the response open: the client still stops reading at `end`.
      res.write(frame('tick', {}, 1) + frame('end', { status: 'completed' }) + frame('tick', {}, 2));
    });
    const { clock, sim } = watchedClock();
    const client = createClient({ baseUrl: url, clock });
    const got = await collect(client.follow('/s', { parse: (m) => m.id }));
    expect(got).toEqual([1]);
    expect(connections).toHaveLength(1);
    expect(sim.pendingTimers()).toBe(0);
  });

  it('throws a 401 at once (an API restarted with other keys must surface), and a 403 and 404 too', async () => {
    let status = 401;
    const { url, connections } = await serve((res) => problem(res, status, 'The API key is not valid.'));
    const { clock, sim } = watchedClock();
    const client = createClient({ baseUrl: url, clock, maxReconnects: Infinity });
    for (const [s, code] of [
      [401, TroupeApiErrorCode.Unauthorized],
      [403, TroupeApiErrorCode.Forbidden],
      [404, TroupeApiErrorCode.NotFound],
    ] as const) {
      status = s;
      connections.length = 0;
      const states: FollowState[] = [];
      const err = await collect(client.follow('/s', { parse: asIs, onState: (x) => states.push(x) })).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TroupeApiError);
      expect((err as TroupeApiError).code).toBe(code);
      expect((err as TroupeApiError).status).toBe(s);
      expect((err as TroupeApiError).problem?.detail).toBe('The API key is not valid.');
      expect(connections).toHaveLength(1);
      expect(states).toEqual(['connecting']);
      expect(sim.pendingTimers()).toBe(0);
    }
  });

  it('retries 408, 429 and 5xx, waiting for Retry-After when the server sends one', async () => {
    const { url, connections } = await serve((res, c) => {
      if (c.n === 1) return problem(res, 503, 'starting', { 'retry-after': '3' });
      if (c.n === 2) return problem(res, 429, 'slow down');
      if (c.n === 3) return problem(res, 408, 'timeout');
      res.writeHead(200, sseHeaders);
      res.end(frame('tick', {}, 1) + frame('end', {}));
    });
    const { clock, sim, nextTimer } = watchedClock();
    const states: FollowState[] = [];
    const client = createClient({ baseUrl: url, clock, reconnectDelayMs: 40 });
    const run = collect(client.follow('/s', { parse: (m) => m.id, onState: (s) => states.push(s) }));
    expect(await nextTimer()).toBe(3_000);
    sim.increment(3_000);
    expect(await nextTimer()).toBe(40);
    sim.increment(40);
    expect(await nextTimer()).toBe(40);
    sim.increment(40);
    expect(await run).toEqual([1]);
    expect(connections).toHaveLength(4);
    expect(states).toEqual(['connecting', 'reconnecting', 'live']);
  });

  it('gives up after maxReconnects failures in a row, counting afresh after each event handed out', async () => {
    const { url, connections } = await serve((res, c) => {
      res.writeHead(200, sseHeaders);
      // Connections 1 and 3 each hand out an event; every other one drops at once.
      res.end(c.n === 1 || c.n === 3 ? frame('tick', {}, c.n) : '');
    });
    const { clock, sim, nextTimer } = watchedClock();
    const client = createClient({ baseUrl: url, clock, maxReconnects: 2, reconnectDelayMs: 5 });
    const got: Array<number | undefined> = [];
    const run = (async () => {
      for await (const id of client.follow('/s', { parse: (m) => m.id })) got.push(id);
    })().catch((e: unknown) => e);
    // 1 → drop, 2 → drop, 3 (event) → drop, 4 → drop, 5 → drop: the third failure in a row gives up.
    for (let i = 0; i < 4; i++) {
      await nextTimer();
      sim.increment(5);
    }
    const err = (await run) as TroupeApiError;
    expect(err.code).toBe(TroupeApiErrorCode.Network);
    expect(err.message).toMatch(/GET \/s failed 3 times in a row/);
    expect(got).toEqual([1, 3]);
    expect(connections).toHaveLength(5);
  });

  it('refuses a 200 that is not an event stream (a proxy page, a route that is not there)', async () => {
    const { url, connections } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    const client = createClient({ baseUrl: url, clock: createSimulatedClock() });
    const err = (await collect(client.follow('/s', { parse: asIs })).catch(
      (e: unknown) => e,
    )) as TroupeApiError;
    expect(err.code).toBe(TroupeApiErrorCode.InvalidResponse);
    expect(err.message).toBe('GET /s answered 200 with text/html, not an event stream');
    expect(connections).toHaveLength(1);
  });

  it('names the stream when an event does not parse', async () => {
    const { url } = await serve((res) => {
      res.writeHead(200, sseHeaders);
      res.end('id: 4\nevent: tick\ndata: {not json\n\n');
    });
    const client = createClient({ baseUrl: url, clock: createSimulatedClock() });
    const err = (await collect(
      client.follow('/v1/things/stream', { parse: (m) => JSON.parse(m.data) as unknown }),
    ).catch((e: unknown) => e)) as TroupeApiError;
    expect(err.code).toBe(TroupeApiErrorCode.InvalidResponse);
    expect(err.message).toMatch(/^GET \/v1\/things\/stream sent a "tick" event \(id 4\)/);
  });

  it('stops with ABORTED while waiting to reconnect, and closes the connection when the caller stops', async () => {
    let followerGone!: () => void;
    const gone = new Promise<void>((resolve) => (followerGone = resolve));
    const { url } = await serve((res, c) => {
      if (c.n === 2) res.on('close', followerGone);
      res.writeHead(200, sseHeaders);
      if (c.n === 1) res.end();
      else res.write(frame('tick', {}, 1) + frame('tick', {}, 2));
    });
    const { clock, sim, nextTimer } = watchedClock();
    const client = createClient({ baseUrl: url, clock });

    const controller = new AbortController();
    const aborted = collect(client.follow('/s', { parse: asIs, signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    await nextTimer();
    controller.abort();
    expect(((await aborted) as TroupeApiError).code).toBe(TroupeApiErrorCode.Aborted);
    expect(sim.pendingTimers()).toBe(0);

    for await (const id of client.follow('/s', { parse: (m) => m.id })) {
      expect(id).toBe(1);
      break;
    }
    // The server sees the response closed: nothing is left reading it.
    await gone;
  });
});
