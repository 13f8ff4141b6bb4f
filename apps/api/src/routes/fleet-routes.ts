import type { Bus, Clock } from '@troupe/bus';
import { FleetSchema } from '@troupe/client';
import type { AnyWorkflow } from '@troupe/supervisor';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Scope } from '../auth/api-keys.js';
import { FleetRates } from '../fleet/fleet-rates.js';
import { buildFleet, fleetScope, FLEET_LISTED_FOR_TTLS } from '../fleet/fleet-view.js';
import { createFleetWatcher } from '../fleet/fleet-watcher.js';
import { principalOf } from '../http/auth-hook.js';
import type { ZodTypeProvider } from '../http/zod-schemas.js';
import { json, problems } from './problem-responses.js';
import { readHeartbeats } from '../fleet/read-heartbeats.js';
import type { SseHub } from './sse.js';

const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
const TAGS = ['fleet'];

export interface FleetRouteOptions {
  hub: SseHub;
  bus: Bus;
  clock: Clock;
  workflows: readonly AnyWorkflow[];
  /** How often a fleet stream is sent without a change, so staleness shows (default 5 s, the heartbeat interval). */
  refreshMs?: number;
}

/** `GET /v1/fleet`, `GET /v1/fleet/stream`: agents and supervisors by their heartbeats. */
export function registerFleetRoutes(app: FastifyInstance, o: FleetRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const ttlMs = o.bus.topology.agentTtlMs;
  const rates = new FleetRates();
  const watcher = createFleetWatcher({
    bus: o.bus,
    clock: o.clock,
    rates,
    refreshMs: o.refreshMs ?? 5_000,
    forgetAfterMs: FLEET_LISTED_FOR_TTLS * ttlMs,
    onError: (err) => app.log.warn({ err }, 'fleet watch failed'),
  });
  app.addHook('onClose', async () => watcher.close());

  const read = () => readHeartbeats(o.bus);

  r.get(
    '/v1/fleet',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'The fleet',
        description:
          'Agents and supervisors by their latest heartbeat. An `admin` key sees every member with its pid; ' +
          'another key sees the supervisors and the agents serving the roles of the workflows it may use.',
        tags: TAGS,
        security: SECURITY,
        response: { 200: json('The fleet.', FleetSchema), ...problems(401, 403, 429, 503) },
      },
    },
    async (request) => {
      const scope = fleetScope(principalOf(request), o.workflows);
      const heartbeats = await read();
      for (const [key, heartbeat] of heartbeats) rates.record(key, heartbeat);
      return buildFleet(heartbeats, { now: o.clock.now(), ttlMs, scope, rates });
    },
  );

  r.get(
    '/v1/fleet/stream',
    {
      config: { auth: Scope.TasksRead },
      schema: {
        summary: 'Follow the fleet (Server-Sent Events)',
        description:
          '`event: fleet` with the Fleet as `GET /v1/fleet` gives it: at once, on every change (at most once a ' +
          'second) and every few seconds, so that a member whose heartbeats stopped shows as `stale`.',
        tags: TAGS,
        security: SECURITY,
        response: {
          200: {
            description: 'An event stream.',
            content: { 'text/event-stream': { schema: z.string().meta({ description: 'SSE frames' }) } },
          },
          ...problems(401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const scope = fleetScope(principalOf(request), o.workflows);
      const sse = o.hub.open(reply);
      const unsubscribe = watcher.subscribe((heartbeats) => {
        const fleet = buildFleet(heartbeats, { now: o.clock.now(), ttlMs, scope, rates });
        void sse.send('fleet', fleet).catch(() => sse.close());
      });
      await sse.done;
      unsubscribe();
    },
  );
}
