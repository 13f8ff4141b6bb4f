import { createSimulatedClock } from '@troupe/bus';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from './define-tool.js';
import { ToolError, ToolsErrorCode } from './errors.js';
import { createToolRegistry } from './registry.js';
import type { ToolCallOutcome } from './tool.js';

/** Lets pending promise callbacks run; no time passes. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const search = defineTool({
  name: 'search',
  description: 'Searches.',
  input: z.object({
    query: z.string().min(2),
    limit: z.number().int().max(10).optional(),
    filters: z.object({ lang: z.enum(['en', 'de']) }).optional(),
  }),
  run: ({ query, limit }) => ({ query, limit: limit ?? 5 }),
});

function errorOf(outcome: ToolCallOutcome) {
  if (outcome.ok) throw new Error(`expected a failed call, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

describe('createToolRegistry', () => {
  it('registers tools, lists them and hands out their specs', () => {
    const registry = createToolRegistry([search]);
    expect(registry.get('search')).toBe(search);
    expect(registry.list().map((t) => t.name)).toEqual(['search']);
    expect(registry.specs()).toEqual([
      { name: 'search', description: 'Searches.', parameters: search.parameters },
    ]);
    expect(() => registry.register(search)).toThrow(/already registered/);
  });

  it('runs a tool with validated arguments, given as an object or as a JSON string', async () => {
    const registry = createToolRegistry([search]);
    const outcome = await registry.call('search', { query: 'nats', limit: 3 });
    expect(outcome).toMatchObject({ ok: true, name: 'search', value: { query: 'nats', limit: 3 } });
    expect(await registry.call('search', '{"query":"kv"}')).toMatchObject({
      ok: true,
      value: { query: 'kv', limit: 5 },
    });
  });

  it('turns invalid arguments into a readable message that names every bad field', async () => {
    const registry = createToolRegistry([search]);
    const error = errorOf(await registry.call('search', { limit: 50, filters: { lang: 'fr' } }));
    expect(error.code).toBe('INVALID_ARGUMENTS');
    expect(error.message).toContain('Invalid arguments for tool "search"');
    expect(error.message).toContain('"query": required (expected string)');
    expect(error.message).toMatch(/"limit": Too big: expected number to be <=10/);
    expect(error.message).toMatch(/"filters\.lang": Invalid option: expected one of "en"\|"de"/);

    const typeError = errorOf(await registry.call('search', { query: 42 }));
    expect(typeError.message).toContain('"query": expected string, received number');
    const badJson = errorOf(await registry.call('search', '{"query": '));
    expect(badJson).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(badJson.message).toMatch(/not valid JSON/);
  });

  it('reports an unknown tool with the names it knows', async () => {
    const error = errorOf(await createToolRegistry([search]).call('serach', {}));
    expect(error).toEqual({
      code: 'UNKNOWN_TOOL',
      message: 'Unknown tool "serach". Available tools: search.',
    });
  });

  it('times a call out on the injected clock and aborts the tool', async () => {
    const clock = createSimulatedClock(1_000);
    let seenSignal: AbortSignal | undefined;
    const hang = defineTool({
      name: 'hang',
      description: 'Never finishes on its own.',
      input: z.object({}),
      timeoutMs: 5_000,
      run: (_input, { signal }) => {
        seenSignal = signal;
        return new Promise<never>(() => undefined);
      },
    });
    const registry = createToolRegistry([hang], { clock });
    let outcome: ToolCallOutcome | undefined;
    void registry.call('hang', {}, { timeoutMs: 250 }).then((o) => (outcome = o));
    await flush();
    clock.increment(249);
    await flush();
    expect(outcome).toBeUndefined();
    clock.increment(1);
    await flush();
    expect(outcome).toEqual({
      ok: false,
      name: 'hang',
      error: { code: 'TIMEOUT', message: 'Tool "hang" timed out after 250 ms.' },
      durationMs: 250,
    });
    expect(seenSignal?.aborted).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("uses the tool's own timeout when the caller sets none", async () => {
    const clock = createSimulatedClock();
    const slow = defineTool({
      name: 'slow',
      description: 'd',
      input: z.object({}),
      timeoutMs: 2_000,
      run: () => new Promise(() => undefined),
    });
    const pending = createToolRegistry([slow], { clock }).call('slow', {});
    await flush();
    clock.increment(2_000);
    expect(errorOf(await pending).code).toBe('TIMEOUT');
  });

  it('retries transient failures with backoff on the clock, and gives up after the bounded count', async () => {
    const clock = createSimulatedClock();
    let calls = 0;
    const flaky = defineTool({
      name: 'flaky',
      description: 'Fails twice, then works.',
      input: z.object({}),
      run: () => {
        calls++;
        if (calls <= 2) throw new ToolError(ToolsErrorCode.Failed, `reset ${calls}`, { transient: true });
        return 'ok';
      },
    });
    const registry = createToolRegistry([flaky], { clock, retryDelayMs: 100 });
    let outcome: ToolCallOutcome | undefined;
    void registry.call('flaky', {}).then((o) => (outcome = o));
    await flush();
    expect(calls).toBe(1);
    clock.increment(99);
    await flush();
    expect(calls).toBe(1);
    clock.increment(1);
    await flush();
    expect(calls).toBe(2);
    clock.increment(200);
    await flush();
    expect(outcome).toMatchObject({ ok: true, value: 'ok', durationMs: 300 });
    expect(calls).toBe(3);

    let attempts = 0;
    const broken = defineTool({
      name: 'broken',
      description: 'd',
      input: z.object({}),
      run: () => {
        attempts++;
        throw Object.assign(new Error('connection reset'), { transient: true });
      },
    });
    const noWait = createToolRegistry([broken], { retryDelayMs: 0, maxAttempts: 2 });
    expect(errorOf(await noWait.call('broken', {}))).toEqual({
      code: 'FAILED',
      message: 'connection reset (failed 2 attempts)',
    });
    expect(attempts).toBe(2);
  });

  it('does not retry errors that are not transient, and keeps a FORBIDDEN code', async () => {
    let attempts = 0;
    const guarded = defineTool({
      name: 'guarded',
      description: 'd',
      input: z.object({}),
      run: () => {
        attempts++;
        throw new ToolError(ToolsErrorCode.Forbidden, 'not allowed here');
      },
    });
    const error = errorOf(await createToolRegistry([guarded], { retryDelayMs: 0 }).call('guarded', {}));
    expect(error).toEqual({ code: 'FORBIDDEN', message: 'not allowed here' });
    expect(attempts).toBe(1);
    const thrower = defineTool({
      name: 'thrower',
      description: 'd',
      input: z.object({}),
      run: () => Promise.reject(new TypeError('boom')),
    });
    expect(errorOf(await createToolRegistry([thrower]).call('thrower', {}))).toEqual({
      code: 'FAILED',
      message: 'boom',
    });
  });

  it('returns ABORTED when the caller aborts, before or during the call', async () => {
    const clock = createSimulatedClock();
    const wait = defineTool({
      name: 'wait',
      description: 'd',
      input: z.object({}),
      run: () => new Promise(() => undefined),
    });
    const registry = createToolRegistry([wait], { clock });
    const controller = new AbortController();
    const pending = registry.call('wait', {}, { signal: controller.signal });
    await flush();
    controller.abort(new Error('user cancelled'));
    expect(errorOf(await pending)).toEqual({
      code: 'ABORTED',
      message: 'Call to tool "wait" was aborted: user cancelled.',
    });
    expect(clock.pendingTimers()).toBe(0);
    expect(errorOf(await registry.call('wait', {}, { signal: controller.signal })).code).toBe('ABORTED');
  });

  it('passes the task id to the tool', async () => {
    const whoami = defineTool({
      name: 'whoami',
      description: 'd',
      input: z.object({}),
      run: (_i, ctx) => ctx.taskId,
    });
    expect(await createToolRegistry([whoami]).call('whoami', {}, { taskId: 'task-7' })).toMatchObject({
      value: 'task-7',
    });
  });

  it('runs independent calls in parallel and keeps their order', async () => {
    let running = 0;
    let peak = 0;
    let started = 0;
    let release: () => void = () => undefined;
    const allStarted = new Promise<void>((resolve) => (release = resolve));
    const gate = defineTool({
      name: 'gate',
      description: 'Waits until three calls run at once.',
      input: z.object({ n: z.number() }),
      run: async ({ n }) => {
        running++;
        peak = Math.max(peak, running);
        if (++started === 3) release();
        await allStarted;
        running--;
        return n * 10;
      },
    });
    const registry = createToolRegistry([gate, search]);
    const outcomes = await registry.callMany([
      { name: 'gate', args: { n: 1 } },
      { name: 'search', args: { query: 'xy' } },
      { name: 'gate', args: { n: 2 } },
      { name: 'nope', args: {} },
      { name: 'gate', args: { n: 3 } },
    ]);
    expect(peak).toBe(3);
    expect(outcomes.map((o) => (o.ok ? o.value : o.error.code))).toEqual([
      10,
      { query: 'xy', limit: 5 },
      20,
      'UNKNOWN_TOOL',
      30,
    ]);
  });

  it('limits parallelism when asked', async () => {
    let running = 0;
    let peak = 0;
    const step = defineTool({
      name: 'step',
      description: 'd',
      input: z.object({}),
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await flush();
        running--;
        return true;
      },
    });
    const outcomes = await createToolRegistry([step]).callMany(
      Array.from({ length: 6 }, () => ({ name: 'step', args: {} })),
      { concurrency: 2 },
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(peak).toBe(2);
  });

  it('validates its options', () => {
    expect(() => createToolRegistry([], { maxAttempts: 50 })).toThrow(/option "maxAttempts"/);
  });
});
