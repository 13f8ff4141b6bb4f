import { A2A_VERSION_HEADER, type AgentCard } from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { JsonRpcTransportHandler, ServerCallContext, validateVersion } from '@a2a-js/sdk/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hasScope, Scope } from '../auth/api-keys.js';
import { principalOf } from '../http/auth-hook.js';
import type { ZodTypeProvider } from '../http/zod-schemas.js';
import { ApiError, ApiErrorCode } from '../problem.js';
import type { SseHub } from '../routes/sse.js';
import { json, problems } from '../routes/problem-responses.js';
import { A2A_JSONRPC_PATH, agentCardJson, legacyAgentCardJson } from './agent-card.js';
import { PRINCIPAL_STATE_KEY, type TroupeA2ARequestHandler } from './troupe-request-handler.js';

/** JSON-RPC methods that start or stop work (v1.0 and v0.3 names); the rest only read. */
const WRITE_METHODS = new Set([
  'SendMessage',
  'SendStreamingMessage',
  'CancelTask',
  'message/send',
  'message/stream',
  'tasks/cancel',
]);

const JsonRpcRequestSchema = z
  .object({
    jsonrpc: z.string(),
    method: z.string(),
    id: z.union([z.string(), z.number(), z.null()]).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .loose()
  .meta({
    description:
      'A JSON-RPC 2.0 request; A2A v1.0 methods (SendMessage, ...) or, without A2A-Version: 1.0, v0.3 ones (message/send, ...).',
  });

const SEND_METHODS = new Set(['SendMessage', 'SendStreamingMessage', 'message/send', 'message/stream']);

/** A message into an existing task answers its review; any other send or a cancel starts or stops work. */
function scopeFor(method: string, params: Record<string, unknown> | undefined): Scope {
  if (!WRITE_METHODS.has(method)) return Scope.TasksRead;
  const message = params?.['message'] as { taskId?: unknown } | undefined;
  if (SEND_METHODS.has(method) && typeof message?.taskId === 'string' && message.taskId !== '')
    return Scope.Review;
  return Scope.TasksWrite;
}

const isLegacy = (version: string | undefined) => version === undefined || version.startsWith('0.');

export interface A2ARouteOptions {
  handler: TroupeA2ARequestHandler;
  /** The card for the base URL a request came in on. */
  cardFor: (baseUrl: string) => AgentCard;
  publicUrl: string | undefined;
  streams: SseHub;
}

function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${request.protocol}://${request.host}`;
}

/**
 * The troupe as an A2A agent: the agent card, and the SDK's JSON-RPC transport handlers (v1.0, and the
 * v0.3 compat layer) mounted on Fastify. The SDK ships Express glue only; this is the same glue for
 * Fastify (version negotiation, SSE framing of streaming methods).
 */
export function registerA2ARoutes(app: FastifyInstance, o: A2ARouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const v1 = new JsonRpcTransportHandler(o.handler);
  const legacy = new LegacyJsonRpcTransportHandler(o.handler);

  r.get(
    '/.well-known/agent-card.json',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'A2A agent card',
        description:
          'The troupe as an A2A agent: one skill per workflow. With `A2A-Version: 1.0` the v1.0 card, otherwise the v0.3 card.',
        tags: ['a2a'],
        response: { 200: json('The agent card.', z.record(z.string(), z.unknown())) },
      },
    },
    async (request, reply) => {
      const version = headerValue(request, A2A_VERSION_HEADER);
      const card = o.cardFor(baseUrlOf(request, o.publicUrl));
      reply.header('vary', A2A_VERSION_HEADER).header('cache-control', 'public, max-age=60');
      return isLegacy(version) ? legacyAgentCardJson(card) : agentCardJson(card);
    },
  );

  r.post(
    A2A_JSONRPC_PATH,
    {
      config: { auth: 'any' },
      schema: {
        summary: 'A2A JSON-RPC',
        description:
          'A2A over JSON-RPC 2.0: SendMessage / message/send (a text part becomes the question of the workflow in message ' +
          'metadata `workflow`, default `report`; blocking unless `returnImmediately` / `blocking: false`), ' +
          'SendStreamingMessage / message/stream (SSE), GetTask / tasks/get, CancelTask / tasks/cancel, ListTasks, ' +
          'SubscribeToTask / tasks/resubscribe. Errors of the protocol come back as JSON-RPC errors with status 200.',
        tags: ['a2a'],
        security: SECURITY,
        body: JsonRpcRequestSchema,
        response: {
          200: {
            description: 'A JSON-RPC response, or an SSE stream of them for streaming methods.',
            content: {
              'application/json': { schema: z.record(z.string(), z.unknown()) },
              'text/event-stream': { schema: z.string() },
            },
          },
          ...problems(400, 401, 403, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const needed = scopeFor(body.method, body.params);
      if (!hasScope(principal, needed)) {
        throw new ApiError(
          ApiErrorCode.Forbidden,
          `This API key lacks the "${needed}" scope that ${body.method} needs.`,
          {
            details: { requiredScope: needed },
          },
        );
      }
      const version = headerValue(request, A2A_VERSION_HEADER);
      const useLegacy = isLegacy(version);
      const context = new ServerCallContext({
        ...(version !== undefined ? { requestedVersion: version } : {}),
        state: new Map<string, unknown>([
          [PRINCIPAL_STATE_KEY, principal],
          ['headers', request.headers],
        ]),
      });
      const mapError = (err: unknown) =>
        useLegacy
          ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(err)
          : JsonRpcTransportHandler.mapToJSONRPCError(err);
      try {
        validateVersion(context.requestedVersion, await o.handler.getAgentCard(), 'JSONRPC');
      } catch (err) {
        return reply.send({ jsonrpc: '2.0', id: body.id ?? null, error: mapError(err) });
      }
      const out = await (useLegacy ? legacy : v1).handle(body as Record<string, unknown>, context);
      if (!isAsyncIterable(out)) return reply.send(out);

      // Streaming: the first event decides between an error envelope and an SSE stream.
      const iterator = out[Symbol.asyncIterator]();
      let first: IteratorResult<unknown>;
      try {
        first = await iterator.next();
      } catch (err) {
        return reply.send({ jsonrpc: '2.0', id: body.id ?? null, error: mapError(err) });
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        void iterator.return?.(undefined);
        if (!raw.writableEnded) raw.end();
      };
      const untrack = o.streams.track(close);
      raw.on('close', close);
      try {
        if (!first.done) raw.write(`data: ${JSON.stringify(first.value)}\n\n`);
        while (!closed) {
          const next = await iterator.next();
          if (next.done) break;
          raw.write(`data: ${JSON.stringify(next.value)}\n\n`);
        }
      } catch (err) {
        if (!closed) {
          raw.write(
            `event: error\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body.id ?? null, error: mapError(err) })}\n\n`,
          );
        }
      } finally {
        untrack();
        if (!raw.writableEnded) raw.end();
      }
    },
  );
}

const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== '' ? s.trim() : undefined;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
