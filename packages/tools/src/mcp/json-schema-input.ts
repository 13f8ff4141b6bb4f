import { z } from 'zod';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
};

const MAX_DEPTH = 8;

/**
 * A zod schema that checks arguments against a tool's JSON Schema loosely: an object at the top, required
 * keys present, `type` and `enum` of the declared properties (nested objects and array items included).
 * Everything else (formats, ranges, combinators) is left to the server, which validates again.
 */
export function jsonSchemaInput(schema: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    for (const issue of check(schema as JsonSchema, value, [], 0)) ctx.addIssue({ code: 'custom', ...issue });
  });
}

function check(
  schema: JsonSchema,
  value: unknown,
  path: (string | number)[],
  depth: number,
): { path: (string | number)[]; message: string }[] {
  if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null) return [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((t) => hasType(value, t))) {
    return [{ path, message: `expected ${types.join(' or ')}, received ${describe(value)}` }];
  }
  if (
    Array.isArray(schema.enum) &&
    !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))
  ) {
    issues.push({
      path,
      message: `expected one of ${schema.enum.map((o) => JSON.stringify(o)).join(' | ')}`,
    });
  }
  if (isPlainObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value) || value[key] === undefined) {
        const wanted = schema.properties?.[key]?.type;
        issues.push({
          path: [...path, key],
          message: `required${wanted ? ` (expected ${[wanted].flat().join(' or ')})` : ''}`,
        });
      }
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (value[key] !== undefined) issues.push(...check(sub, value[key], [...path, key], depth + 1));
    }
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') {
    value.forEach((item, i) =>
      issues.push(...check(schema.items as JsonSchema, item, [...path, i], depth + 1)),
    );
  }
  return issues;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return true;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
