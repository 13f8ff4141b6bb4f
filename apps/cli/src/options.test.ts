import { builtinRoles } from '@troupe/agents';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_ROLE_NAMES,
  parseConcurrency,
  parseHttpUrl,
  parseModel,
  parseNatsUrl,
  parsePort,
  parseRoles,
} from './options.js';

const reason = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error('expected a failure');
};

describe('flag parsers', () => {
  it('lists exactly the built-in roles of @troupe/agents', () => {
    expect([...BUILTIN_ROLE_NAMES].sort()).toEqual(Object.keys(builtinRoles).sort());
  });

  it('ports: 0 to 65535, whole numbers only', () => {
    expect(parsePort('3000')).toBe(3000);
    expect(parsePort('0')).toBe(0);
    expect(reason(() => parsePort('abc'))).toMatch(/a port must be a whole number from 0 to 65535/);
    expect(reason(() => parsePort('70000'))).toMatch(/at most 65535/);
    expect(reason(() => parsePort('-1'))).toMatch(/whole number/);
  });

  it('concurrency: 1 to 1024', () => {
    expect(parseConcurrency('8')).toBe(8);
    expect(reason(() => parseConcurrency('0'))).toMatch(/at least 1/);
  });

  it('roles: names, comma-separated, each once (the agent command checks that they exist)', () => {
    expect(parseRoles('reviewer, assistant')).toEqual(['reviewer', 'assistant']);
    expect(parseRoles('planner,translator')).toEqual(['planner', 'translator']);
    expect(reason(() => parseRoles('planner,Judge!'))).toMatch(
      /"Judge!" is not a role name: lower-case letters/,
    );
    expect(reason(() => parseRoles('planner,,drafter'))).toMatch(/empty/);
    expect(reason(() => parseRoles('planner,planner'))).toMatch(/named twice/);
  });

  it('models: provider:model, or a chain', () => {
    expect(parseModel('openai:gpt-4o-mini,anthropic:claude-haiku-4-5')).toBe(
      'openai:gpt-4o-mini,anthropic:claude-haiku-4-5',
    );
    expect(parseModel('openai:llama3.1:8b')).toBe('openai:llama3.1:8b');
    expect(reason(() => parseModel('gpt-4o'))).toMatch(/expected provider:model/);
  });

  it('URLs: http(s) for the API, nats:// for NATS', () => {
    expect(parseHttpUrl('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000');
    expect(reason(() => parseHttpUrl('127.0.0.1:3000'))).toMatch(/http\(s\) URL/);
    expect(parseNatsUrl('nats://a:4222,nats://b:4222')).toBe('nats://a:4222,nats://b:4222');
    expect(reason(() => parseNatsUrl('http://a:4222'))).toMatch(/NATS URL/);
  });
});
