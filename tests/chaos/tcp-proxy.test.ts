import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startTcpProxy } from './tcp-proxy.js';

/** An echo server on a random port of 127.0.0.1. */
async function echoServer() {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    async [Symbol.asyncDispose]() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function roundTrip(port: number, text: string) {
  const socket = createConnection({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write(text);
  const [data] = (await once(socket, 'data')) as [Buffer];
  return { socket, echoed: data.toString() };
}

describe('startTcpProxy', () => {
  it('forwards both ways, cuts every open connection on command, and accepts new ones after', async () => {
    await using echo = await echoServer();
    await using proxy = await startTcpProxy(echo.port);
    const first = await roundTrip(proxy.port, 'hello');
    expect(first.echoed).toBe('hello');
    expect(proxy.open).toBe(1);

    const closed = once(first.socket, 'close');
    expect(proxy.cut()).toBe(1);
    await closed;
    expect(proxy.open).toBe(0);

    const second = await roundTrip(proxy.port, 'again');
    expect(second.echoed).toBe('again');
    second.socket.destroy();
  });
});
