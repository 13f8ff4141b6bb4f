import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatedClock } from '@troupe/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolRegistry } from '../registry.js';
import type { ToolCallOutcome } from '../tool.js';
import { createHttpFetchTool } from './http-fetch.js';

describe('http_fetch', () => {
  let server: Server;
  let base: string;
  let port: number;
  const slowRequestClosed: Promise<void>[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      switch (req.url) {
        case '/hello':
          res
            .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
            .end('héllo from the test server');
          return;
        case '/json':
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not here"}');
          return;
        case '/big':
          res.writeHead(200, { 'content-type': 'text/plain' });
          for (let i = 0; i < 64; i++) res.write('y'.repeat(1024));
          res.end();
          return;
        case '/redirect-inside':
          res.writeHead(302, { location: '/hello' }).end();
          return;
        case '/redirect-outside':
          res.writeHead(302, { location: `http://localhost:${port}/hello` }).end();
          return;
        case '/slow':
          slowRequestClosed.push(new Promise((resolve) => req.on('close', () => resolve())));
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
          return;
        default:
          res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const registryFor = (allowHosts: string[], maxBytes?: number) =>
    createToolRegistry([createHttpFetchTool({ allowHosts, ...(maxBytes ? { maxBytes } : {}) })]);

  it('fetches from an allowed host and returns status, content type and text', async () => {
    const outcome = await registryFor(['127.0.0.1']).call('http_fetch', { url: `${base}/hello` });
    expect(outcome).toMatchObject({
      ok: true,
      value: {
        url: `${base}/hello`,
        status: 200,
        contentType: 'text/plain; charset=utf-8',
        text: 'héllo from the test server',
        truncated: false,
      },
    });
    expect(
      await registryFor([`127.0.0.1:${port}`]).call('http_fetch', { url: `${base}/json` }),
    ).toMatchObject({
      ok: true,
      value: { status: 404, contentType: 'application/json', text: '{"error":"not here"}' },
    });
  });

  it.each([
    [
      'a host not on the list',
      'https://example.com/',
      /Host "example.com" is not on the allowlist; allowed: 127.0.0.1/,
    ],
    ['a similar-looking host', 'http://127.0.0.1.evil.test/', /not on the allowlist/],
    ['a non-http scheme', 'file:///etc/passwd', /Only http and https/],
  ])('refuses %s with FORBIDDEN', async (_what, url, message) => {
    const outcome = await registryFor(['127.0.0.1']).call('http_fetch', { url });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: expect.stringMatching(message) },
    });
  });

  it('refuses a port the allowlist does not name', async () => {
    expect(await registryFor(['127.0.0.1:1']).call('http_fetch', { url: `${base}/hello` })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('matches wildcard entries against subdomains only', async () => {
    const outcome = await registryFor(['*.example.org']).call('http_fetch', { url: 'https://example.org/' });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('follows redirects on the allowlist and refuses those that leave it', async () => {
    const registry = registryFor(['127.0.0.1']);
    expect(await registry.call('http_fetch', { url: `${base}/redirect-inside` })).toMatchObject({
      ok: true,
      value: { url: `${base}/hello`, text: 'héllo from the test server' },
    });
    expect(await registry.call('http_fetch', { url: `${base}/redirect-outside` })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: expect.stringMatching(/localhost/) },
    });
  });

  it('caps the body size', async () => {
    const outcome = await registryFor(['127.0.0.1'], 10_000).call('http_fetch', { url: `${base}/big` });
    expect(outcome).toMatchObject({ ok: true, value: { status: 200, bytes: 10_000, truncated: true } });
    expect(outcome.ok && (outcome.value as { text: string }).text).toBe('y'.repeat(10_000));
  });

  it('rejects an invalid URL as INVALID_ARGUMENTS', async () => {
    expect(await registryFor(['127.0.0.1']).call('http_fetch', { url: 'not a url' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENTS' },
    });
  });

  it('times out on the registry clock and aborts the request', async () => {
    const clock = createSimulatedClock();
    const registry = createToolRegistry(
      [createHttpFetchTool({ allowHosts: ['127.0.0.1'], timeoutMs: 3_000 })],
      { clock },
    );
    let outcome: ToolCallOutcome | undefined;
    const done = registry.call('http_fetch', { url: `${base}/slow` }).then((o) => (outcome = o));
    while (slowRequestClosed.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(outcome).toBeUndefined();
    clock.increment(3_000);
    await done;
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    await slowRequestClosed[0];
  });

  it('validates its options', () => {
    expect(() => createHttpFetchTool({ allowHosts: ['http://example.com/'] })).toThrow(
      /option "allowHosts\[0\]"/,
    );
  });
});
