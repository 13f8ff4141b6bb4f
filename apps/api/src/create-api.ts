import fastifyRateLimit from '@fastify/rate-limit';
import { maxHeaderSize } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { buildAgentCard } from './a2a/agent-card.js';
import { registerA2ARoutes } from './a2a/a2a-routes.js';
import { TroupeA2ARequestHandler } from './a2a/troupe-request-handler.js';
import { registerAuth } from './http/auth-hook.js';
import { answerUnroutedRequests, createClientErrorHandler } from './http/client-error.js';
import { registerOpenApi } from './http/openapi.js';
import { jsonSerializerCompiler, zodValidatorCompiler } from './http/zod-schemas.js';
import { resolveApiOptions, type ApiOptions } from './options.js';
import { ApiErrorCode, problemOf, sendProblem, toProblem } from './problem.js';
import { registerFleetRoutes } from './routes/fleet-routes.js';
import { registerLiveRoutes } from './routes/live-routes.js';
import { SseHub } from './routes/sse.js';
import { registerTraceStreamRoutes } from './routes/trace-stream-routes.js';
import { registerUiRoutes } from './routes/ui-routes.js';
import { registerMetaRoutes } from './routes/meta-routes.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { createTaskService } from './tasks/task-service.js';

/**
 * The Troupe HTTP API as a Fastify instance (not listening yet): tasks, SSE, review, cancel, audit,
 * traces, workflows, agents, health, metrics, OpenAPI at `/openapi.json`, a reference at `/docs/`, and
 * the A2A agent. Every error is `application/problem+json`.
 */
export function createApi(options: ApiOptions): FastifyInstance {
  const o = resolveApiOptions(options);
  const app = Fastify({
    bodyLimit: o.limits.bodyLimitBytes,
    ...(typeof o.logger === 'boolean'
      ? { logger: o.logger }
      : { loggerInstance: o.logger as FastifyBaseLogger }),
    // Closing must not wait for event streams: they are ended in preClose.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
    // Errors Fastify raises before routing (a malformed URL) are problems too.
    frameworkErrors: (err, request, reply) => {
      const { problem, headers } = toProblem(err, request);
      void sendProblem(reply, problem, headers);
    },
    // And those Node's parser raises before Fastify sees a request (oversize headers, CR/LF in a header).
    clientErrorHandler: createClientErrorHandler(maxHeaderSize),
  }) as unknown as FastifyInstance;

  answerUnroutedRequests(app.server);
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  // Only JSON is accepted: a text/plain body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  // A2A clients may label their JSON-RPC bodies application/a2a+json.
  app.addContentTypeParser(
    'application/a2a+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.setErrorHandler((err, request, reply) => {
    const { problem, headers } = toProblem(err, request);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else
      request.log.debug(
        { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
        'client error',
      );
    if (reply.sent || reply.raw.headersSent) return;
    return sendProblem(reply, problem, headers);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problemOf(
        ApiErrorCode.RouteNotFound,
        `There is no ${request.method} ${request.url.split('?')[0]}. The routes are listed at /openapi.json (readable at /docs/).`,
        request.url,
      ),
    ),
  );

  const service = createTaskService({
    bus: o.bus,
    workflows: o.workflows,
    clock: o.clock,
    log: app.log,
  });
  const streams = new SseHub({ clock: o.clock, heartbeatMs: o.limits.sseHeartbeatMs, retryMs: 1_000 });
  app.addHook('preClose', async () => streams.closeAll());

  app.register(async (api) => {
    await registerOpenApi(api, { version: o.version });
    await api.register(fastifyRateLimit, { global: false });
    const { open } = registerAuth(api, {
      keys: o.keys,
      rateLimit: {
        perKey: o.limits.perKey,
        perTenant: o.limits.perTenant,
        unauthenticated: o.limits.unauthenticated,
      },
    });
    if (open) {
      app.log.warn(
        'no API keys configured (TROUPE_API_KEYS / TROUPE_API_KEYS_FILE): the API is open as tenant "local" with every scope, ' +
          'and answers loopback connections only',
      );
    }
    const cardFor = (baseUrl: string) =>
      buildAgentCard({ baseUrl, workflows: o.workflows, secured: !open, version: o.version });
    const handler = new TroupeA2ARequestHandler({
      service,
      card: () => cardFor(o.publicUrl ?? 'http://localhost'),
      clock: o.clock,
      defaultWorkflow: o.defaultA2AWorkflow,
      blockingTimeoutMs: o.limits.a2aBlockingTimeoutMs,
    });
    registerTaskRoutes(api, { service, hub: streams, bus: o.bus });
    registerTraceStreamRoutes(api, { service, hub: streams, bus: o.bus, clock: o.clock });
    registerLiveRoutes(api, { service, hub: streams, bus: o.bus, clock: o.clock });
    registerFleetRoutes(api, { hub: streams, bus: o.bus, clock: o.clock, workflows: o.workflows });
    registerUiRoutes(api, { dashboardDir: o.dashboardDir });
    registerMetaRoutes(api, { bus: o.bus, clock: o.clock, workflows: o.workflows });
    registerA2ARoutes(api, { handler, cardFor, publicUrl: o.publicUrl, streams });
  });
  return app;
}
