import type { FleetMember, FleetMemberState } from '@troupe/client';

export interface HostGroup {
  host: string;
  members: FleetMember[];
}

export interface FleetGroup {
  /** `supervisors`, or the agents' roles joined: an agent serving several roles is listed once. */
  key: string;
  kind: FleetMember['kind'];
  label: string;
  hosts: HostGroup[];
  count: number;
  inFlight: number;
  concurrency: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Supervisors first, then agents by their roles; within a group by host, then by id. */
export function groupFleet(members: readonly FleetMember[]): FleetGroup[] {
  const groups = new Map<string, { kind: FleetMember['kind']; label: string; members: FleetMember[] }>();
  for (const m of members) {
    const roles = [...m.roles].sort(byText);
    const key = m.kind === 'supervisor' ? 'supervisors' : `agents:${roles.join('+')}`;
    const label = m.kind === 'supervisor' ? 'supervisors' : roles.join(' · ') || '(no role)';
    const group = groups.get(key) ?? { kind: m.kind, label, members: [] };
    group.members.push(m);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([ka, a], [kb, b]) => (a.kind === b.kind ? byText(ka, kb) : a.kind === 'supervisor' ? -1 : 1))
    .map(([key, g]) => {
      const hosts = new Map<string, FleetMember[]>();
      for (const m of g.members) hosts.set(m.host, [...(hosts.get(m.host) ?? []), m]);
      return {
        key,
        kind: g.kind,
        label: g.label,
        hosts: [...hosts.entries()]
          .sort(([a], [b]) => byText(a, b))
          .map(([host, ms]) => ({ host, members: ms.sort((a, b) => byText(a.id, b.id)) })),
        count: g.members.length,
        inFlight: g.members.reduce((n, m) => n + m.inFlight, 0),
        concurrency: g.members.reduce((n, m) => n + m.concurrency, 0),
      };
    });
}

export const FLEET_STATES: readonly FleetMemberState[] = ['ready', 'busy', 'draining', 'stale'];

export function countStates(members: readonly FleetMember[]): Record<FleetMemberState, number> {
  const counts: Record<FleetMemberState, number> = { ready: 0, busy: 0, draining: 0, stale: 0 };
  for (const m of members) counts[m.state]++;
  return counts;
}

/**
 * How old a member's last heartbeat is now. Both times are the server's (`fleetAt` is when the server
 * sent the fleet), so the browser's clock only adds the time since it received it: a skewed browser clock
 * does not make heartbeats look old or new.
 */
export function heartbeatAge(
  lastHeartbeat: number,
  fleetAt: number,
  receivedAt: number,
  now: number,
): number {
  return Math.max(0, fleetAt - lastHeartbeat + Math.max(0, now - receivedAt));
}
