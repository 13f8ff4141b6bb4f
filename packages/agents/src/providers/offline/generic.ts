import { bestSentences, rankHits } from './evidence.js';
import { SEARCH_TOOL_NAMES, findTool, toolArguments, type Hit, type OfflineRequest } from './request.js';
import { searchHits, type OfflineTurn } from './researcher.js';
import { titleFor } from './drafter.js';
import { keywords } from './text.js';

type JsonSchema = Record<string, unknown>;

interface FillContext {
  root: JsonSchema;
  question: string;
  hits: Hit[];
  depth: number;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node && typeof node === 'object' ? (node as JsonSchema) : {};
}

function typeOf(schema: JsonSchema): string | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t as string[]).find((x) => x !== 'null');
  if (schema['properties']) return 'object';
  if (schema['items']) return 'array';
  return undefined;
}

function fillString(schema: JsonSchema, name: string, ctx: FillContext, index: number): string {
  const hit = ctx.hits[index] ?? ctx.hits[0];
  let value: string;
  if (/title|heading|name/i.test(name)) value = titleFor(ctx.question);
  else if (/source|url|path|uri/i.test(name)) value = hit?.source ?? 'offline';
  else if (/excerpt|quote/i.test(name)) value = hit?.excerpt ?? ctx.question;
  else if (/question|query|topic/i.test(name)) value = ctx.question;
  else if (hit) value = bestSentences(hit.excerpt || hit.title, ctx.question);
  else value = `No evidence was available for "${ctx.question}".`;
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
  if (value.length < min) value = value.padEnd(min, '.');
  return value.slice(0, max);
}

function fillNumber(schema: JsonSchema, name: string, integer: boolean): number {
  const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
  const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
  let v = /confidence|score|probability|weight/i.test(name) ? 0.5 : (min ?? 0);
  if (min !== undefined && max !== undefined) v = Math.min(Math.max(v, min), max);
  else if (min !== undefined) v = Math.max(v, min);
  else if (max !== undefined) v = Math.min(v, max);
  return integer ? Math.ceil(v) : v;
}

/** A value that satisfies a JSON Schema, filled from the question and the search hits. */
export function fillSchema(input: JsonSchema, name: string, ctx: FillContext, index = 0): unknown {
  const schema = resolve(input, ctx.root);
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  const options = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (Array.isArray(options) && options.length > 0) {
    const option = options.find((o) => typeOf(resolve(o, ctx.root)) !== 'null') ?? options[0];
    return fillSchema(option as JsonSchema, name, ctx, index);
  }
  switch (typeOf(schema)) {
    case 'string':
      return fillString(schema, name, ctx, index);
    case 'number':
      return fillNumber(schema, name, false);
    case 'integer':
      return fillNumber(schema, name, true);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      if (ctx.depth > 6) return [];
      const min = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
      const max = typeof schema['maxItems'] === 'number' ? schema['maxItems'] : Infinity;
      const count = Math.min(max, Math.max(min, 1, Math.min(ctx.hits.length, 3)));
      const items = (schema['items'] ?? {}) as JsonSchema;
      return Array.from({ length: count }, (_, i) =>
        fillSchema(items, name, { ...ctx, depth: ctx.depth + 1 }, i),
      );
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      if (ctx.depth > 6) return out;
      const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      for (const [key, prop] of Object.entries(props)) {
        out[key] = fillSchema(prop, key, { ...ctx, depth: ctx.depth + 1 }, index);
      }
      return out;
    }
    default:
      return fillString(schema, name, ctx, index);
  }
}

/** For a role the offline provider does not know: search when it can, then fill the response schema. */
export function genericTurn(req: OfflineRequest): OfflineTurn {
  const searchTool = findTool(req.tools, ...SEARCH_TOOL_NAMES);
  if (searchTool && !req.calls.some((c) => c.name === searchTool.name) && keywords(req.question).length > 0) {
    return {
      kind: 'tools',
      calls: [
        {
          name: searchTool.name,
          arguments: toolArguments(
            searchTool,
            keywords(req.question).slice(0, 8).join(' '),
            ['query', 'q'],
            5,
          ),
        },
      ],
    };
  }
  const root = req.schema ?? { type: 'object', properties: { answer: { type: 'string' } } };
  const hits = rankHits(searchHits(req), req.question, 5);
  return { kind: 'answer', value: fillSchema(root, '', { root, question: req.question, hits, depth: 0 }) };
}
