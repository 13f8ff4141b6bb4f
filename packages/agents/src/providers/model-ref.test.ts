import { describe, expect, it } from 'vitest';
import { contextWindowFor } from './context-window.js';
import { isModelError } from './model-error.js';
import { parseModelRef, resolveModelChain, resolveModelRef } from './model-ref.js';
import { costUsd, priceFor } from './prices.js';

describe('model references', () => {
  it('parses provider:model, keeping colons in the model name', () => {
    expect(parseModelRef('openai:gpt-4o-mini')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(parseModelRef(' Anthropic:claude-haiku-4-5 ')).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(parseModelRef('openai:llama3.1:8b')).toEqual({ provider: 'openai', model: 'llama3.1:8b' });
  });

  it('names the bad value in parse errors', () => {
    const cases: [string, RegExp][] = [
      ['gpt-4o', /"gpt-4o" is not a model reference: expected provider:model/],
      ['openai:', /"openai:" is not a model reference/],
      [
        'mistral:large',
        /"mistral:large" names an unknown provider "mistral": expected one of openai, anthropic, offline/,
      ],
      ['openai:gpt 4', /invalid model name "gpt 4"/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        parseModelRef(value);
      } catch (err) {
        error = err;
      }
      expect(isModelError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    expect(() => resolveModelRef({ env: { TROUPE_MODEL: 'claude' } })).toThrow(
      /^TROUPE_MODEL "claude" is not a model reference/,
    );
  });

  it('resolves: step override, TROUPE_MODEL, role default (when configured), keys, offline', () => {
    expect(resolveModelRef({ env: {} })).toEqual({ provider: 'offline', model: 'offline-1' });
    expect(resolveModelRef({ env: { ANTHROPIC_API_KEY: 'a' } })).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(resolveModelRef({ env: { OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a' } })).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
    });
    expect(
      resolveModelRef({ env: { OPENAI_API_KEY: 'o', TROUPE_MODEL: 'anthropic:claude-sonnet-4-5' } }),
    ).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
    expect(
      resolveModelRef({ env: { ANTHROPIC_API_KEY: 'a' }, roleDefault: 'anthropic:claude-opus-4-1' }).model,
    ).toBe('claude-opus-4-1');
    // A role default whose provider has no key is passed over.
    expect(resolveModelRef({ env: {}, roleDefault: 'openai:gpt-4o' })).toEqual({
      provider: 'offline',
      model: 'offline-1',
    });
    expect(
      resolveModelRef({ env: { TROUPE_MODEL: 'openai:gpt-4o' }, stepOverride: 'offline:offline-1' }).provider,
    ).toBe('offline');
    expect(resolveModelChain({ env: { TROUPE_MODEL: 'openai:gpt-4o, anthropic:claude-haiku-4-5' } })).toEqual(
      [
        { provider: 'openai', model: 'gpt-4o' },
        { provider: 'anthropic', model: 'claude-haiku-4-5' },
      ],
    );
    expect(() => resolveModelChain({ env: { TROUPE_MODEL: 'openai:gpt-4o,' } })).toThrow(
      /TROUPE_MODEL "openai:gpt-4o," has an empty entry/,
    );
  });
});

describe('prices and context windows', () => {
  it('prices known models, dated snapshots by prefix, offline at zero, overrides first', () => {
    expect(costUsd('openai:gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(
      0.75,
    );
    expect(priceFor('openai:gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceFor('openai:gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(priceFor('anthropic:claude-haiku-4-5-20251001')).toEqual({ input: 1, output: 5 });
    expect(costUsd('offline:offline-1', { inputTokens: 5000, outputTokens: 5000 })).toBe(0);
    expect(costUsd('openai:llama3.1:8b', { inputTokens: 5000, outputTokens: 5000 })).toBe(0);
    expect(
      costUsd(
        'openai:llama3.1:8b',
        { inputTokens: 2_000_000, outputTokens: 0 },
        { 'openai:llama3.1:8b': { input: 0.5, output: 1 } },
      ),
    ).toBe(1);
    expect(() =>
      costUsd('openai:x', { inputTokens: 1, outputTokens: 1 }, { 'openai:x': { input: -1, output: 0 } }),
    ).toThrow(/price override "openai:x.input" must be a non-negative number/);
  });

  it('knows context windows, with a conservative default', () => {
    expect(contextWindowFor('openai:gpt-4o-mini')).toBe(128_000);
    expect(contextWindowFor('anthropic:claude-haiku-4-5')).toBe(200_000);
    expect(contextWindowFor('openai:llama3.1:8b')).toBe(32_000);
  });
});
