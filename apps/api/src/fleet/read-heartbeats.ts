import { Buckets, HeartbeatSchema, type Bus, type Heartbeat } from '@troupe/bus';
import { ApiError, ApiErrorCode } from '../problem.js';

/** Every heartbeat in `troupe_agents` (agents' and supervisors'), by key; UNAVAILABLE when NATS does not answer. */
export async function readHeartbeats(bus: Bus): Promise<Array<[string, Heartbeat]>> {
  try {
    const kv = await bus.kv(Buckets.Agents, HeartbeatSchema);
    const keys = await kv.keys();
    const entries = await Promise.all(keys.map((k) => kv.get(k).catch(() => undefined)));
    return entries.filter((e) => e !== undefined).map((e) => [e.key, e.value]);
  } catch (err) {
    throw new ApiError(ApiErrorCode.Unavailable, `reading heartbeats failed: ${(err as Error).message}`, {
      cause: err,
      headers: { 'retry-after': '2' },
    });
  }
}
