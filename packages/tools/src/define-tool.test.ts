import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from './define-tool.js';
import { ToolError } from './errors.js';

describe('defineTool', () => {
  const input = z.object({
    query: z.string().describe('what to look for'),
    limit: z.number().int().min(1).max(10).default(3),
  });

  it('derives the JSON Schema the model sees from the zod schema', async () => {
    const tool = defineTool({
      name: 'lookup',
      description: 'Looks things up.',
      input,
      run: ({ query, limit }) => `${query}:${limit}`,
    });
    expect(tool.parameters).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string', description: 'what to look for' },
        limit: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
      },
      required: ['query'],
    });
    expect(tool.timeoutMs).toBe(30_000);
    await expect(tool.run({ query: 'x', limit: 2 }, { signal: new AbortController().signal })).resolves.toBe(
      'x:2',
    );
  });

  it.each(['has space', 'a'.repeat(65), '', 'dots.not.allowed', 'ünïcode'])(
    'rejects the name %j and names the option',
    (name) => {
      const attempt = () => defineTool({ name, description: 'd', input, run: () => 1 });
      expect(attempt).toThrow(ToolError);
      expect(attempt).toThrow(/option "name"/);
    },
  );

  it('accepts names up to 64 characters of letters, digits, "_" and "-"', () => {
    const name = `a-b_C9${'x'.repeat(58)}`;
    expect(defineTool({ name, description: 'd', input, run: () => 1 }).name).toBe(name);
  });

  it('rejects a schema that is not an object, since providers only take object arguments', () => {
    expect(() => defineTool({ name: 'n', description: 'd', input: z.string(), run: () => 1 })).toThrow(
      /option "input" must describe a JSON object/,
    );
  });

  it('rejects a missing description and a bad timeout, naming each option', () => {
    expect(() => defineTool({ name: 'n', description: ' ', input, run: () => 1 })).toThrow(
      /option "description"/,
    );
    expect(() => defineTool({ name: 'n', description: 'd', input, run: () => 1, timeoutMs: -5 })).toThrow(
      /option "timeoutMs"/,
    );
  });
});
