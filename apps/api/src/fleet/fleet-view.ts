import type { Heartbeat } from '@troupe/bus';
import type { Fleet, FleetMember, FleetMemberState } from '@troupe/client';
import type { AnyWorkflow } from '@troupe/supervisor';
import { hasScope, mayUseWorkflow, Scope, type Principal } from '../auth/api-keys.js';
import type { FleetRates } from './fleet-rates.js';

/** A member whose heartbeat is this many liveness windows old is left out of the fleet. */
export const FLEET_LISTED_FOR_TTLS = 4;

/** `stale` past the liveness window; else `draining`, `busy` (work in flight) or `ready`. */
export function memberState(heartbeat: Heartbeat, now: number, ttlMs: number): FleetMemberState {
  if (now - heartbeat.at > ttlMs) return 'stale';
  if (heartbeat.status === 'draining') return 'draining';
  return heartbeat.inFlight > 0 ? 'busy' : 'ready';
}

/** Which members a key sees, and whether it sees their process ids. */
export interface FleetScope {
  readonly showPid: boolean;
  includes(heartbeat: Heartbeat): boolean;
}

/**
 * `admin` sees every member with its pid. Any other key sees the supervisors and the agents that serve a role
 * of a workflow it may use, without pids.
 */
export function fleetScope(principal: Principal, workflows: readonly AnyWorkflow[]): FleetScope {
  if (hasScope(principal, Scope.Admin)) return { showPid: true, includes: () => true };
  const roles = new Set(
    workflows.filter((w) => mayUseWorkflow(principal, w.name)).flatMap((w) => [...w.roles]),
  );
  return {
    showPid: false,
    includes: (hb) => hb.kind === 'supervisor' || hb.roles.some((role) => roles.has(role)),
  };
}

export interface FleetViewOptions {
  now: number;
  ttlMs: number;
  scope: FleetScope;
  rates: FleetRates;
}

export function toFleetMember(
  key: string,
  heartbeat: Heartbeat,
  o: Omit<FleetViewOptions, 'scope'> & { showPid: boolean },
): FleetMember {
  return {
    id: heartbeat.agentId,
    kind: heartbeat.kind,
    roles: [...heartbeat.roles],
    host: heartbeat.host,
    pid: o.showPid ? heartbeat.pid : null,
    state: memberState(heartbeat, o.now, o.ttlMs),
    inFlight: heartbeat.inFlight,
    concurrency: heartbeat.concurrency,
    lastHeartbeat: heartbeat.at,
    startedAt: heartbeat.startedAt,
    version: heartbeat.version,
    handled: heartbeat.handled ?? null,
    perMinute: o.rates.perMinute(key, o.now),
  };
}

/** The fleet a key sees, from the latest heartbeat per KV key: supervisors first, then agents, by id. */
export function buildFleet(heartbeats: Iterable<[string, Heartbeat]>, o: FleetViewOptions): Fleet {
  const members: FleetMember[] = [];
  for (const [key, heartbeat] of heartbeats) {
    if (o.now - heartbeat.at > FLEET_LISTED_FOR_TTLS * o.ttlMs || !o.scope.includes(heartbeat)) continue;
    members.push(toFleetMember(key, heartbeat, { ...o, showPid: o.scope.showPid }));
  }
  members.sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === 'supervisor' ? -1 : 1));
  return { at: o.now, members };
}
