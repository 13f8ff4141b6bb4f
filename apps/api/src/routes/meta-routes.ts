import type { Bus, Clock } from '@troupe/bus';
import {
  AgentListSchema,
  HealthSchema,
  ReadinessSchema,
  WorkflowListSchema,
  type AgentInfo,
  type WorkflowInfo,
} from '@troupe/client';
import type { AnyWorkflow } from '@troupe/supervisor';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusMetrics } from '@troupe/telemetry';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mayUseWorkflow, Scope } from '../auth/api-keys.js';
import { principalOf } from '../http/auth-hook.js';
import type { ZodTypeProvider } from '../http/zod-schemas.js';
import { readHeartbeats } from '../fleet/read-heartbeats.js';
import { json, problems } from './problem-responses.js';

const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** The JSON Schema of a workflow's input when it is a zod schema; other Standard Schemas have none to give. */
function inputJsonSchema(workflow: AnyWorkflow): Record<string, unknown> | null {
  const schema = workflow.inputSchema as unknown;
  if (typeof schema !== 'object' || schema === null || !('_zod' in schema)) return null;
  try {
    const out = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    delete out['$schema'];
    return out;
  } catch {
    return null;
  }
}

export function describeWorkflow(workflow: AnyWorkflow): WorkflowInfo {
  return {
    name: workflow.name,
    version: workflow.version,
    description: workflow.description,
    roles: [...workflow.roles],
    steps: workflow.steps.map((s) => ({
      id: s.id,
      role: s.role,
      needs: [...s.needs],
      ...(s.description ? { description: s.description } : {}),
    })),
    inputSchema: inputJsonSchema(workflow),
  };
}

export interface MetaRouteOptions {
  bus: Bus;
  clock: Clock;
  workflows: readonly AnyWorkflow[];
}

export function registerMetaRoutes(app: FastifyInstance, o: MetaRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const described = o.workflows.map(describeWorkflow);

  r.get(
    '/v1/workflows',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'List workflows',
        description:
          'The workflows this API serves (those your key may use), with their steps and input schema.',
        tags: ['workflows'],
        security: SECURITY,
        response: { 200: json('Workflows.', WorkflowListSchema), ...problems(401, 403, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return { workflows: described.filter((w) => mayUseWorkflow(principal, w.name)) };
    },
  );

  r.get(
    '/v1/agents',
    {
      config: { auth: Scope.Admin },
      schema: {
        summary: 'List agents',
        description:
          'Agent processes by their latest heartbeat; `stale` when it is older than the liveness window. Needs `admin`.',
        tags: ['agents'],
        security: SECURITY,
        response: { 200: json('Agents.', AgentListSchema), ...problems(401, 403, 429, 503) },
      },
    },
    async () => {
      const now = o.clock.now();
      const ttl = o.bus.topology.agentTtlMs;
      const agents: AgentInfo[] = (await readHeartbeats(o.bus))
        // Supervisors heartbeat into the same bucket; this route lists agents only.
        .filter(([, hb]) => hb.kind === 'agent')
        .map(([, hb]) => ({ ...hb, stale: now - hb.at > ttl }))
        .sort((a, b) => a.agentId.localeCompare(b.agentId));
      return { agents };
    },
  );

  r.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Liveness',
        description: 'The process answers.',
        tags: ['operations'],
        response: { 200: json('Alive.', HealthSchema) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  r.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Readiness',
        description: 'NATS is connected and every stream and bucket exists.',
        tags: ['operations'],
        response: { 200: json('Ready.', ReadinessSchema), 503: json('Not ready.', ReadinessSchema) },
      },
    },
    async (_request, reply) => {
      const nats = await natsConnected(o.bus, o.clock);
      const topology = nats ? await o.bus.hasTopology() : false;
      const ready = nats && topology;
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: { nats, topology } });
    },
  );

  r.get(
    '/metrics',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Prometheus metrics',
        description: 'The text exposition format; empty unless telemetry was initialised with Prometheus.',
        tags: ['operations'],
        response: {
          200: { description: 'Metrics.', content: { 'text/plain': { schema: z.string() } } },
        },
      },
    },
    async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(await renderPrometheusMetrics()),
  );
}

async function natsConnected(bus: Bus, clock: Clock): Promise<boolean> {
  if (bus.isClosed) return false;
  let timer;
  try {
    return await Promise.race([
      bus.rtt().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = clock.setTimeout(() => resolve(false), 2_000);
      }),
    ]);
  } catch {
    return false;
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}
