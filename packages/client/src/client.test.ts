import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@troupe/bus/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { TroupeApiError, TroupeApiErrorCode } from './errors.js';

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
