import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import { z } from 'zod';
import type { FieldIssue } from '../problem.js';

/**
 * Fastify validates requests with the same zod schemas the client and the OpenAPI document use. This is
 * the small glue a zod type provider package would bring (validator, serializer, types, JSON Schema for
 * @fastify/swagger); written here because none is installed and it is a few lines.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replaceAll('.[', '[');
}

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return { path: formatPath(issue.path), message: `${issue.message}${keys}` };
  });
}

export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema }) => {
  if (!isZodSchema(schema)) throw new Error('every route schema of the API is a zod schema');
  return (data: unknown) => {
    const parsed = schema.safeParse(data);
    if (parsed.success) return { value: parsed.data };
    const issues = issuesOf(parsed.error);
    const error = Object.assign(
      new Error(issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')),
      {
        validation: issues,
      },
    );
    return { error };
  };
};

/** Responses are built from typed values already; they go out as plain JSON. */
export const jsonSerializerCompiler = () => (data: unknown) => JSON.stringify(data);

/**
 * Collects the named (`.meta({ id })`) schemas met while converting route schemas, so the document can
 * list them once under `components.schemas` and refer to them with `$ref`.
 */
export function createSchemaConverter() {
  const components: Record<string, unknown> = {};

  const rewriteRefs = (node: unknown, names: Map<string, string>): unknown => {
    if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, names));
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
        const name = names.get(v.slice('#/$defs/'.length)) ?? v.slice('#/$defs/'.length);
        out[k] = `#/components/schemas/${name}`;
      } else if (k !== '$schema') {
        out[k] = rewriteRefs(v, names);
      }
    }
    return out;
  };

  const convert = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
      string,
      unknown
    >;
    const defs = (json['$defs'] ?? {}) as Record<string, unknown>;
    delete json['$defs'];
    // A schema named in both directions may differ (defaults are optional on input): name inputs apart.
    const names = new Map<string, string>();
    for (const id of Object.keys(defs))
      names.set(id, io === 'input' && !id.endsWith('Request') ? `${id}Input` : id);
    for (const [id, def] of Object.entries(defs)) components[names.get(id)!] = rewriteRefs(def, names);
    return rewriteRefs(json, names) as Record<string, unknown>;
  };

  return { convert, components };
}
