import { createSimulatedClock } from '@troupe/bus';
import { describe, expect, it } from 'vitest';
import type { ChatRequest, ChatResponse, ModelProvider } from './chat.js';
import { ModelError } from './model-error.js';
import { createModelRouter } from './model-router.js';

/** A provider that answers from a script of outcomes, per model; each entry is used once. */
function scripted(script: Record<string, (ModelError | string)[]>): ModelProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'scripted',
    calls,
    async chat(req: ChatRequest): Promise<ChatResponse> {
      calls.push(req.model);
      const next = script[req.model]?.shift() ?? 'ok';
      if (next instanceof ModelError) throw next;
      return {
        content: next,
        toolCalls: [],
        usage: { inputTokens: 1, outputTokens: 1 },
        model: req.model,
        provider: 'openai',
        finishReason: 'stop',
      };
    },
  };
}

const serverError = () => new ModelError('SERVER_ERROR', 'boom', { status: 500 });
const rateLimited = () => new ModelError('RATE_LIMITED', 'slow down', { status: 429 });
const msg = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('createModelRouter', () => {
  it('answers with the first model when it works', async () => {
    const p = scripted({});
    const router = createModelRouter({ chain: ['openai:a', 'openai:b'], providers: () => p });
    const res = await router.chat(msg);
    expect(res).toMatchObject({ content: 'ok', ref: { provider: 'openai', model: 'a' } });
    expect(res.fallback).toBeUndefined();
    expect(router.primary).toEqual({ provider: 'openai', model: 'a' });
  });

  it('retries the same model until failuresBeforeFallback, falls back, skips it while cooling down, then probes it', async () => {
    const clock = createSimulatedClock();
    const p = scripted({ a: [rateLimited(), rateLimited(), rateLimited()] });
    const router = createModelRouter({
      chain: ['openai:a', 'openai:b'],
      providers: () => p,
      clock,
      failuresBeforeFallback: 2,
      cooldownMs: 10_000,
    });
    const first = await router.chat(msg);
    expect(p.calls).toEqual(['a', 'a', 'b']);
    expect(first.fallback).toEqual({ from: 'openai:a', to: 'openai:b', reason: 'rate_limited' });

    const second = await router.chat(msg);
    expect(p.calls).toEqual(['a', 'a', 'b', 'b']);
    expect(second.fallback).toEqual({ from: 'openai:a', to: 'openai:b', reason: 'circuit_open' });

    // Cool-down over: a gets one probe; it fails, so b answers again at once (the failures were never cleared).
    clock.increment(10_000);
    const third = await router.chat(msg);
    expect(p.calls.slice(4)).toEqual(['a', 'b']);
    expect(third.fallback?.reason).toBe('rate_limited');

    // Next probe succeeds: a is healthy again.
    clock.increment(10_000);
    const fourth = await router.chat(msg);
    expect(p.calls.slice(6)).toEqual(['a']);
    expect(fourth.ref.model).toBe('a');
    expect(fourth.fallback).toBeUndefined();
  });

  it('uses the second model for the cheap tier', async () => {
    const p = scripted({});
    const router = createModelRouter({ chain: ['anthropic:big', 'anthropic:small'], providers: () => p });
    const res = await router.chat(msg, { tier: 'cheap' });
    expect(p.calls).toEqual(['small']);
    expect(res.fallback).toEqual({ from: 'anthropic:big', to: 'anthropic:small', reason: 'budget' });
  });

  it('throws non-retryable errors at once, and names the chain when every model fails', async () => {
    const p = scripted({
      a: [new ModelError('AUTH', 'bad key', { status: 401 })],
      x: [serverError()],
      y: [serverError()],
    });
    const router = createModelRouter({ chain: ['openai:a', 'openai:b'], providers: () => p });
    await expect(router.chat(msg)).rejects.toMatchObject({ code: 'AUTH' });
    expect(p.calls).toEqual(['a']);

    const failing = createModelRouter({ chain: ['openai:x', 'openai:y'], providers: () => p });
    const err = await failing.chat(msg).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ModelError', code: 'SERVER_ERROR', retryable: true });
    expect((err as Error).message).toMatch(/every model in the chain failed \(openai:x, openai:y\)/);
  });

  it('validates its options and names the one at fault', () => {
    expect(() => createModelRouter({ chain: [], providers: () => scripted({}) })).toThrow(/option "chain"/);
    expect(() => createModelRouter({ chain: ['gpt-4o'], providers: () => scripted({}) })).toThrow(
      /option "chain.0" "gpt-4o" is not a model reference/,
    );
    expect(() =>
      createModelRouter({ chain: ['openai:a'], providers: () => scripted({}), failuresBeforeFallback: 0 }),
    ).toThrow(/option "failuresBeforeFallback"/);
  });
});
