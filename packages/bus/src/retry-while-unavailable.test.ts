import { describe, expect, it } from 'vitest';
import { createSimulatedClock } from './clock.js';
import { BusError, BusErrorCode } from './errors.js';
import { isUnavailable, retryWhileUnavailable } from './retry-while-unavailable.js';

const timeout = () => Object.assign(new Error('timeout'), { name: 'TimeoutError' });

describe('retryWhileUnavailable', () => {
  it('tries again, 250 ms then twice as long, while JetStream cannot answer; anything else is thrown at once', async () => {
    const clock = createSimulatedClock(0);
    const failures = [timeout(), new Error('JetStream system temporarily unavailable')];
    const tries: number[] = [];
    const done = retryWhileUnavailable(
      async () => {
        tries.push(clock.now());
        const failure = failures.shift();
        if (failure) throw failure;
        return 'answered';
      },
      { clock },
    );
    // Each pause is a timer on the simulated clock: let the request fail, then move the clock past it.
    for (const wait of [250, 500]) {
      await expect.poll(() => clock.pendingTimers()).toBe(1);
      clock.increment(wait);
    }
    await expect(done).resolves.toBe('answered');
    expect(tries).toEqual([0, 250, 750]);

    await expect(
      retryWhileUnavailable(() => Promise.reject(new Error('permissions violation')), { clock }),
    ).rejects.toThrow('permissions violation');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives up after its attempts with the last error', async () => {
    const clock = createSimulatedClock(0);
    const done = retryWhileUnavailable(() => Promise.reject(timeout()), { attempts: 2, clock });
    await expect.poll(() => clock.pendingTimers()).toBe(1);
    clock.increment(250);
    await expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('counts a dropped connection as unavailable, a refusal not', () => {
    expect(isUnavailable(new BusError(BusErrorCode.Disconnected, 'the connection dropped'))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('no responders'), { name: 'NoRespondersError' }))).toBe(
      true,
    );
    expect(isUnavailable(new BusError(BusErrorCode.TopologyMissing, 'missing'))).toBe(false);
    expect(isUnavailable(new Error('stream not found'))).toBe(false);
  });

  it("reads nats.js's wrapped errors and the server's 503, and not every message that says timeout", () => {
    const requestError = (cause: Error) =>
      Object.assign(new Error('request error', { cause }), { name: 'RequestError' });
    expect(isUnavailable(requestError(timeout()))).toBe(true);
    expect(
      isUnavailable(
        requestError(Object.assign(new Error("no responders: '$JS.API.INFO'"), { name: 'NoResponders' })),
      ),
    ).toBe(true);
    const apiError = (description: string, status: number) =>
      Object.assign(new Error(description), { name: 'JetStreamApiError', status });
    expect(isUnavailable(apiError('jetstream system temporarily unavailable', 503))).toBe(true);
    expect(isUnavailable(new Error('JetStream not ready'))).toBe(true);
    expect(
      isUnavailable(Object.assign(new Error('no responders'), { name: 'JetStreamStatusError', code: 503 })),
    ).toBe(true);
    expect(isUnavailable(apiError('consumer ack_wait timeout must be positive', 400))).toBe(false);
    expect(isUnavailable(new Error('invalid option "timeoutMs"'))).toBe(false);
  });
});
