import { LOG_SLOTS } from '@troupe/bus';
import { createSimulatedClock } from '@troupe/bus/testing';
import { createClient } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { http, KEYS, sseFrames, startTroupe, TEST_KEYS, type SseFrame } from './fixtures/troupe.js';

const auth = { authorization: `Bearer ${KEYS.acmeWriter}` };

async function openEvents(
  url: string,
  id: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  const res = await fetch(`${url}/v1/tasks/${id}/events`, {
    headers: { ...auth, ...headers },
    ...(signal ? { signal } : {}),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return res;
}

const eventsOf = (frames: SseFrame[]) => frames.filter((f) => f.id !== undefined);

describe('task events (SSE)', () => {
  it('an event stream goes on through a nats-server restart, on the same HTTP connection', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    // Its timers record the waits the client asks for: a reconnect of the event stream would show one.
    const clock = createSimulatedClock();
    const delays: number[] = [];
    const client = createClient({
      baseUrl: troupe.url,
      apiKey: KEYS.acmeWriter,
      clock: { ...clock, setTimeout: (fn, ms) => (delays.push(ms), clock.setTimeout(fn, ms)) },
    });
    const { id } = await client.submit('gated', { question: 'restart under me' });
    troupe.gates.release(1);
    const types: string[] = [];
    const succeeded = new Set<string | undefined>();
    let restarted = false;
    for await (const { event } of client.events(id)) {
      types.push(event.type);
      if (event.type === 'step.succeeded') succeeded.add(event.stepKey);
      if (event.type === 'step.succeeded' && !restarted) {
        restarted = true;
        await troupe.server.kill();
        await troupe.server.restart();
        // A step whose result was on its way when the server died runs again (at least once): no counting.
        troupe.gates.openAll();
      }
    }
    expect(restarted).toBe(true);
    expect([...succeeded]).toEqual(['one', 'two', 'three']);
    expect(types.at(-1)).toBe('task.completed');
    expect(delays).toEqual([]);
  });

  it('resumes after a dropped connection with Last-Event-ID: no repeats, no gaps', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const { id } = await client.submit('gated', { question: 'follow me' });
    troupe.gates.release(1);

    // First connection: read until step one succeeded, then drop it.
    const first: SseFrame[] = [];
    const controller = new AbortController();
    const res1 = await openEvents(troupe.url, id, {}, controller.signal);
    for await (const frame of sseFrames(res1)) {
      first.push(frame);
      if (frame.event === 'step.succeeded') break;
    }
    controller.abort();
    const seen = eventsOf(first);
    expect(seen.map((f) => f.event)).toEqual(['task.started', 'step.dispatched', 'step.succeeded']);

    // While nobody listens, the task goes on.
    troupe.gates.release(2);
    await client.wait(id, { timeoutMs: 30_000 });

    // Second connection resumes after the last event seen.
    const lastId = seen.at(-1)!.id!;
    const second: SseFrame[] = [];
    for await (const frame of sseFrames(await openEvents(troupe.url, id, { 'last-event-id': lastId })))
      second.push(frame);
    expect(second.at(-1)).toMatchObject({ event: 'end', data: JSON.stringify({ status: 'completed' }) });
    // Step one's success and step two's dispatch are one transition, stored as one message: the second
    // connection starts inside it.
    expect(eventsOf(second)[0]!.event).toBe('step.dispatched');
    const messageOf = (id: string) => Math.floor(Number(id) / LOG_SLOTS);
    expect(messageOf(eventsOf(second)[0]!.id!)).toBe(messageOf(lastId));

    // A fresh full read is the reference: the two halves add up to it exactly.
    const full: SseFrame[] = [];
    for await (const frame of sseFrames(await openEvents(troupe.url, id))) full.push(frame);
    const joined = [...seen, ...eventsOf(second)].map((f) => f.id);
    expect(joined).toEqual(eventsOf(full).map((f) => f.id));
    expect(new Set(joined).size).toBe(joined.length);
    const numbers = joined.map(Number);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    expect(eventsOf(full).at(-1)!.event).toBe('task.completed');
    for (const f of eventsOf(full))
      expect(JSON.parse(f.data!)).toMatchObject({ v: 1, taskId: id, type: f.event });

    // ?lastEventId= does the same for clients that cannot set headers; past the end there is only `end`.
    const viaQuery: SseFrame[] = [];
    const res = await fetch(`${troupe.url}/v1/tasks/${id}/events?lastEventId=${lastId}`, { headers: auth });
    for await (const frame of sseFrames(res)) viaQuery.push(frame);
    expect(eventsOf(viaQuery).map((f) => f.id)).toEqual(eventsOf(second).map((f) => f.id));
    const past: SseFrame[] = [];
    for await (const frame of sseFrames(
      await openEvents(troupe.url, id, { 'last-event-id': eventsOf(full).at(-1)!.id! }),
    )) {
      past.push(frame);
    }
    expect(eventsOf(past)).toEqual([]);
    expect(past.at(-1)?.event).toBe('end');

    // A Last-Event-ID that is not one of ours is a 400 problem.
    const bad = await http(troupe.url)('GET', `/v1/tasks/${id}/events`, {
      key: KEYS.acmeWriter,
      headers: { 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('live events arrive as they happen, and the stream closes after the final one', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const { id } = await client.submit('gated', { question: 'live' });
    const types: string[] = [];
    let released = 0;
    for await (const frame of sseFrames(await openEvents(troupe.url, id))) {
      if (frame.event) types.push(frame.event);
      // Each gate opens only once the stream has shown the step waiting: the events are live, not replayed.
      if (frame.event === 'step.dispatched') {
        released++;
        troupe.gates.release(1);
      }
    }
    expect(released).toBe(3);
    expect(types.at(-2)).toBe('task.completed');
    expect(types.at(-1)).toBe('end');
  });

  it('sends keep-alive comments on an idle stream, on the API clock', async () => {
    const clock = createSimulatedClock(Date.now());
    await using troupe = await startTroupe({
      keys: TEST_KEYS,
      apiClock: clock,
      limits: { sseHeartbeatMs: 15_000 },
    });
    const client = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const { id } = await client.submit('gated', { question: 'idle' });
    const frames: SseFrame[] = [];
    for await (const frame of sseFrames(await openEvents(troupe.url, id))) {
      frames.push(frame);
      if (frame.event === 'step.dispatched') clock.increment(15_000);
      if (frame.comment?.startsWith('keep-alive')) {
        if (frames.filter((f) => f.comment?.startsWith('keep-alive')).length === 2) troupe.gates.openAll();
        else clock.increment(15_000);
      }
    }
    expect(frames.filter((f) => f.comment?.startsWith('keep-alive')).length).toBeGreaterThanOrEqual(2);
    expect(frames.at(-1)?.event).toBe('end');
  });
});
