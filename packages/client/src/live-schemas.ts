import { z } from 'zod';
import { UsageTotalsSchema, WorkflowNameSchema } from './schemas.js';

/**
 * What the dashboard reads beyond tasks: the caller's identity, the fleet, usage over time. The live
 * streams (Server-Sent Events) carry these and the task schemas:
 *
 * - `GET /v1/tasks/stream`: `event: task` (a TaskSummary) for each of the tenant's tasks (newest first, up to
 *   `?limit=`, default 200), then `event: synced` (`{ count }`), then `event: task` on every change and
 *   `event: removed` (`{ id }`). No event ids: a reconnecting client gets the whole list again.
 * - `GET /v1/tasks/{id}/trace/stream`: `event: span` (a TraceSpan), `id:` its position; stored spans first,
 *   then live ones; resumable with `Last-Event-ID` / `?lastEventId=`.
 * - `GET /v1/fleet/stream`: `event: fleet` (a Fleet) at once, on every change (at most once a second) and
 *   every few seconds so that staleness shows.
 */

export const WhoAmISchema = z
  .object({
    tenant: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(['tasks:write', 'tasks:read', 'review', 'admin'])),
    /** The workflows this key may use; null for every one. */
    workflows: z.array(z.string()).nullable(),
    /** True when the API runs without keys (loopback only). */
    open: z.boolean(),
  })
  .meta({ id: 'WhoAmI' });
export type WhoAmI = z.infer<typeof WhoAmISchema>;

export const FleetMemberStateSchema = z.enum(['ready', 'busy', 'draining', 'stale']).meta({
  description: '`busy`: at least one step in flight; `stale`: no heartbeat within the liveness window.',
});
export type FleetMemberState = z.infer<typeof FleetMemberStateSchema>;

export const FleetMemberSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['agent', 'supervisor']),
    /** An agent's roles; empty for a supervisor. */
    roles: z.array(z.string()),
    host: z.string(),
    /** Shown to `admin` keys only. */
    pid: z.number().int().nullable(),
    state: FleetMemberStateSchema,
    /** Steps (agent) or task events (supervisor) being handled now. */
    inFlight: z.number().int(),
    concurrency: z.number().int(),
    /** Epoch milliseconds of the latest heartbeat. */
    lastHeartbeat: z.number(),
    startedAt: z.number(),
    version: z.string(),
    /** Steps finished (agent) or task events applied (supervisor) since the process started. */
    handled: z.number().int().nullable(),
    /** Over the last minute, from the heartbeats' `handled` counts; null until two heartbeats were seen. */
    perMinute: z.number().nullable(),
  })
  .meta({ id: 'FleetMember' });
export type FleetMember = z.infer<typeof FleetMemberSchema>;

export const FleetSchema = z
  .object({
    at: z.number(),
    /** Agents serving the roles of the workflows this key may use (all for `admin`), and the supervisors. */
    members: z.array(FleetMemberSchema),
  })
  .meta({ id: 'Fleet' });
export type Fleet = z.infer<typeof FleetSchema>;

export const UsageQuerySchema = z
  .object({
    since: z.coerce.number().int().min(0).optional().meta({ description: 'Epoch ms; default 24 h ago.' }),
    until: z.coerce.number().int().min(0).optional().meta({ description: 'Epoch ms; default now.' }),
    bucketMs: z.coerce.number().int().min(60_000).max(86_400_000).optional().meta({
      description: 'Width of a time bucket, 1 min to 1 day; default: about 48 buckets over the range.',
    }),
  })
  .strict();
export type UsageQuery = z.output<typeof UsageQuerySchema>;

export const UsageRowSchema = UsageTotalsSchema.extend({
  /** Bucket start, epoch ms. */
  start: z.number(),
  workflow: WorkflowNameSchema,
  role: z.string(),
  /** `provider:model`, or `unknown`. */
  model: z.string(),
  /** Step instances that finished in the bucket. */
  steps: z.number().int(),
}).meta({ id: 'UsageRow' });
export type UsageRow = z.infer<typeof UsageRowSchema>;

export const UsageReportSchema = z
  .object({
    since: z.number(),
    until: z.number(),
    bucketMs: z.number(),
    /** One row per bucket, workflow, role and model that had usage, oldest bucket first. */
    rows: z.array(UsageRowSchema),
  })
  .meta({ id: 'UsageReport' });
export type UsageReport = z.infer<typeof UsageReportSchema>;
