import type { Clock } from '@troupe/bus';
import {
  createClient,
  isTroupeApiError,
  TroupeApiError,
  TroupeApiErrorCode,
  type TaskEventMessage,
} from '@troupe/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTroupe, TEST_KEYS, type TroupeFixture } from './fixtures/troupe.js';

let troupe: TroupeFixture;

beforeAll(async () => {
  troupe = await startTroupe({ keys: TEST_KEYS });
});

afterAll(async () => {
  await troupe?.[Symbol.asyncDispose]();
});

/** A clock whose timers fire at once, recording the delays asked for. */
function immediateClock(): Clock & { delays: number[] } {
  let id = 0;
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout(fn, ms) {
      delays.push(ms);
      const handle = { id: ++id };
      queueMicrotask(fn);
      return handle;
    },
    clearTimeout: () => undefined,
  };
}

describe('@troupe/client against a running API', () => {
  it('submit → wait → result', async () => {
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const accepted = await client.submit(
      'report',
      { question: 'What is wind?' },
      { metadata: { source: 'client-test' } },
    );
    expect(accepted.status).toBe('queued');
    const task = await client.wait(accepted.id, { timeoutMs: 30_000 });
    expect(task.status).toBe('completed');
    expect(task.metadata['source']).toBe('client-test');
    const result = await client.result(accepted.id);
    expect(result.status).toBe('completed');
    expect((result.result as { document: string }).document).toContain('What is wind?');
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect((await client.workflows()).map((w) => w.name)).toEqual(['ask', 'report', 'gated']);
    const report = (await client.workflows()).find((w) => w.name === 'report')!;
    expect(report.inputSchema).toMatchObject({ type: 'object', required: ['question'] });
  });

  it('events() resumes with Last-Event-ID after the server drops the connection', async () => {
    const clock = immediateClock();
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter, clock });
    const { id } = await client.submit('gated', { question: 'drop me' });
    troupe.gates.release(1);
    const got: TaskEventMessage[] = [];
    let dropped = false;
    for await (const message of client.events(id)) {
      got.push(message);
      if (message.event.type === 'step.succeeded' && !dropped) {
        dropped = true;
        // The server drops every connection, the event stream included; the task goes on meanwhile.
        troupe.app.server.closeAllConnections();
        troupe.gates.release(2);
      }
    }
    expect(dropped).toBe(true);
    expect(got.at(-1)!.event.type).toBe('task.completed');
    // It waited as the server asked (`retry: 1000`) before reconnecting.
    expect(clock.delays).toContain(1000);
    const ids = got.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    const again: number[] = [];
    for await (const message of client.events(id)) again.push(message.id);
    expect(ids).toEqual(again);
    // Resuming by hand from the middle gives the rest.
    const tail: number[] = [];
    for await (const message of client.events(id, { lastEventId: ids[2]! })) tail.push(message.id);
    expect(tail).toEqual(ids.slice(3));
  });

  it('errors are TroupeApiError carrying the problem', async () => {
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const notFound = await client.get('t0000000000000000000').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(TroupeApiError);
    expect(isTroupeApiError(notFound, TroupeApiErrorCode.NotFound)).toBe(true);
    expect((notFound as TroupeApiError).status).toBe(404);
    expect((notFound as TroupeApiError).problem?.type).toBe('urn:troupe:problem:not-found');

    const invalid = (await client.submit('ask', { question: 42 }).catch((e: unknown) => e)) as TroupeApiError;
    expect(invalid.code).toBe(TroupeApiErrorCode.Unprocessable);
    expect(invalid.problem?.errors).toEqual([{ path: 'input.question', message: expect.any(String) }]);

    const { id } = await client.submit('gated', { question: 'not yet' });
    const early = (await client.result(id).catch((e: unknown) => e)) as TroupeApiError;
    expect(early.code).toBe(TroupeApiErrorCode.Conflict);
    await client.cancel(id);
    await client.wait(id, { timeoutMs: 30_000 });

    const anonymous = createClient({ baseUrl: troupe.url });
    expect(((await anonymous.list().catch((e: unknown) => e)) as TroupeApiError).code).toBe(
      TroupeApiErrorCode.Unauthorized,
    );
    const unreachable = createClient({ baseUrl: 'http://127.0.0.1:1', apiKey: KEYS.acmeWriter });
    expect(((await unreachable.list().catch((e: unknown) => e)) as TroupeApiError).code).toBe(
      TroupeApiErrorCode.Network,
    );
  });

  it('wait() times out on the client clock, and stops on an abort signal', async () => {
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const { id } = await client.submit('gated', { question: 'forever' });
    const timing = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter, clock: immediateClock() });
    const timedOut = (await timing.wait(id, { timeoutMs: 5_000 }).catch((e: unknown) => e)) as TroupeApiError;
    expect(timedOut.code).toBe(TroupeApiErrorCode.Timeout);
    expect(timedOut.message).toContain('5000 ms');

    const controller = new AbortController();
    const waiting = client.wait(id, { signal: controller.signal });
    controller.abort();
    expect(((await waiting.catch((e: unknown) => e)) as TroupeApiError).code).toBe(
      TroupeApiErrorCode.Aborted,
    );
    await client.cancel(id);
    expect((await client.wait(id, { timeoutMs: 30_000 })).status).toBe('cancelled');
  });
});
