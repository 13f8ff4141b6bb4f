import { describe, expect, it } from 'vitest';
import { formatIssues } from '../format-issues.js';
import { jsonSchemaInput } from './json-schema-input.js';

describe('jsonSchemaInput', () => {
  const schema = jsonSchemaInput({
    type: 'object',
    properties: {
      message: { type: 'string' },
      count: { type: 'integer' },
      mode: { type: 'string', enum: ['fast', 'slow'] },
      tags: { type: 'array', items: { type: 'string' } },
      nested: { type: 'object', properties: { flag: { type: 'boolean' } }, required: ['flag'] },
      anything: {},
    },
    required: ['message'],
  });

  it('accepts valid arguments and passes unknown keys through', () => {
    const args = {
      message: 'hi',
      count: 2,
      mode: 'fast',
      tags: ['a'],
      nested: { flag: true },
      anything: [1],
      extra: 1,
    };
    expect(schema.parse(args)).toEqual(args);
  });

  it('checks required keys, basic types, enums, items and nested objects', () => {
    const result = schema.safeParse({ count: 1.5, mode: 'medium', tags: ['a', 2], nested: {} });
    expect(result.success).toBe(false);
    expect(formatIssues(result.error?.issues ?? [])).toBe(
      [
        '- "message": required (expected string)',
        '- "count": expected integer, received number',
        '- "mode": expected one of "fast" | "slow"',
        '- "tags[1]": expected string, received number',
        '- "nested.flag": required (expected boolean)',
      ].join('\n'),
    );
    expect(schema.safeParse('not an object').success).toBe(false);
  });
});
