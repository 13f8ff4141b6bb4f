import fastifySwagger from '@fastify/swagger';
import scalarApiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { createSchemaConverter, isZodSchema } from './zod-schemas.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

type Json = Record<string, unknown>;

/**
 * OpenAPI 3.1 from the route schemas: @fastify/swagger walks the routes, and each zod schema is turned
 * into JSON Schema (`z.toJSONSchema`, request parts as `io: 'input'`, responses as `io: 'output'`).
 * Named schemas (`.meta({ id })`) land once under `components.schemas`.
 */
export async function registerOpenApi(app: FastifyInstance, info: { version: string }): Promise<void> {
  const converter = createSchemaConverter();
  const convertResponse = (entry: unknown): unknown => {
    if (isZodSchema(entry)) return converter.convert(entry, 'output');
    if (typeof entry !== 'object' || entry === null) return entry;
    const e = entry as Json;
    if (typeof e['content'] !== 'object' || e['content'] === null) return entry;
    const content: Json = {};
    for (const [media, value] of Object.entries(e['content'] as Json)) {
      const v = value as Json;
      content[media] = {
        ...v,
        schema: isZodSchema(v['schema']) ? converter.convert(v['schema'], 'output') : v['schema'],
      };
    }
    return { ...e, content };
  };

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Troupe API',
        version: info.version,
        description:
          'Submit tasks to a troupe of AI agents, follow them live (SSE), review, cancel, and read results, audit logs and ' +
          'traces. Errors are RFC 9457 `application/problem+json`. The troupe is also an A2A agent (`/.well-known/agent-card.json`).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Troupe API key.' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A Troupe API key.' },
        },
      },
      tags: [
        { name: 'tasks', description: 'Submit and follow tasks.' },
        { name: 'workflows', description: 'What the API can run.' },
        { name: 'agents', description: 'The agent fleet.' },
        { name: 'a2a', description: 'Agent-to-Agent protocol.' },
        { name: 'operations', description: 'Health, readiness, metrics.' },
      ],
    },
    transform: ({ schema, url }) => {
      if (!schema) return { schema, url };
      const s = schema as Json;
      const out: Json = { ...s };
      for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
        const value = s[part];
        if (isZodSchema(value)) out[part] = converter.convert(value, 'input');
      }
      if (s['response'] && typeof s['response'] === 'object') {
        const response: Json = {};
        for (const [code, entry] of Object.entries(s['response'] as Json))
          response[code] = convertResponse(entry);
        out['response'] = response;
      }
      return { schema: out as typeof schema, url };
    },
    transformObject: (documentObject) => {
      const doc = (
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject
      ) as Json;
      const components = (doc['components'] ?? {}) as Json;
      return {
        ...doc,
        components: {
          ...components,
          schemas: { ...(components['schemas'] as Json | undefined), ...converter.components },
        },
      } as typeof doc;
    },
  });

  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());
  await app.register(scalarApiReference, {
    routePrefix: DOCS_PATH,
    configuration: { url: OPENAPI_PATH, pageTitle: 'Troupe API' },
  });
}
