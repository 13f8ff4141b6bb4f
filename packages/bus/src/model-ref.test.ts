import { describe, expect, it } from 'vitest';
import { isBusError } from './errors.js';
import { ModelRefSchema, formatModelRef, isModelRef, parseModelRef } from './model-ref.js';

describe('model references', () => {
  it('parses provider:model, keeping colons in the model name and lower-casing the provider', () => {
    expect(parseModelRef('openai:gpt-4o-mini')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(parseModelRef(' Anthropic:claude-haiku-4-5 ')).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(parseModelRef('openai:llama3.1:8b')).toEqual({ provider: 'openai', model: 'llama3.1:8b' });
    expect(parseModelRef('my_gateway-2:m')).toEqual({ provider: 'my_gateway-2', model: 'm' });
    expect(formatModelRef(parseModelRef('offline:offline-1'))).toBe('offline:offline-1');
  });

  it('names the label, the value and the problem in a BusError', () => {
    const cases: [string, RegExp][] = [
      ['gpt-4o', /^TROUPE_MODEL "gpt-4o" is not a model reference: expected provider:model/],
      ['openai:', /^TROUPE_MODEL "openai:" is not a model reference/],
      [':gpt-4o', /^TROUPE_MODEL ":gpt-4o" is not a model reference/],
      ['open ai:gpt-4o', /invalid provider name "open ai"/],
      ['openai:gpt 4', /invalid model name "gpt 4"/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        parseModelRef(value, 'TROUPE_MODEL');
      } catch (err) {
        error = err;
      }
      expect(isBusError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect(isModelRef(value)).toBe(false);
    }
  });

  it('checks a value of any type with isModelRef', () => {
    expect(isModelRef('offline:offline-1')).toBe(true);
    expect(isModelRef(undefined)).toBe(false);
    expect(isModelRef({ provider: 'openai', model: 'gpt-4o' })).toBe(false);
  });

  it('is a zod schema whose issue quotes the value', () => {
    expect(ModelRefSchema.parse('openai:gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o' });
    const parsed = ModelRefSchema.safeParse('gpt-4o');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(
      '"gpt-4o" is not a model reference: expected provider:model, e.g. openai:gpt-4o-mini',
    );
  });
});
