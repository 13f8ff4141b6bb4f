import { describe, expect, it } from 'vitest';
import { ReconnectRetry } from './reconnect-retry.js';

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

/** A request whose attempts the test answers one by one. */
function scriptedRequest() {
  const attempts: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  return {
    attempts,
    request: () => new Promise<string>((resolve, reject) => attempts.push({ resolve, reject })),
  };
}

/** A retry on a driven status stream, already running one scripted request. */
function runScripted() {
  const statuses = statusStream();
  const retry = new ReconnectRetry(statuses);
  const { attempts, request } = scriptedRequest();
  return { statuses, retry, attempts, done: retry.run(request) };
}

/** Lets the status loop and the promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReconnectRetry', () => {
  it('without a reconnect, a request is sent once and settles as it does', async () => {
    const retry = new ReconnectRetry(statusStream());
    const ok = scriptedRequest();
    const done = retry.run(ok.request);
    ok.attempts[0]!.resolve('stored');
    await expect(done).resolves.toBe('stored');

    const failing = scriptedRequest();
    const failed = retry.run(failing.request);
    failing.attempts[0]!.reject(new Error('wrong last sequence'));
    await expect(failed).rejects.toThrow('wrong last sequence');
    expect(failing.attempts).toHaveLength(1);
  });

  it('a request still waiting when the connection comes back is sent again; the first answer wins', async () => {
    const { statuses, attempts, done } = runScripted();
    statuses.emit('disconnect');
    statuses.emit('reconnect');
    await settle();
    expect(attempts).toHaveLength(2);
    // The first attempt was lost with the old connection; the second is answered.
    attempts[1]!.resolve('stored');
    await expect(done).resolves.toBe('stored');
    // The lost one timing out later changes nothing.
    attempts[0]!.reject(new Error('timeout'));
    await settle();
  });

  it('a success of the earlier attempt counts; a failure of it does not while a later one waits', async () => {
    const { statuses, retry, attempts, done } = runScripted();
    statuses.emit('reconnect');
    await settle();
    attempts[0]!.reject(new Error('timeout'));
    await settle();
    attempts[1]!.reject(new Error('wrong last sequence'));
    await expect(done).rejects.toThrow('wrong last sequence');

    const other = scriptedRequest();
    const second = retry.run(other.request);
    statuses.emit('reconnect');
    await settle();
    other.attempts[0]!.resolve('stored by the first');
    await expect(second).resolves.toBe('stored by the first');
  });

  it('sends a request at most three times, and not again once it has settled', async () => {
    const { statuses, retry, attempts, done } = runScripted();
    for (let i = 0; i < 4; i++) {
      statuses.emit('reconnect');
      await settle();
    }
    expect(attempts).toHaveLength(3);
    attempts[2]!.resolve('stored');
    await expect(done).resolves.toBe('stored');

    const answered = scriptedRequest();
    const first = retry.run(answered.request);
    answered.attempts[0]!.resolve('stored');
    await first;
    statuses.emit('reconnect');
    await settle();
    expect(answered.attempts).toHaveLength(1);
  });

  it('a request that throws before it is sent fails with that error', async () => {
    const retry = new ReconnectRetry(statusStream());
    await expect(
      retry.run(() => {
        throw new Error('connection closed');
      }),
    ).rejects.toThrow('connection closed');
  });
});
