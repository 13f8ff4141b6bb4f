import { describe, expect, it } from 'vitest';
import { BusErrorCode } from './errors.js';
import { ReconnectGuard } from './reconnect-guard.js';

/** A status stream the test drives: `emit('reconnect')` is a connection coming back. */
function statusStream() {
  const queued: Array<{ type: string }> = [];
  let wake: (() => void) | undefined;
  return {
    emit(type: string) {
      queued.push({ type });
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queued.length > 0) yield queued.shift()!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** A request the test answers when it likes. */
function pendingRequest() {
  let answer!: { resolve: (v: string) => void; reject: (e: Error) => void };
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    answer: () => answer,
    request: () => {
      sent++;
      return new Promise<string>((resolve, reject) => (answer = { resolve, reject }));
    },
  };
}

/** A guard on a driven status stream, and one request for it to run. */
function guarded() {
  const statuses = statusStream();
  return { statuses, guard: new ReconnectGuard(statuses), pending: pendingRequest() };
}

/** Lets the status loop and the promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReconnectGuard', () => {
  it('without a reconnect, a request settles as it does', async () => {
    const guard = new ReconnectGuard(statusStream());
    const ok = pendingRequest();
    const done = guard.run(ok.request, 'put a');
    ok.answer().resolve('stored');
    await expect(done).resolves.toBe('stored');

    const failing = pendingRequest();
    const failed = guard.run(failing.request, 'update a');
    failing.answer().reject(new Error('wrong last sequence'));
    await expect(failed).rejects.toThrow('wrong last sequence');
  });

  it('a request in flight when the connection drops fails with DISCONNECTED at once, and is not sent again', async () => {
    const { statuses, guard, pending } = guarded();
    const done = guard.run(pending.request, 'publish to troupe.work.x');
    statuses.emit('disconnect');
    await expect(done).rejects.toMatchObject({
      code: BusErrorCode.Disconnected,
      message: expect.stringContaining('publish to troupe.work.x: the connection dropped'),
    });
    // A late answer (on the new connection) changes nothing.
    statuses.emit('reconnect');
    pending.answer().resolve('stored');
    await settle();
    expect(pending.sent).toBe(1);
  });

  it('while the connection is down a request fails without being sent; once it is back, requests go', async () => {
    const statuses = statusStream();
    const guard = new ReconnectGuard(statuses);
    statuses.emit('disconnect');
    await settle();
    const down = pendingRequest();
    await expect(guard.run(down.request, 'get a')).rejects.toMatchObject({
      code: BusErrorCode.Disconnected,
      message: expect.stringContaining('not connected'),
    });
    expect(down.sent).toBe(0);
    statuses.emit('reconnecting');
    statuses.emit('reconnect');
    await settle();
    const up = pendingRequest();
    const done = guard.run(up.request, 'get a');
    up.answer().resolve('value');
    await expect(done).resolves.toBe('value');
  });

  it('a request that settled before the connection dropped keeps its outcome', async () => {
    const { statuses, guard, pending: early } = guarded();
    const earlyDone = guard.run(early.request, 'get a');
    early.answer().resolve('value');
    await expect(earlyDone).resolves.toBe('value');
    statuses.emit('disconnect');
    await settle();
    await expect(earlyDone).resolves.toBe('value');
  });

  it('onReconnect calls its listener at every reconnect until it is removed', async () => {
    const statuses = statusStream();
    const guard = new ReconnectGuard(statuses);
    let calls = 0;
    const stop = guard.onReconnect(() => calls++);
    statuses.emit('reconnect');
    statuses.emit('disconnect');
    statuses.emit('reconnect');
    await settle();
    expect(calls).toBe(2);
    stop();
    statuses.emit('reconnect');
    await settle();
    expect(calls).toBe(2);
  });

  it('a request that throws before it is sent fails with that error', async () => {
    const guard = new ReconnectGuard(statusStream());
    await expect(
      guard.run(() => {
        throw new Error('connection closed');
      }, 'get a'),
    ).rejects.toThrow('connection closed');
  });
});
