import type { NatsServer } from '@troupe/bus/testing';
import { FaultKind, type Fault } from './fault-schedule.js';
import type { ProcessPool } from './process-pool.js';
import type { TcpProxy } from './tcp-proxy.js';

/** What faults can hit: the process pools, the server(s) and the proxies between them. */
export interface FaultTargets {
  agents: ProcessPool;
  supervisors: ProcessPool;
  /** The single server (restart-server). */
  server?: NatsServer;
  /** The cluster's nodes (restart-node). */
  nodes?: readonly NatsServer[];
  proxies: readonly TcpProxy[];
}

export interface InjectedFault extends Fault {
  /** What it hit: a pid, a node name, a number of connections. */
  target: string;
  /** Tasks ended when it was injected. */
  endedAt: number;
  durationMs: number;
}

const pickOf = <T>(items: readonly T[], pick: number): T => {
  const item = items[Math.floor(pick * items.length)];
  if (item === undefined) throw new Error('no target for the fault');
  return item;
};

/** Polls a node's /healthz until JetStream is current there again, for at most 30 s. */
async function healthy(node: NatsServer): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${node.monitorUrl}/healthz`).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`node ${node.name} not healthy 30 s after its restart`);
}

/** Carries out one fault and resolves once its effect is over (replacement ready, process continued, node back). */
export async function injectFault(fault: Fault, targets: FaultTargets): Promise<string> {
  switch (fault.kind) {
    case FaultKind.KillAgent:
    case FaultKind.KillSupervisor: {
      const pool = fault.kind === FaultKind.KillAgent ? targets.agents : targets.supervisors;
      const index = Math.floor(fault.pick * pool.live.length);
      const pid = pool.live[index]?.child.pid;
      await pool.replace(index);
      return `${pool.name} ${pid}`;
    }
    case FaultKind.PauseProcess: {
      const candidates = [
        ...targets.agents.live.map((p) => ({ pool: targets.agents.name, p })),
        ...targets.supervisors.live.map((p) => ({ pool: targets.supervisors.name, p })),
      ];
      const { pool, p } = pickOf(candidates, fault.pick);
      p.child.kill('SIGSTOP');
      // The pause is the fault itself, not a wait for a timeout to pass.
      await new Promise((resolve) => setTimeout(resolve, fault.pauseMs));
      p.child.kill('SIGCONT');
      return `${pool} ${p.child.pid} for ${fault.pauseMs} ms`;
    }
    case FaultKind.RestartServer: {
      if (!targets.server) throw new Error('restart-server needs the single server');
      await targets.server.kill();
      await targets.server.restart();
      return targets.server.name;
    }
    case FaultKind.RestartNode: {
      if (!targets.nodes?.length) throw new Error('restart-node needs a cluster');
      const node = pickOf(targets.nodes, fault.pick);
      await node.kill();
      await node.restart();
      await healthy(node);
      return node.name;
    }
    case FaultKind.CutConnections: {
      const cut = targets.proxies.reduce((n, proxy) => n + proxy.cut(), 0);
      return `${cut} connections`;
    }
  }
}

/**
 * Runs a schedule one fault after the other, each once `ended` reached its `afterEnded`, until `stopped`;
 * `finished` lets the submitter hold new tasks back until the faults due by then are over, so that the run
 * does not get ahead of the schedule.
 */
export function runFaults(
  schedule: readonly Fault[],
  targets: FaultTargets,
  progress: { until(count: number): Promise<void>; readonly ended: number },
  stopped: Promise<void>,
) {
  const injected: InjectedFault[] = [];
  let finished = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const settle = () => {
    for (const w of waiters.splice(0)) {
      if (finished >= w.count) w.resolve();
      else waiters.push(w);
    }
  };
  let over = false;
  void stopped.then(() => (over = true));
  const done = (async () => {
    for (const fault of schedule) {
      await Promise.race([progress.until(fault.afterEnded), stopped]);
      // A fault after the last task ended would test nothing.
      if (over) break;
      const begin = Date.now();
      const endedAt = progress.ended;
      const target = await injectFault(fault, targets);
      injected.push({ ...fault, target, endedAt, durationMs: Date.now() - begin });
      finished++;
      settle();
    }
    finished = Infinity;
    settle();
  })();
  return {
    injected,
    done,
    /** Resolves once `count` faults are over (or the schedule is). */
    finished(count: number): Promise<void> {
      return new Promise((resolve) => {
        waiters.push({ count, resolve });
        settle();
      });
    },
  };
}
